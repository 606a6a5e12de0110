import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMeminfo, parseProcStat, readHostUsage } from './host-usage.js';

test('/proc/stat: non-idle time of every CPU, in core-nanoseconds', () => {
  const stat = 'cpu  100 5 20 9000 50 3 2 1 7 0\ncpu0 50 0 10 4500 25 1 1 0 0 0\nintr 1 2 3\n';
  // user+nice+system+irq+softirq+steal = 131 ticks of 10 ms; idle, iowait and guest are not added.
  assert.equal(parseProcStat(stat), 131 * 1e7);
  assert.throws(() => parseProcStat('intr 1'), /no "cpu" line/);
});

test('/proc/meminfo: the working set is what is used minus inactive file cache', () => {
  const m = parseMeminfo('MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    700 kB\nBuffers: 1 kB\nInactive(file):  300 kB\n');
  assert.deepEqual(m, { usageBytes: 800 * 1024, workingSetBytes: 500 * 1024, availableBytes: 700 * 1024 });
});

test('this machine\'s counters read and move forward', async () => {
  const a = await readHostUsage();
  await new Promise((r) => setTimeout(r, 30));
  const b = await readHostUsage();
  assert.ok(a.memoryWorkingSetBytes > 0 && b.cpuUsageCoreNanoSeconds >= a.cpuUsageCoreNanoSeconds && b.timeMs > a.timeMs);
});
