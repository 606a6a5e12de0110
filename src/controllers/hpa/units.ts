// Quantities as integer milli-units (what upstream's MilliValue gives) and back, and Go durations.
import { parseQuantity } from '../../registry/validation/quantity.js';

/** The quantity in thousandths, rounded up as upstream's MilliValue; undefined when not a quantity. */
export function milliValue(q: unknown): number | undefined {
  const v = parseQuantity(q);
  if (v === undefined) return undefined;
  // The epsilon keeps float noise ("0.1" * 1000 = 100.00000000000001) from rounding up.
  return Math.ceil(v * 1000 - 1e-6);
}

const SUFFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** A milli-value as upstream writes a DecimalSI quantity: "250m", "2", "64M". */
export function formatMilli(milli: number): string {
  const m = Math.round(milli);
  if (m % 1000 !== 0) return `${m}m`;
  let n = m / 1000;
  let i = 0;
  while (n !== 0 && n % 1000 === 0 && i < SUFFIXES.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n}${SUFFIXES[i]}`;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("30s", "1m30s", "10.5s") in milliseconds; 0 when it cannot be read. */
export function parseGoDurationMs(text: string): number {
  let total = 0;
  let rest = text.trim();
  if (rest === '' || rest === '0') return 0;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return 0;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}
