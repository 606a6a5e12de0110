// Pod annotations that override what a simulated container does, for tests and demos that need a
// crash or a slow shutdown without writing a script for it. A key suffixed with `.<container>`
// applies to that container only and wins over the pod-wide key.

export const simAnnotations = {
  exitAfter: 'sim.k3ts.io/exit-after',
  exitCode: 'sim.k3ts.io/exit-code',
  ignoreSigterm: 'sim.k3ts.io/ignore-sigterm',
} as const;

export interface Behaviour {
  /** Exit this long after starting, whatever the command does. */
  exitAfterMs?: number;
  /** The code of every exit the container makes on its own (not of one forced by a stop). */
  exitCode?: number;
  /** SIGTERM is ignored: a stop waits for the grace period, then kills. */
  ignoreSigterm: boolean;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("1m30s", "500ms") or a bare number of seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (!/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

export function behaviourOf(annotations: Record<string, string>, container: string): Behaviour {
  const get = (key: string) => annotations[`${key}.${container}`] ?? annotations[key];
  const after = get(simAnnotations.exitAfter);
  const code = get(simAnnotations.exitCode);
  const exitAfterMs = after === undefined ? undefined : parseDuration(after);
  const exitCode = code === undefined || !/^\d+$/.test(code.trim()) ? undefined : Number(code) % 256;
  return {
    ...(exitAfterMs !== undefined ? { exitAfterMs } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    ignoreSigterm: get(simAnnotations.ignoreSigterm) === 'true',
  };
}
