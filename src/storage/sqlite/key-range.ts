// Turns a key prefix into an index range [lo, hi). SQLite compares TEXT as UTF-8 bytes, and UTF-8 byte
// order is code point order, so bumping the last code point gives the first string past every key
// with the prefix. An empty prefix (or one ending in the last code point) has no upper bound.

export interface KeyRange {
  lo: string;
  hi?: string;
}

const MAX_CODE_POINT = 0x10ffff;

export function prefixRange(prefix: string): KeyRange {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
    if (next <= MAX_CODE_POINT) return { lo: prefix, hi: points.join('') + String.fromCodePoint(next) };
  }
  return { lo: prefix };
}
