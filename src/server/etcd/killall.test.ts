import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from '../../agent/process-identity.js';
import { stopLeftoverEtcd } from './killall.js';

describe('stopLeftoverEtcd', () => {
  it('stops the recorded process by PID and start time, and only while both match', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-etcd-killall-'));
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      mkdirSync(join(dir, 'server', 'db'), { recursive: true });
      const pidFile = join(dir, 'server', 'db', 'etcd.pid');
      // A reused PID (another start time) is left alone.
      writeFileSync(pidFile, JSON.stringify({ pid: child.pid, startTime: '1' }));
      assert.equal(await stopLeftoverEtcd(dir), undefined);
      assert.equal(child.exitCode, null);
      writeFileSync(pidFile, JSON.stringify({ pid: child.pid, startTime: processStartTime(child.pid!) }));
      assert.equal(await stopLeftoverEtcd(dir), child.pid);
      await exited;
      assert.equal(existsSync(pidFile), false);
      assert.equal(await stopLeftoverEtcd(dir), undefined, 'nothing recorded: nothing to stop');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
