// Kubernetes resource quantities ("100m", "1.5Gi", "2e3"), enough to check format and order.
// Values are compared as floating point numbers: exact enough for requests <= limits.

export const QUANTITY_FORMAT = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const QUANTITY_FORMAT_MESSAGE = `quantities must match the regular expression '${QUANTITY_FORMAT}'`;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The quantity's value, or undefined when the text is not a quantity. Numbers are accepted as-is. */
export function parseQuantity(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m = /^([+-]?[0-9.]+)(.*)$/.exec(input.trim() === input ? input : '');
  if (!m) return undefined;
  const [, num, suffix] = m as unknown as [string, string, string];
  if (!NUMBER.test(num)) return undefined;
  const base = Number(num);
  let factor: number | undefined;
  if (suffix in BINARY) factor = BINARY[suffix];
  else if (suffix in DECIMAL) factor = DECIMAL[suffix];
  else if (/^[eE][-+]?\d+$/.test(suffix)) factor = 10 ** Number(suffix.slice(1));
  if (factor === undefined) return undefined;
  return base * factor;
}
