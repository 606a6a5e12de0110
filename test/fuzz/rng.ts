// A small seeded PRNG (mulberry32) so a fuzz run can be replayed from its printed seed.
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of items) {
      x -= w;
      if (x < 0) return v;
    }
    return items[items.length - 1]![1];
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Fixed so that a CI failure reproduces from the commit alone, not only from its log. */
export const DEFAULT_FUZZ_SEED = 0x6b337473; // "k3ts"

export interface FuzzSeed {
  seed: number;
  /** Where it came from, for the log line that lets a run be replayed. */
  origin: 'default' | 'FUZZ_SEED' | 'random';
}

/**
 * The seed for a fuzz run: `FUZZ_SEED=<integer>` replays a run, `FUZZ_SEED=random` explores a new
 * one (printed, so it too can be replayed), and without FUZZ_SEED every run uses DEFAULT_FUZZ_SEED.
 */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): FuzzSeed {
  const text = env.FUZZ_SEED?.trim();
  if (text === undefined || text === '') return { seed: DEFAULT_FUZZ_SEED, origin: 'default' };
  if (text.toLowerCase() === 'random') return { seed: (Math.random() * 2 ** 32) >>> 0, origin: 'random' };
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer or "random", got ${JSON.stringify(env.FUZZ_SEED)}`);
  return { seed: n >>> 0, origin: 'FUZZ_SEED' };
}
