import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backupName, openLineLog } from './log-file.js';

describe('audit log file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-audit-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names backups as lumberjack does', () => {
    assert.equal(backupName('/var/log/audit.log', new Date('2026-12-07T06:10:00.000Z')), '/var/log/audit-2026-12-07T06-10-00.000.log');
  });

  it('rotates by size, keeps maxbackup backups, writes every line exactly once, mode 0600', async () => {
    const path = join(dir, 'rot', 'audit.log');
    let t = Date.parse('2026-12-07T06:10:00.000Z');
    const log = await openLineLog({ path, maxSizeBytes: 1000, maxBackups: 2, maxAgeDays: 0, now: () => new Date((t += 1000)) });
    const lines = Array.from({ length: 100 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(80)}"}`);
    for (const l of lines) log.write(l);
    await log.close();
    const files = readdirSync(join(dir, 'rot')).sort();
    assert.equal(files.length, 3, files.join(' '));
    assert.ok(files.includes('audit.log'));
    for (const f of files.filter((f) => f !== 'audit.log')) assert.match(f, /^audit-2026-12-07T06-\d\d-\d\d\.000\.log$/);
    for (const f of files) {
      const size = statSync(join(dir, 'rot', f)).size;
      assert.ok(size <= 1000, `${f} is ${size} bytes`);
      assert.equal(statSync(join(dir, 'rot', f)).mode & 0o777, 0o600);
    }
    // The newest lines are kept, in order, none split.
    const kept = files.filter((f) => f !== 'audit.log').concat('audit.log').flatMap((f) => readFileSync(join(dir, 'rot', f), 'utf8').split('\n').filter(Boolean));
    assert.deepEqual(kept, lines.slice(lines.length - kept.length));
  });

  it('removes backups older than maxage days', async () => {
    const path = join(dir, 'age', 'audit.log');
    const now = Date.parse('2026-12-07T06:10:00.000Z');
    const log = await openLineLog({ path, maxSizeBytes: 50, maxBackups: 0, maxAgeDays: 3, now: () => new Date(now) });
    writeFileSync(backupName(path, new Date(now - 5 * 86_400_000)), 'old\n');
    writeFileSync(backupName(path, new Date(now - 1 * 86_400_000)), 'recent\n');
    writeFileSync(join(dir, 'age', 'unrelated-2020-01-01T00-00-00.000.log'), 'not ours\n');
    log.write('x'.repeat(40));
    log.write('y'.repeat(40));
    await log.close();
    const files = readdirSync(join(dir, 'age')).sort();
    assert.deepEqual(files, ['audit-2026-12-06T06-10-00.000.log', 'audit-2026-12-07T06-10-00.000.log', 'audit.log', 'unrelated-2020-01-01T00-00-00.000.log']);
  });

  it('never blocks the caller: a full queue drops lines and counts them', async () => {
    const path = join(dir, 'full', 'audit.log');
    const log = await openLineLog({ path, maxSizeBytes: 0, maxBackups: 0, maxAgeDays: 0, maxQueuedBytes: 100 });
    for (let i = 0; i < 10; i++) log.write('z'.repeat(30));
    assert.equal(log.dropped, 7);
    await log.close();
    assert.equal(readFileSync(path, 'utf8').split('\n').filter(Boolean).length, 3);
  });
});
