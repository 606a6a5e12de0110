// An in-process control plane on a throwaway SQLite file, for tests that need real storage and
// real admission but no HTTPS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../src/storage/open.js';
import type { Backend } from '../../src/storage/backend.js';
import { startControlPlane, type ControlPlane } from '../../src/server/control-plane.js';
import { createLogger } from '../../src/server/log.js';

/** Stands in for the cluster CA: the control plane only publishes it. */
export const testCaPem = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

export interface TestControlPlane extends ControlPlane {
  close(): Promise<void>;
}

/** By default only the core controllers (namespace deletion, root CA) run; `all` adds the
 *  scheduler, workload and cluster controllers as in a real server. */
export async function startTestControlPlane(opts: { controllers?: 'core' | 'all'; onBackend?: (backend: Backend) => void } = {}): Promise<TestControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-cp-'));
  const backend = await openBackend(`sqlite://${join(dir, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
  // A test's hook on the backend before anything watches it.
  opts.onBackend?.(backend);
  const plane = await startControlPlane({
    backend,
    serviceCidr: '10.43.0.0/16',
    nodePortRange: { min: 30000, max: 32767 },
    advertiseAddress: '127.0.0.1',
    port: 6443,
    caPem: testCaPem,
    coreControllersOnly: opts.controllers !== 'all',
    log: createLogger('text', () => undefined),
  });
  return {
    ...plane,
    async close() {
      await plane.stop();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
