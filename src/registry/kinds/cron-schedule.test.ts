import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CronSyntaxError, isKnownTimeZone, nextScheduleTime, parseSchedule } from './cron-schedule.js';

const next = (schedule: string, after: string, zone?: string) => nextScheduleTime(parseSchedule(schedule), new Date(after), zone)?.toISOString();
const refused = (schedule: string, message: string) => assert.throws(() => parseSchedule(schedule), (e: unknown) => e instanceof CronSyntaxError && e.message === message);

describe('cron schedule syntax', () => {
  it('refuses what upstream refuses, with its reasons', () => {
    refused('', 'empty spec string');
    refused('foo', 'expected exactly 5 fields, found 1: [foo]');
    refused('* * * *', 'expected exactly 5 fields, found 4: [* * * *]');
    refused('61 * * * *', 'end of range (61) above maximum (59): 61');
    refused('* * 0 * *', 'beginning of range (0) below minimum (1): 0');
    refused('5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2');
    refused('*/0 * * * *', 'step of range should be a positive number: */0');
    refused('x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    refused('@sometimes', 'unrecognized descriptor: @sometimes');
  });

  it('reads macros, names, ranges, steps and lists', () => {
    assert.equal(next('@hourly', '2026-12-07T06:10:00Z'), '2026-12-07T07:00:00.000Z');
    assert.equal(next('@daily', '2026-12-07T06:10:00Z'), '2026-12-08T00:00:00.000Z');
    assert.equal(next('@weekly', '2026-12-07T06:10:00Z'), '2026-12-13T00:00:00.000Z');
    assert.equal(next('@monthly', '2026-12-07T06:10:00Z'), '2027-01-01T00:00:00.000Z');
    assert.equal(next('@yearly', '2026-12-07T06:10:00Z'), '2027-01-01T00:00:00.000Z');
    assert.equal(next('0 3 * * *', '2026-12-07T06:00:00Z'), '2026-12-08T03:00:00.000Z');
    assert.equal(next('0 9 * feb MON', '2026-12-07T06:00:00Z'), '2027-02-01T09:00:00.000Z');
    assert.equal(next('10-20/5,45 * * * *', '2026-12-07T06:16:00Z'), '2026-12-07T06:20:00.000Z');
    assert.equal(next('10-20/5,45 * * * *', '2026-12-07T06:20:00Z'), '2026-12-07T06:45:00.000Z');
    assert.equal(next('50/5 * * * *', '2026-12-07T06:56:00Z'), '2026-12-07T07:50:00.000Z');
  });

  it('a restricted day of month and day of week match either; a star makes both needed', () => {
    // The 13th or any Friday: Friday 11 December comes first.
    assert.equal(next('0 0 13 * 5', '2026-12-07T06:00:00Z'), '2026-12-11T00:00:00.000Z');
    assert.equal(next('0 0 13 * *', '2026-12-07T06:00:00Z'), '2026-12-13T00:00:00.000Z');
    assert.equal(next('0 0 ? * 5', '2026-12-07T06:00:00Z'), '2026-12-11T00:00:00.000Z');
  });

  it('a date that never comes gives no time', () => {
    assert.equal(next('0 0 30 2 *', '2026-12-07T06:00:00Z'), undefined);
  });
});

describe('cron schedules in a time zone', () => {
  it('knows IANA zones and refuses others', () => {
    assert.equal(isKnownTimeZone('Europe/Berlin'), true);
    assert.equal(isKnownTimeZone('Mars/Olympus_Mons'), false);
  });

  it('matches the zone clock', () => {
    assert.equal(next('0 3 * * *', '2026-12-07T00:00:00Z', 'Europe/Berlin'), '2026-12-07T02:00:00.000Z');
    assert.equal(next('0 3 * * *', '2026-07-07T00:00:00Z', 'Europe/Berlin'), '2026-07-07T01:00:00.000Z');
    assert.equal(next('30 9 * * *', '2026-12-07T00:00:00Z', 'Asia/Kolkata'), '2026-12-07T04:00:00.000Z');
  });

  it('spring forward: a wall time in the gap does not happen that day', () => {
    // New York skips 02:00-03:00 on 8 March 2026.
    assert.equal(next('30 2 * * *', '2026-03-07T12:00:00Z', 'America/New_York'), '2026-03-09T06:30:00.000Z');
    assert.equal(next('0 3 * * *', '2026-03-07T12:00:00Z', 'America/New_York'), '2026-03-08T07:00:00.000Z');
    assert.equal(next('*/15 * * * *', '2026-03-08T06:50:00Z', 'America/New_York'), '2026-03-08T07:00:00.000Z');
  });

  it('fall back: a repeated wall time fires once; every-hour schedules keep real time', () => {
    // New York repeats 01:00-02:00 on 1 November 2026 (EDT 05:00-06:00Z, then EST 06:00-07:00Z).
    const first = next('30 1 * * *', '2026-10-31T12:00:00Z', 'America/New_York');
    assert.equal(first, '2026-11-01T05:30:00.000Z');
    assert.equal(next('30 1 * * *', first!, 'America/New_York'), '2026-11-02T06:30:00.000Z');
    const runs: string[] = [];
    for (let t = '2026-11-01T04:50:00Z'; ;) {
      t = next('*/15 * * * *', t, 'America/New_York')!;
      if (t >= '2026-11-01T08:00:00.000Z') break;
      runs.push(t.slice(11, 16));
    }
    assert.deepEqual(runs, ['05:00', '05:15', '05:30', '05:45', '06:00', '06:15', '06:30', '06:45', '07:00', '07:15', '07:30', '07:45']);
  });
});
