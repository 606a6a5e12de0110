// The five-field cron expressions of --etcd-snapshot-schedule-cron (minute hour day-of-month month
// day-of-week: `*`, `a-b`, `a,b`, `*/n`, `a-b/n`), in local time like K3s's. Day-of-month and
// day-of-week both restricted means either may match, as in Vixie cron.

export interface CronSchedule {
  next(after: Date): Date;
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

function parseField(text: string, f: (typeof FIELDS)[number]): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`${f.name} "${part}" is not a number, range, list or step`);
    const lo = m[1] === '*' ? f.min : Number(m[2]);
    const hi = m[1] === '*' ? f.max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? f.max : lo;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (lo < f.min || hi > f.max || lo > hi || step < 1) throw new Error(`${f.name} "${part}" is outside ${f.min}-${f.max}`);
    for (let v = lo; v <= hi; v += step) values.add(f.name === 'day of week' && v === 7 ? 0 : v);
  }
  return { values, any: text === '*' };
}

export function parseCron(expr: string): CronSchedule {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`"${expr}" is not a cron expression of five fields (minute hour day-of-month month day-of-week), e.g. "0 */12 * * *"`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!));
  const dayMatches = (d: Date) => {
    const byDom = dom!.values.has(d.getDate());
    const byDow = dow!.values.has(d.getDay());
    if (dom!.any || dow!.any) return (dom!.any || byDom) && (dow!.any || byDow);
    return byDom || byDow;
  };
  const schedule: CronSchedule = {
    next(after: Date): Date {
      const t = new Date(after.getTime());
      t.setSeconds(0, 0);
      t.setMinutes(t.getMinutes() + 1);
      // A minute at a time would be slow; skip whole months, days and hours that cannot match.
      for (let guard = 0; guard < 100_000; guard++) {
        if (!month!.values.has(t.getMonth() + 1)) {
          t.setMonth(t.getMonth() + 1, 1);
          t.setHours(0, 0, 0, 0);
        } else if (!dayMatches(t)) {
          t.setDate(t.getDate() + 1);
          t.setHours(0, 0, 0, 0);
        } else if (!hour!.values.has(t.getHours())) {
          t.setHours(t.getHours() + 1, 0, 0, 0);
        } else if (!minute!.values.has(t.getMinutes())) {
          t.setMinutes(t.getMinutes() + 1, 0, 0);
        } else return t;
      }
      throw new Error(`the cron expression "${expr}" never fires`);
    },
  };
  schedule.next(new Date());
  return schedule;
}
