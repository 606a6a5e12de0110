// Servers sharing a datastore: only the controllers' leader applies manifests, and the next leader
// takes over when it goes. Each server reads its own directory, so which files are applied shows
// which server applied them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackend } from '../../storage/open.js';
import { startControlPlane, type ControlPlane } from '../control-plane.js';
import { createLogger } from '../log.js';
import { getIfExists } from '../../client/types.js';
import { eventually } from '../../../test/support/eventually.js';
import { testCaPem } from '../../../test/support/control-plane.js';

const configMaps = { group: '', version: 'v1', resource: 'configmaps' };
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\n`;

describe('auto-deployed manifests with several servers', { timeout: 60_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'k3ts-manifests-ha-'));
  const planes: ControlPlane[] = [];
  let closeBackend: (() => Promise<void>) | undefined;
  after(async () => {
    await Promise.all(planes.map((p) => p.stop()));
    await closeBackend?.();
    rmSync(root, { recursive: true, force: true });
  });

  it('only the leader applies its directory; the next leader applies its own once the first stops', async () => {
    const backend = await openBackend(`sqlite://${join(root, 'state.db')}`, { autoCompaction: { intervalMs: 0 } });
    closeBackend = () => backend.close();
    const start = async (id: string) => {
      const dir = join(root, id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `from-${id}.yaml`), cm(`from-${id}`));
      const plane = await startControlPlane({
        backend, serviceCidr: '10.43.0.0/16', nodePortRange: { min: 30000, max: 32767 }, advertiseAddress: '127.0.0.1', port: 6443, caPem: testCaPem,
        coreControllersOnly: true,
        ha: { identity: id, leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 200 },
        manifests: { dir },
        log: createLogger('text', () => undefined),
      });
      planes.push(plane);
      return plane;
    };
    const a = await start('a');
    await eventually(() => a.leading().controllers, 5000, 'a leads');
    const b = await start('b');
    await eventually(async () => !!(await getIfExists(a.client, configMaps, 'default', 'from-a')), 5000, "a's file applied");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(b.leading().controllers, false);
    assert.equal(await getIfExists(a.client, configMaps, 'default', 'from-b'), undefined, 'b, not leading, applied nothing');
    await a.stop();
    planes.shift();
    await eventually(async () => !!(await getIfExists(b.client, configMaps, 'default', 'from-b')), 8000, "b's file applied once b leads");
  });
});
