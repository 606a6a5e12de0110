// What configuration is resolved against (user, home, environment variables), and the error a bad
// flag raises. Shared by the server and the agent; the server imports it from here because a server
// embeds an agent, never the other way round.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export class ConfigError extends Error {}

export interface Environment {
  uid: number;
  home: string;
  env: Record<string, string | undefined>;
  /** Whether an executable file exists (an absolute path, or a name looked up in PATH). */
  hasExecutable?(nameOrPath: string): boolean;
}

function executableExists(nameOrPath: string, path: string | undefined): boolean {
  const candidates = nameOrPath.includes('/') ? [nameOrPath] : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, nameOrPath));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const currentEnvironment = (): Environment => ({
  uid: process.getuid?.() ?? 0,
  home: homedir(),
  env: process.env,
  // sbin too: runc lives in /usr/sbin on Debian, which a non-login root PATH may lack.
  hasExecutable: (name) => executableExists(name, `${process.env.PATH ?? ''}${delimiter}/usr/sbin${delimiter}/sbin`),
});

/** As K3s keeps /var/lib/rancher/k3s for both: one data dir per machine, for server and agent. */
export function defaultDataDir(e: Environment): string {
  return e.uid === 0 ? '/var/lib/k3ts' : join(e.home, '.k3ts');
}
