// CronJob schedules: the standard five fields (minute hour day-of-month month day-of-week), names
// for months and weekdays, `*`, `?`, ranges, steps and lists, and the @yearly … @hourly macros,
// read as upstream's cron library reads them (its error texts too, since validation shows them).
// Times are matched on the wall clock of an IANA time zone (Node's Intl has the tz database):
// a wall time that a spring-forward gap skips does not happen that day, and one that a fall-back
// repeats happens once, at its first occurrence.

export interface CronSchedule {
  readonly minutes: bigint;
  readonly hours: bigint;
  readonly daysOfMonth: bigint;
  readonly months: bigint;
  readonly daysOfWeek: bigint;
  /** Day-of-month or day-of-week given as `*`/`?`: then both must match, otherwise either. */
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

interface Bounds {
  min: number;
  max: number;
  names?: readonly string[];
}

const minuteBounds: Bounds = { min: 0, max: 59 };
const hourBounds: Bounds = { min: 0, max: 23 };
const domBounds: Bounds = { min: 1, max: 31 };
const monthBounds: Bounds = { min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] };
const dowBounds: Bounds = { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };

const macros: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export class CronSyntaxError extends Error {}

const bit = (n: number) => 1n << BigInt(n);

function parseNumber(text: string, bounds: Bounds): number {
  const named = bounds.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + bounds.min;
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`failed to parse int from ${text}: strconv.Atoi: parsing "${text}": invalid syntax`);
  return Number(text);
}

