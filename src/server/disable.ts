// `--disable <component>`: packaged components a server can leave out, named as in K3s.
import { ConfigError } from '../agent/environment.js';

export const DISABLEABLE = ['local-storage'] as const;

/** The names given (comma-separated or repeated), each checked against what k3ts packages. */
export function parseDisable(values: readonly string[] | undefined): string[] {
  const names = (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(DISABLEABLE as readonly string[]).includes(n)) throw new ConfigError(`--disable: unknown component "${n}"; k3ts can disable: ${DISABLEABLE.join(', ')}`);
  }
  return [...new Set(names)];
}
