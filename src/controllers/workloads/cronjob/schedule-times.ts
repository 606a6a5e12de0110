// When a CronJob should have run: the latest scheduled time not yet acted on, how many were
// missed, and when to look next. Pure functions of the CronJob's times, `now` and its schedule, as
// upstream's controller computes them (including its estimate of the missed count, so a controller
// down for a year does not walk every minute of it).
import { nextScheduleTime, type CronSchedule } from '../../../registry/kinds/cron-schedule.js';

export interface ScheduleInputs {
  schedule: CronSchedule;
  zone: string;
  /** status.lastScheduleTime, else metadata.creationTimestamp. */
  lastScheduled: Date;
  startingDeadlineSeconds?: number;
}

export interface MostRecent {
  /** The time counting starts from. */
  earliest: Date;
  /** The most recent scheduled time in (earliest, now], if any. */
  mostRecent?: Date;
  missed: 'none' | 'few' | 'many';
}

/** More missed start times than this means a clock problem or a long outage: warn, start only the latest. */
export const tooManyMissed = 100;

export function mostRecentScheduleTime(i: ScheduleInputs, now: Date, withDeadline: boolean): MostRecent {
  let earliest = i.lastScheduled;
  if (withDeadline && i.startingDeadlineSeconds !== undefined) {
    // Nothing before the deadline window will be started anyway.
    const deadline = new Date(now.getTime() - i.startingDeadlineSeconds * 1000);
    if (deadline > earliest) earliest = deadline;
  }
  const next = (t: Date) => nextScheduleTime(i.schedule, t, i.zone);
  const t1 = next(earliest);
  if (!t1 || now < t1) return { earliest, missed: 'none' };
  const t2 = next(t1);
  if (!t2 || now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const interval = Math.round((t2.getTime() - t1.getTime()) / 1000);
  const missedCount = Math.floor((now.getTime() - t1.getTime()) / 1000 / interval) + 1;
  // Start a little before the estimate and walk forward: irregular schedules (30 6-16/4 * * 1-5)
  // do not keep one interval.
  let t: Date | undefined = next(new Date(t1.getTime() + (missedCount - 2) * interval * 1000));
  let mostRecent: Date | undefined;
  while (t && t <= now) {
    mostRecent = t;
    t = next(t);
  }
  return { earliest, mostRecent, missed: missedCount > tooManyMissed ? 'many' : 'few' };
}

/** How long until the next scheduled time after the one acted on (plus a little, so it is due). */
export function untilNextSchedule(i: ScheduleInputs, now: Date): number | undefined {
  const r = mostRecentScheduleTime(i, now, false);
  const from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : now);
  const next = nextScheduleTime(i.schedule, from, i.zone);
  return next ? Math.max(0, next.getTime() - now.getTime()) + 100 : undefined;
}

/** RFC 3339 with the zone's offset, as upstream writes the scheduled-timestamp annotation. */
export function rfc3339InZone(t: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(t);
  const p: Record<string, string> = {};
  for (const part of parts) p[part.type] = part.value;
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  const offsetMin = Math.round((wall - Math.floor(t.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = offsetMin === 0 ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}
