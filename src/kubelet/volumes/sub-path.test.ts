import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveSubPath } from './sub-path.js';
import { scratchDir } from './test-support.js';

let scratch: { dir: string; remove(): Promise<void> };
let vol: string;
let outside: string;

before(async () => {
  scratch = await scratchDir();
  vol = join(scratch.dir, 'vol');
  outside = join(scratch.dir, 'outside');
  await mkdir(join(vol, 'data/logs'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(vol, 'data/app.conf'), 'x');
  await symlink('data', join(vol, 'current')); // inside: fine
  await symlink(outside, join(vol, 'escape')); // what a container could plant
  await symlink('../outside', join(vol, 'up'));
  await symlink('/nowhere/at/all', join(vol, 'dangling'));
});

after(() => scratch.remove());

test('a subPath inside the volume resolves to its real path; symlinks that stay inside are followed', async () => {
  assert.equal(await resolveSubPath(vol, 'data/app.conf', { create: false }), join(vol, 'data/app.conf'));
  assert.equal(await resolveSubPath(vol, 'current/logs', { create: false }), join(vol, 'data/logs'));
  assert.equal(await resolveSubPath(vol, './data//logs/', { create: false }), join(vol, 'data/logs'));
});

test('a missing subPath is made as a directory with the volume mode only where asked', async () => {
  await assert.rejects(resolveSubPath(vol, 'new/dir', { create: false }), /does not exist in the volume/);
  const made = await resolveSubPath(vol, 'new/dir', { create: true });
  assert.equal(made, join(vol, 'new/dir'));
  assert.equal((await stat(made)).mode & 0o777, (await stat(vol)).mode & 0o777);
});

test('escapes are refused: .., absolute paths, symlinks out of the volume, and making things through them', async () => {
  await assert.rejects(resolveSubPath(vol, '../outside', { create: true }), /must not contain '\.\.'/);
  await assert.rejects(resolveSubPath(vol, 'data/../../outside', { create: true }), /must not contain '\.\.'/);
  await assert.rejects(resolveSubPath(vol, '/etc', { create: true }), /must be a relative path/);
  await assert.rejects(resolveSubPath(vol, 'escape', { create: false }), /resolves outside the volume/);
  await assert.rejects(resolveSubPath(vol, 'up', { create: false }), /resolves outside the volume/);
  await assert.rejects(resolveSubPath(vol, 'escape/planted', { create: true }), /resolves outside the volume/);
  await assert.rejects(stat(join(outside, 'planted')), { code: 'ENOENT' }, 'nothing was made outside');
  await assert.rejects(resolveSubPath(vol, 'dangling/x', { create: true }), /symbolic link to nothing/);
  await assert.rejects(resolveSubPath(vol, 'data/app.conf/x', { create: true }), /is not a directory/);
});
