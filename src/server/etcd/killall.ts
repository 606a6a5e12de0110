// `k3ts killall` and managed etcd: etcd normally dies with its server (pdeathsig), but one left
// behind (the server's process gone some other way, or a machine without setpriv) still holds its
// ports and its vote. It is stopped by the PID and start time recorded at its start, never by name.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isRunning, stopProcess, type ProcessIdentity } from '../../agent/process-identity.js';
import { managedEtcdPaths } from './etcd-paths.js';

/** The PID of the etcd stopped, or undefined when none of this data dir was running. */
export async function stopLeftoverEtcd(dataDir: string): Promise<number | undefined> {
  const { pidFile } = managedEtcdPaths(dataDir);
  if (!existsSync(pidFile)) return undefined;
  let recorded: ProcessIdentity;
  try {
    recorded = JSON.parse(readFileSync(pidFile, 'utf8')) as ProcessIdentity;
  } catch {
    return undefined;
  }
  if (!isRunning(recorded)) {
    await rm(pidFile, { force: true });
    return undefined;
  }
  if (!(await stopProcess(recorded, 15_000))) throw new Error(`etcd (pid ${recorded.pid}) did not stop`);
  await rm(pidFile, { force: true });
  return recorded.pid;
}
