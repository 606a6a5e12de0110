// maxSurge / maxUnavailable: an integer, or a percentage of a total rounded up or down.
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const n = Number(value.endsWith('%') ? value.slice(0, -1) : value);
  if (!Number.isFinite(n)) return 0;
  if (!value.endsWith('%')) return n;
  const exact = (n * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
