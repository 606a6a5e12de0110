import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCron } from './cron.js';

const at = (s: string) => new Date(s);
const local = (d: Date) => `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()} ${d.getHours()}:${String(d.getMinutes()).padStart(2, '0')}`;

describe('parseCron', () => {
  it('K3s\'s default, every 12 hours on the hour', () => {
    const c = parseCron('0 */12 * * *');
    assert.equal(local(c.next(at('2026-12-07T10:15:00'))), '2026-12-7 12:00');
    assert.equal(local(c.next(at('2026-12-07T12:00:00'))), '2026-12-8 0:00');
  });
  it('steps, ranges, lists and days of the week (7 is Sunday too)', () => {
    assert.equal(local(parseCron('*/15 * * * *').next(at('2026-12-07T10:16:30'))), '2026-12-7 10:30');
    assert.equal(local(parseCron('5 1-3 * * *').next(at('2026-12-07T03:06:00'))), '2026-12-8 1:05');
    assert.equal(local(parseCron('0 0 * * 7').next(at('2026-12-07T10:00:00'))), '2026-12-13 0:00');
    assert.equal(local(parseCron('0 0 1,15 * *').next(at('2026-12-07T10:00:00'))), '2026-12-15 0:00');
    assert.equal(local(parseCron('30 6 * 2 *').next(at('2026-12-07T10:00:00'))), '2027-2-1 6:30');
  });
  it('refuses what is not cron, saying what', () => {
    assert.throws(() => parseCron('0 */12 * *'), /five fields/);
    assert.throws(() => parseCron('61 * * * *'), /minute "61" is outside 0-59/);
    assert.throws(() => parseCron('0 0 30 2 *'), /never fires/);
    assert.throws(() => parseCron('x * * * *'), /minute "x" is not a number/);
  });
});
