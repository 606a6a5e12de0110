// Exact quantity arithmetic for quota and limit ranges: values are kept as whole milli-units in a
// bigint, so summing many "100m" or "1Gi" never drifts the way floating point does, and a usage
// printed back reads as the user wrote it ("500m", "256Mi", "3").

/** A quantity as milli-units (rounded up, as upstream's MilliValue) and the suffix family it came in. */
export interface Amount {
  milli: bigint;
  binary: boolean;
}

const BINARY_EXP: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const FORM = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

const pow10 = (n: number) => 10n ** BigInt(n);
const ceilDiv = (a: bigint, b: bigint) => (a >= 0n ? (a + b - 1n) / b : a / b);

/** The amount, or undefined when the text is not a Kubernetes quantity. Numbers pass as they are. */
export function parseAmount(input: unknown): Amount | undefined {
  const text = typeof input === 'number' && Number.isFinite(input) ? String(input) : input;
  if (typeof text !== 'string') return undefined;
  const m = FORM.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', frac = '', suffix = ''] = m;
  if (whole === '' && frac === '') return undefined;
  const digits = BigInt(`${whole}${frac}` || '0') * (sign === '-' ? -1n : 1n);
  if (suffix in BINARY_EXP) {
    const num = digits * 1024n ** BigInt(BINARY_EXP[suffix]!) * 1000n;
    return { milli: ceilDiv(num, pow10(frac.length)), binary: true };
  }
  const exp = suffix in DECIMAL_EXP ? DECIMAL_EXP[suffix]! : Number(suffix.slice(1));
  const shift = exp + 3 - frac.length;
  return { milli: shift >= 0 ? digits * pow10(shift) : ceilDiv(digits, pow10(-shift)), binary: false };
}

/** Upstream's canonical text: whole units with the largest exact suffix of the family, else millis. */
export function formatAmount(a: Amount): string {
  const { milli } = a;
  if (milli % 1000n !== 0n) return `${milli}m`;
  const units = milli / 1000n;
  if (units === 0n) return '0';
  if (a.binary) {
    const names = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
    let value = units;
    let i = -1;
    while (i < names.length - 1 && value % 1024n === 0n) {
      value /= 1024n;
      i++;
    }
    if (i >= 0) return `${value}${names[i]}`;
    return `${units}`;
  }
  const names = ['k', 'M', 'G', 'T', 'P', 'E'];
  let value = units;
  let i = -1;
  while (i < names.length - 1 && value % 1000n === 0n) {
    value /= 1000n;
    i++;
  }
  return i >= 0 ? `${value}${names[i]}` : `${value}`;
}

/** A ResourceList of amounts, by resource name. */
export type Amounts = Map<string, Amount>;

export function amountsOf(list: unknown): Amounts {
  const out: Amounts = new Map();
  if (typeof list !== 'object' || list === null) return out;
  for (const [name, q] of Object.entries(list)) {
    const a = parseAmount(q);
    if (a) out.set(name, a);
  }
  return out;
}

export function formatAmounts(list: Amounts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...list.keys()].sort()) out[name] = formatAmount(list.get(name)!);
  return out;
}

/** Sum of both lists; a name keeps the suffix family it first had, unless it was zero (a fresh
 *  "0" takes the family of what is added, so memory reads "256Mi", not "268435456"). */
export function addAmounts(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = new Map(a);
  for (const [name, v] of b) {
    const prev = out.get(name);
    out.set(name, prev ? { milli: prev.milli + v.milli, binary: prev.milli === 0n ? v.binary : prev.binary } : v);
  }
  return out;
}

/** `a` less `b`, never below zero (a refund of a charge the recount already dropped). */
export function subtractAmounts(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = new Map(a);
  for (const [name, v] of b) {
    const prev = out.get(name);
    if (prev) out.set(name, { milli: prev.milli > v.milli ? prev.milli - v.milli : 0n, binary: prev.binary });
  }
  return out;
}

/** Only the entries whose names are listed. */
export function maskAmounts(a: Amounts, names: Iterable<string>): Amounts {
  const out: Amounts = new Map();
  for (const n of names) {
    const v = a.get(n);
    if (v) out.set(n, v);
  }
  return out;
}

/** `name=value` pairs in name order, joined by commas: how quota messages print a list. */
export function prettyAmounts(a: Amounts): string {
  return [...a.keys()].sort().map((n) => `${n}=${formatAmount(a.get(n)!)}`).join(',');
}
