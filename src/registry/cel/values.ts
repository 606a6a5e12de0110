// A JSON document as CEL sees it without a schema: objects as maps, whole numbers as CEL ints
// (upstream's schemas type counts and ports as integers), everything else as it is. Admission
// converts each object once per request however many policies read it.
export function jsonToCel(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(jsonToCel);
  if (typeof v === 'object') {
    const m = new Map<string, unknown>();
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) if (val !== undefined) m.set(k, jsonToCel(val));
    return m;
  }
  return v;
}

