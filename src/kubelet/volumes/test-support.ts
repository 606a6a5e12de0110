// Shared by the volume tests: a mount table in memory (no root needed), pods built in place, and a
// scratch root directory.
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MountOps } from './types.js';

export interface FakeMounts extends MountOps {
  /** Mount point → size in bytes. */
  readonly points: Map<string, number>;
}

export function fakeMounts(o: { stuck?: boolean } = {}): FakeMounts {
  const points = new Map<string, number>();
  return {
    points,
    async mountTmpfs(dir, { sizeBytes }) {
      points.set(dir, sizeBytes);
    },
    async unmount(dir) {
      // `stuck`: umount "succeeds" but the mount stays (busy), as a lazy or failed unmount can.
      if (!o.stuck) points.delete(dir);
    },
    async mountPointsUnder(dir) {
      return [...points.keys()].filter((p) => p === dir || p.startsWith(dir + '/'));
    },
  };
}

export function testPod(spec: Partial<PodSpec>, o: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name ?? 'web', namespace: 'default', uid: randomUUID(), labels: o.labels, annotations: o.annotations },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox' }], ...spec },
  };
}

export async function scratchDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'k3ts-vol-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
