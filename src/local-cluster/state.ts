// `<data-dir>/up.json`: what `k3ts up` started, so `k3ts down` stops exactly that.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../pki/files.js';
import type { UpNetwork } from './node-network.js';
import type { RecordedProcess } from './processes.js';

export interface UpState {
  port: number;
  kubeconfig: string;
  processes: RecordedProcess[];
  /** The nodes' namespaces and bridge, when each node has its own network. */
  network?: UpNetwork;
}

export const statePath = (dataDir: string) => join(dataDir, 'up.json');

export function readUpState(dataDir: string): UpState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(dataDir), 'utf8')) as UpState;
  } catch {
    return undefined;
  }
}

export function writeUpState(dataDir: string, state: UpState): Promise<void> {
  return writeFileAtomic(statePath(dataDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