/** One comma-separated part: `*`, `?`, `n`, `a-b`, each optionally `/step`. */
function parseRange(expr: string, bounds: Bounds): { bits: bigint; star: boolean } {
  const [range = '', stepText, extra] = expr.split('/');
  if (extra !== undefined) throw new CronSyntaxError(`too many slashes: ${expr}`);
  const [lowText = '', highText, more] = range.split('-');
  if (more !== undefined) throw new CronSyntaxError(`too many hyphens: ${expr}`);
  let start: number;
  let end: number;
  let star = false;
  if (lowText === '*' || lowText === '?') {
    if (highText !== undefined) throw new CronSyntaxError(`too many hyphens: ${expr}`);
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    start = parseNumber(lowText, bounds);
    end = highText === undefined ? start : parseNumber(highText, bounds);
  }
  let step = 1;
  if (stepText !== undefined) {
    step = parseNumber(stepText, { min: 0, max: 0 });
    // `n/step` means from n to the end of the field.
    if (highText === undefined && !star) end = bounds.max;
    if (step > 1) star = false;
  }
  if (start < bounds.min) throw new CronSyntaxError(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new CronSyntaxError(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${expr}`);
  let bits = 0n;
  for (let i = start; i <= end; i += step) bits |= bit(i);
  return { bits, star };
}

function parseField(text: string, bounds: Bounds): { bits: bigint; star: boolean } {
  let bits = 0n;
  let star = false;
  for (const part of text.split(',')) {
    const r = parseRange(part, bounds);
    bits |= r.bits;
    star ||= r.star;
  }
  return { bits, star };
}

/** Parses a schedule; throws CronSyntaxError with the reason. `TZ=`/`CRON_TZ=` prefixes are the
 *  caller's to refuse (CronJobs name their zone in spec.timeZone). */
export function parseSchedule(text: string): CronSchedule {
  const spec = text.trim();
  if (spec === '') throw new CronSyntaxError('empty spec string');
  let fields: string[];
  if (spec.startsWith('@')) {
    const expanded = macros[spec.toLowerCase()];
    if (!expanded) throw new CronSyntaxError(`unrecognized descriptor: ${spec}`);
    fields = expanded.split(' ');
  } else {
    fields = spec.split(/\s+/);
    if (fields.length !== 5) throw new CronSyntaxError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const dom = parseField(fields[2]!, domBounds);
  const dow = parseField(fields[4]!, dowBounds);
  return {
    minutes: parseField(fields[0]!, minuteBounds).bits,
    hours: parseField(fields[1]!, hourBounds).bits,
    daysOfMonth: dom.bits,
    months: parseField(fields[3]!, monthBounds).bits,
    daysOfWeek: dow.bits,
    domStar: dom.star,
    dowStar: dow.star,
  };
}

/** Whether Node knows the IANA zone. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `zone` at instant `ms`, as milliseconds of a naive (UTC-read) date. */
function wallClock(ms: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + (ms % 1000 + 1000) % 1000;
}

/** The instants at which `zone`'s clock shows the naive wall time `wall`: none in a gap, two in an overlap. */
function instantsOf(wall: number, zone: string): number[] {
  const out = new Set<number>();
  // The zone's offset on either side of any transition near this time covers both readings.
  for (const probe of [wall - 86_400_000, wall, wall + 86_400_000]) {
    const offset = wallClock(probe, zone) - probe;
    const t = wall - offset;
    if (wallClock(t, zone) === wall) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = (s.daysOfMonth & bit(d.getUTCDate())) !== 0n;
  const dow = (s.daysOfWeek & bit(d.getUTCDay())) !== 0n;
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

/** Five years without a match means the schedule never fires (e.g. 30 February). */
const searchYears = 5;
const allHours = (1n << 24n) - 1n;

/**
 * The first scheduled instant strictly after `after` (in `zone`, UTC when absent), or undefined
 * when none comes within five years. Fields are skipped whole (a month, a day, an hour at a time),
 * so the search is short however sparse the schedule.
 *
 * Around clock changes: a wall time a spring-forward gap skips does not fire that day; a wall time
 * a fall-back repeats fires once, at its first occurrence, so a nightly job never runs twice. A
 * schedule that runs every hour keeps running through the repeated hour, on real time.
 */
export function nextScheduleTime(s: CronSchedule, after: Date, zone = 'UTC'): Date | undefined {
  const afterMs = after.getTime();
  if (zone !== 'UTC' && s.hours === allHours) return nextOnRealTime(s, afterMs, zone);
  // Search wall times from the minute after `after` on the zone's clock.
  let wall = Math.floor(wallClock(afterMs, zone) / 60_000) * 60_000 + 60_000;
  const limit = wall + searchYears * 366 * 86_400_000;
  while (wall <= limit) {
    const d = new Date(wall);
    const skip = skipTo(s, d);
    if (skip !== undefined) {
      wall = skip;
      continue;
    }
    if ((s.minutes & bit(d.getUTCMinutes())) === 0n) {
      wall += 60_000;
      continue;
    }
    const instant = zone === 'UTC' ? wall : instantsOf(wall, zone).find((t) => t > afterMs);
    if (instant !== undefined) return new Date(instant);
    wall += 60_000;
  }
  return undefined;
}

/** The next wall time worth looking at when month, day or hour of `d` do not match. */
function skipTo(s: CronSchedule, d: Date): number | undefined {
  if ((s.months & bit(d.getUTCMonth() + 1)) === 0n) return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  if (!dayMatches(s, d)) return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  if ((s.hours & bit(d.getUTCHours())) === 0n) return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
  return undefined;
}

/** Every-hour schedules: step real minutes, reading each one on the zone's clock. */
function nextOnRealTime(s: CronSchedule, afterMs: number, zone: string): Date | undefined {
  let t = Math.floor(afterMs / 60_000) * 60_000 + 60_000;
  const limit = t + searchYears * 366 * 86_400_000;
  while (t <= limit) {
    const wall = wallClock(t, zone);
    const skip = skipTo(s, new Date(wall));
    if (skip !== undefined) {
      // The first real minute at or after that wall time (a gap moves it later).
      t = Math.max(t + 60_000, (instantsOf(skip, zone)[0] ?? skip - (wall - t)));
      continue;
    }
    if ((s.minutes & bit(new Date(wall).getUTCMinutes())) !== 0n) return new Date(t);
    t += 60_000;
  }
  return undefined;
}
