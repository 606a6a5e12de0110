import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NODE_FLAGS } from './node-flags.js';

test('bin/k3ts starts Node with the same flags as the processes k3ts up starts', () => {
  const shebang = readFileSync(new URL('../../../bin/k3ts', import.meta.url), 'utf8').split('\n')[0]!;
  assert.equal(shebang, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
});
