// kubectl's compact duration: coarser units as durations grow, so a column stays narrow.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const YEAR_DAYS = 365;
// Go's zero time is what a missing timestamp decodes to upstream.
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** Formats a duration in milliseconds (negative = in the future). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  // Clocks drift: up to one whole second ahead still counts as "now".
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;

  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.floor(ms / HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.floor(hours / 24);
  if (hours < 8 * 24) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 2 * YEAR_DAYS * 24) return `${days}d`;

  const years = Math.floor(days / YEAR_DAYS);
  if (hours < 8 * YEAR_DAYS * 24) {
    const d = days % YEAR_DAYS;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Time since an RFC 3339 timestamp; `<unknown>` when absent or unparsable. */
export function ageOf(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t) || t === ZERO_TIME) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

