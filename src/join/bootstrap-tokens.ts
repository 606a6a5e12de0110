// Join tokens in Kubernetes' bootstrap-token form (`abcdef.0123456789abcdef`), stored as Secrets
// `kube-system/bootstrap-token-<id>` of type bootstrap.kubernetes.io/token, exactly where kubeadm
// keeps them, so `kubectl get secrets -n kube-system` shows them too.
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { KObject } from '../registry/types.js';

export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function bootstrapSecretName(id: string): string {
  return `bootstrap-token-${id}`;
}

function randomString(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export function generateBootstrapToken(): { id: string; secret: string } {
  return { id: randomString(6), secret: randomString(16) };
}

export interface BootstrapTokenInfo {
  id: string;
  description?: string;
  /** Absent: never expires. */
  expires?: Date;
  created?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : undefined);

export function bootstrapTokenSecret(token: { id: string; secret: string }, opts: { ttlMs?: number; description?: string; now?: Date }): KObject {
  const now = opts.now ?? new Date();
  const data: Record<string, string> = {
    'token-id': b64(token.id),
    'token-secret': b64(token.secret),
    'usage-bootstrap-authentication': b64('true'),
  };
  if (opts.ttlMs && opts.ttlMs > 0) data.expiration = b64(new Date(now.getTime() + opts.ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  if (opts.description) data.description = b64(opts.description);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapSecretName(token.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE, labels: { 'k3ts.io/join-token': 'true' } },
    type: BOOTSTRAP_TOKEN_TYPE,
    data,
  } as KObject;
}

export function bootstrapTokenInfo(secret: KObject): BootstrapTokenInfo | undefined {
  if ((secret as { type?: string }).type !== BOOTSTRAP_TOKEN_TYPE) return undefined;
  const data = ((secret as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
  const id = unb64(data['token-id']);
  if (!id) return undefined;
  const expiration = unb64(data.expiration);
  return {
    id,
    ...(unb64(data.description) ? { description: unb64(data.description) } : {}),
    ...(expiration ? { expires: new Date(expiration) } : {}),
    ...(secret.metadata.creationTimestamp ? { created: secret.metadata.creationTimestamp } : {}),
  };
}

export type TokenCheck = 'ok' | 'expired' | 'wrong-secret' | 'not-a-token';

export function checkBootstrapToken(secret: KObject, tokenSecret: string, now = new Date()): TokenCheck {
  const info = bootstrapTokenInfo(secret);
  if (!info) return 'not-a-token';
  const stored = Buffer.from(unb64((secret as { data?: Record<string, string> }).data?.['token-secret']) ?? '', 'utf8');
  const given = Buffer.from(tokenSecret, 'utf8');
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return 'wrong-secret';
  if (info.expires && !(info.expires.getTime() > now.getTime())) return 'expired';
  return 'ok';
}

/** `24h`, `90m`, `30s`, `2h30m`, `0` (never expires). */
export function parseDuration(text: string): number {
  if (text.trim() === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== text.length) throw new Error(`invalid duration "${text}": use a number with a unit, e.g. 24h, 90m, 30s, or 0 for no expiry`);
  return total;
}
