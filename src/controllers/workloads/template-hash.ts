// A short, stable name suffix for a pod template: a Deployment's ReplicaSets are named
// `<deployment>-<hash>` and a DaemonSet's pods carry it as controller-revision-hash. FNV-1a over the
// template's canonical JSON (key order does not matter), with the collision count mixed in so that
// a name taken by a stranger can be stepped around. The alphabet has no vowels, so no words.
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { canonical } from '../../registry/validation/common.js';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function templateHash(template: PodTemplateSpec | undefined, collisionCount = 0): string {
  let n = fnv1a32(`${canonical(template ?? {})}\u0000${collisionCount}`);
  let out = '';
  do {
    out = alphabet[n % alphabet.length] + out;
    n = Math.floor(n / alphabet.length);
  } while (n > 0);
  return out;
}
