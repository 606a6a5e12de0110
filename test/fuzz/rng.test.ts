import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FUZZ_SEED, Rng, seedFromEnv } from './rng.js';

test('the fuzz seed is fixed by default, FUZZ_SEED=<n> replays a run and FUZZ_SEED=random opts in to a new one', () => {
  assert.deepEqual(seedFromEnv({}), { seed: DEFAULT_FUZZ_SEED, origin: 'default' });
  assert.deepEqual(seedFromEnv({ FUZZ_SEED: ' ' }), { seed: DEFAULT_FUZZ_SEED, origin: 'default' });
  assert.deepEqual(seedFromEnv({ FUZZ_SEED: '42' }), { seed: 42, origin: 'FUZZ_SEED' });
  const random = seedFromEnv({ FUZZ_SEED: 'random' });
  assert.equal(random.origin, 'random');
  assert.ok(Number.isInteger(random.seed) && random.seed >= 0 && random.seed < 2 ** 32);
  assert.throws(() => seedFromEnv({ FUZZ_SEED: 'abc' }), /FUZZ_SEED must be an integer or "random"/);
  // Same seed, same sequence: what makes a printed seed a replay.
  const draw = (seed: number) => Array.from({ length: 5 }, ((rng) => () => rng.int(1000))(new Rng(seed)));
  assert.deepEqual(draw(DEFAULT_FUZZ_SEED), draw(DEFAULT_FUZZ_SEED));
});
