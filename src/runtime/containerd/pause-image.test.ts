import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pauseExecutable, pauseImageArchive } from './pause-image.js';

test('the pause executable waits until killed, without spinning', { skip: process.arch !== 'x64' ? 'the test runs the x86-64 build only' : false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-pause-'));
  try {
    const file = join(dir, 'pause');
    writeFileSync(file, pauseExecutable('x64'));
    chmodSync(file, 0o755);
    const child = spawn(file, [], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    assert.equal(fields[0], 'S', 'asleep in pause(2)');
    assert.ok(Number(fields[11]) + Number(fields[12]) <= 2, 'used no CPU');
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_c, s) => r(s)));
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the pause image archive holds an OCI index naming the image, and the executable in its layer', () => {
  const tar = pauseImageArchive('x64');
  const text = tar.toString('latin1');
  assert.match(text, /"io\.containerd\.image\.name":"k3ts\.local\/pause:1"/);
  assert.ok(pauseExecutable('arm64').subarray(18, 20).readUInt16LE(0) === 183, 'an arm64 build exists');
  // The gzipped layer is a tar whose only file is /pause.
  const gz = tar.indexOf(Buffer.from([0x1f, 0x8b, 0x08]));
  const layer = gunzipSync(tar.subarray(gz));
  assert.equal(layer.subarray(0, 5).toString(), 'pause');
});
