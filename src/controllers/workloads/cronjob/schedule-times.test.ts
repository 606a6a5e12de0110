import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSchedule } from '../../../registry/kinds/cron-schedule.js';
import { mostRecentScheduleTime, rfc3339InZone, untilNextSchedule } from './schedule-times.js';

const inputs = (schedule: string, last: string, startingDeadlineSeconds?: number, zone = 'UTC') => ({ schedule: parseSchedule(schedule), zone, lastScheduled: new Date(last), startingDeadlineSeconds });
const at = (s: string) => new Date(s);

describe('CronJob schedule times', () => {
  it('nothing due before the first scheduled time; the one due after it', () => {
    assert.equal(mostRecentScheduleTime(inputs('0 3 * * *', '2026-12-07T01:00:00Z'), at('2026-12-07T02:59:00Z'), true).mostRecent, undefined);
    const r = mostRecentScheduleTime(inputs('0 3 * * *', '2026-12-07T01:00:00Z'), at('2026-12-07T03:00:30Z'), true);
    assert.equal(r.mostRecent?.toISOString(), '2026-12-07T03:00:00.000Z');
    assert.equal(r.missed, 'none');
  });

  it('after several missed times only the latest is due', () => {
    const r = mostRecentScheduleTime(inputs('*/10 * * * *', '2026-12-07T01:00:00Z'), at('2026-12-07T01:55:00Z'), true);
    assert.equal(r.mostRecent?.toISOString(), '2026-12-07T01:50:00.000Z');
    assert.equal(r.missed, 'few');
  });

  it('more than 100 missed is "many" (a warning), still giving the latest', () => {
    const r = mostRecentScheduleTime(inputs('* * * * *', '2026-12-01T00:00:00Z'), at('2026-12-07T06:30:10Z'), true);
    assert.equal(r.missed, 'many');
    assert.equal(r.mostRecent?.toISOString(), '2026-12-07T06:30:00.000Z');
  });

  it('startingDeadlineSeconds: counting starts at the deadline window', () => {
    const r = mostRecentScheduleTime(inputs('* * * * *', '2026-12-01T00:00:00Z', 300), at('2026-12-07T06:30:10Z'), true);
    assert.equal(r.missed, 'few');
    assert.equal(r.mostRecent?.toISOString(), '2026-12-07T06:30:00.000Z');
  });

  it('wakes just after the next scheduled time', () => {
    assert.equal(untilNextSchedule(inputs('0 3 * * *', '2026-12-07T01:00:00Z'), at('2026-12-07T02:00:00Z')), 3_600_100);
    assert.equal(untilNextSchedule(inputs('0 3 * * *', '2026-12-07T03:00:00Z'), at('2026-12-07T03:00:05Z')), 86_395_100);
  });

  it('writes the scheduled timestamp with the zone offset', () => {
    assert.equal(rfc3339InZone(at('2026-12-07T02:00:00Z'), 'Europe/Berlin'), '2026-12-07T03:00:00+01:00');
    assert.equal(rfc3339InZone(at('2026-12-07T02:00:00Z'), 'UTC'), '2026-12-07T02:00:00Z');
    assert.equal(rfc3339InZone(at('2026-12-07T02:00:00Z'), 'America/New_York'), '2026-12-06T21:00:00-05:00');
  });
});
