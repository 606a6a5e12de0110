// What configuration is resolved against (user, home, environment variables), and the error a bad
// flag raises. Shared by the server and the agent; the server imports it from here because a server
// embeds an agent, never the other way round.
import { homedir } from 'node:os';
import { join } from 'node:path';

export class ConfigError extends Error {}

export interface Environment {
  uid: number;
  home: string;
  env: Record<string, string | undefined>;
}

export const currentEnvironment = (): Environment => ({ uid: process.getuid?.() ?? 0, home: homedir(), env: process.env });

/** As K3s keeps /var/lib/rancher/k3s for both: one data dir per machine, for server and agent. */
export function defaultDataDir(e: Environment): string {
  return e.uid === 0 ? '/var/lib/k3ts' : join(e.home, '.k3ts');
}
