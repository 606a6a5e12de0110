// A tiny schema language for the JSON field names of the served kinds. The tables only need to know
// which names exist and which values to descend into; value types are checked elsewhere.
//
// Tables are written as one string per type: space-separated `name` or `name:T` entries, where a bare
// `name` is a string field and T is
//   a scalar: string int (a Go int32) int64 bool number quantity intOrString time bytes, or `any`
//             (free-form: nothing below it is checked);
//   `[T]` a list of T, `{T}` a map from free keys to T;
//   a type name starting with an upper-case letter: an object described by that table entry.

export type Scalar = 'string' | 'int' | 'int64' | 'bool' | 'number' | 'any' | 'quantity' | 'intOrString' | 'time' | 'bytes';
export type FieldType = Scalar | { object: string } | { list: FieldType } | { map: FieldType };

/** Field name → type of one object type. A Map, so names like `constructor` are never inherited. */
export type Fields = ReadonlyMap<string, FieldType>;

/** Type name → compact field list, as written in the group files. */
export type TypeSpecs = Readonly<Record<string, string>>;

const scalars: ReadonlySet<string> = new Set<Scalar>(['string', 'int', 'int64', 'bool', 'number', 'any', 'quantity', 'intOrString', 'time', 'bytes']);

export function parseType(s: string): FieldType {
  if (s.startsWith('[') && s.endsWith(']')) return { list: parseType(s.slice(1, -1)) };
  if (s.startsWith('{') && s.endsWith('}')) return { map: parseType(s.slice(1, -1)) };
  if (scalars.has(s)) return s as Scalar;
  if (/^[A-Z][A-Za-z0-9]*$/.test(s)) return { object: s };
  throw new Error(`field table: cannot read type "${s}"`);
}

export function parseFields(spec: string): Map<string, FieldType> {
  const fields = new Map<string, FieldType>();
  for (const entry of spec.split(/\s+/)) {
    if (!entry) continue;
    const colon = entry.indexOf(':');
    if (colon < 0) fields.set(entry, 'string');
    else fields.set(entry.slice(0, colon), parseType(entry.slice(colon + 1)));
  }
  return fields;
}

/** Names of the object types a field type refers to (for checking that the tables are closed). */
export function referencedTypes(t: FieldType): string[] {
  if (typeof t === 'string') return [];
  if ('object' in t) return [t.object];
  return referencedTypes('list' in t ? t.list : t.map);
}
