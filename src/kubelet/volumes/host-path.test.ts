import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { prepareHostPath } from './host-path.js';
import { scratchDir } from './test-support.js';

let scratch: { dir: string; remove(): Promise<void> };
let server: Server;
let socket: string;

before(async () => {
  scratch = await scratchDir();
  await mkdir(join(scratch.dir, 'd'));
  await writeFile(join(scratch.dir, 'f'), 'x');
  socket = join(scratch.dir, 's.sock');
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await scratch.remove();
});

test('no type: nothing is checked or made', async () => {
  await prepareHostPath(join(scratch.dir, 'absent'), '');
  await prepareHostPath(join(scratch.dir, 'absent'), undefined);
  await assert.rejects(stat(join(scratch.dir, 'absent')), { code: 'ENOENT' });
});

test('DirectoryOrCreate makes the directory (and its parents) 0755; FileOrCreate an empty 0644 file', async () => {
  const dir = join(scratch.dir, 'made/deep');
  await prepareHostPath(dir, 'DirectoryOrCreate');
  assert.ok((await stat(dir)).isDirectory());
  assert.equal((await stat(dir)).mode & 0o777, 0o755);
  await prepareHostPath(dir, 'DirectoryOrCreate'); // again: it is there now

  const file = join(scratch.dir, 'made/new.txt');
  await prepareHostPath(file, 'FileOrCreate');
  const st = await stat(file);
  assert.ok(st.isFile());
  assert.equal(st.size, 0);
  assert.equal(st.mode & 0o777, 0o644);
  await assert.rejects(prepareHostPath(join(scratch.dir, 'nodir/new.txt'), 'FileOrCreate'), /parent directory does not exist/);
});

test('each type checks what is there, with the texts upstream shows', async () => {
  const d = join(scratch.dir, 'd');
  const f = join(scratch.dir, 'f');
  await prepareHostPath(d, 'Directory');
  await prepareHostPath(f, 'File');
  await prepareHostPath(socket, 'Socket');
  await prepareHostPath('/dev/null', 'CharDevice');
  const cases: Array<[string, string, string]> = [
    [join(scratch.dir, 'missing'), 'Directory', 'is not a directory'],
    [f, 'Directory', 'is not a directory'],
    [f, 'DirectoryOrCreate', 'is not a directory'],
    [d, 'File', 'is not a file'],
    [d, 'FileOrCreate', 'is not a file'],
    [join(scratch.dir, 'missing'), 'File', 'is not a file'],
    [f, 'Socket', 'is not a socket file'],
    [f, 'CharDevice', 'is not a character device'],
    ['/dev/null', 'BlockDevice', 'is not a block device'],
  ];
  for (const [path, type, what] of cases) {
    await assert.rejects(prepareHostPath(path, type), { message: `hostPath type check failed: ${path} ${what}` }, `${type} on ${path}`);
  }
  await assert.rejects(prepareHostPath(d, 'Folder'), /"Folder" is not a valid hostPath type/);
  await assert.rejects(prepareHostPath('relative/x', 'Directory'), /must be an absolute path/);
});
