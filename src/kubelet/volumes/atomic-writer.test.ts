import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomically, type Payload } from './atomic-writer.js';

const payload = (entries: Record<string, string | [string, number]>): Payload =>
  new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? { data: Buffer.from(v), mode: 0o644 } : { data: Buffer.from(v[0]), mode: v[1] }]));

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'k3ts-aw-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('layout: a version directory, ..data pointing at it, and one relative link per top-level name', () =>
  withDir(async (dir) => {
    assert.equal(await writeAtomically(dir, payload({ 'app.conf': 'a=1', 'certs/ca.crt': ['CA', 0o400] })), true);
    const version = await readlink(join(dir, '..data'));
    assert.match(version, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.[A-Za-z0-9]+$/);
    assert.equal(await readlink(join(dir, 'app.conf')), '..data/app.conf');
    assert.equal(await readlink(join(dir, 'certs')), '..data/certs');
    assert.equal(await readFile(join(dir, 'app.conf'), 'utf8'), 'a=1');
    assert.equal(await readFile(join(dir, 'certs/ca.crt'), 'utf8'), 'CA');
    assert.equal((await stat(join(dir, 'certs/ca.crt'))).mode & 0o777, 0o400, 'the mode asked for, not cut by the umask');
    assert.equal((await stat(join(dir, 'app.conf'))).mode & 0o777, 0o644);
    assert.deepEqual((await readdir(dir)).sort(), [version, '..data', 'app.conf', 'certs'].sort());
  }));

test('the same content again writes nothing; a change swaps versions and drops what went away', () =>
  withDir(async (dir) => {
    await writeAtomically(dir, payload({ a: '1', b: '2' }));
    const first = await readlink(join(dir, '..data'));
    assert.equal(await writeAtomically(dir, payload({ a: '1', b: '2' })), false);
    assert.equal(await readlink(join(dir, '..data')), first);
    assert.equal(await writeAtomically(dir, payload({ a: '1', b: ['2', 0o600] })), true, 'a mode change is a change');
    assert.equal(await writeAtomically(dir, payload({ a: 'one', c: '3' })), true);
    const now = await readlink(join(dir, '..data'));
    assert.notEqual(now, first);
    assert.deepEqual((await readdir(dir)).sort(), [now, '..data', 'a', 'c'].sort(), 'old version and the link of b are gone');
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'one');
  }));

test('an empty payload leaves an empty ..data (an optional source that does not exist)', () =>
  withDir(async (dir) => {
    await writeAtomically(dir, payload({ a: '1' }));
    await writeAtomically(dir, new Map());
    assert.deepEqual(await readdir(join(dir, '..data')), []);
    await assert.rejects(lstat(join(dir, 'a')), { code: 'ENOENT' });
  }));

test('paths that would leave the directory or clash with the layout are refused before anything is written', () =>
  withDir(async (dir) => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', '..data', '..x/y', 'a//b', './a']) {
      await assert.rejects(writeAtomically(join(dir, 'v'), payload({ [bad]: 'x' })), /invalid path/, bad);
    }
    await assert.rejects(writeAtomically(join(dir, 'v'), payload({ a: '1', 'a/b': '2' })), /"a" is a file/);
    await assert.rejects(lstat(join(dir, 'v')), { code: 'ENOENT' });
  }));

test('readers see the old content or the new one while versions swap, never a missing file', () =>
  withDir(async (dir) => {
    await writeAtomically(dir, payload({ key: 'v0', other: 'v0' }));
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      let reads = 0;
      while (writing || reads < 100) {
        const [a, b] = await Promise.all([readFile(join(dir, 'key'), 'utf8'), readFile(join(dir, 'other'), 'utf8')]);
        assert.match(a, /^v\d+$/);
        assert.match(b, /^v\d+$/);
        seen.add(a);
        reads++;
      }
    })();
    for (let i = 1; i <= 200; i++) await writeAtomically(dir, payload({ key: `v${i}`, other: `v${i}` }));
    writing = false;
    await reader;
    assert.ok(seen.size > 1, 'the reader saw updates');
    assert.equal((await readdir(dir)).filter((n) => n.startsWith('..') && n !== '..data').length, 1, 'one version left');
  }));
