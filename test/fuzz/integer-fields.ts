// Every integer field of a kind, read from the field tables, and a way to set one in an object: the
// fuzz tests put numbers no Go integer holds into each of them.
import { fieldsOf } from '../../src/registry/fields/schema.js';
import type { FieldType } from '../../src/registry/fields/types.js';

type Path = Array<string | number>;

/** Every path to an integer field below `type`, one element deep into lists and maps. */
export function integerPaths(type: string, depth = 0, stack: string[] = []): Array<{ path: Path; bits: 32 | 64 }> {
  const out: Array<{ path: Path; bits: 32 | 64 }> = [];
  const fields = fieldsOf(type);
  if (!fields || depth > 12 || stack.includes(type)) return out;
  const visit = (t: FieldType, path: Path) => {
    if (t === 'int' || t === 'int64') out.push({ path, bits: t === 'int' ? 32 : 64 });
    else if (typeof t === 'string') return;
    else if ('object' in t) for (const sub of integerPaths(t.object, depth + 1, [...stack, type])) out.push({ path: [...path, ...sub.path], bits: sub.bits });
    else if ('list' in t) visit(t.list, [...path, 0]);
    else visit(t.map, [...path, 'k']);
  };
  for (const [name, t] of fields) visit(t, [name]);
  return out;
}

export function setAt(obj: Record<string, unknown>, path: Path, value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  path.forEach((seg, i) => {
    if (i === path.length - 1) {
      cur[seg] = value;
      return;
    }
    const next = cur[seg];
    const wantList = typeof path[i + 1] === 'number';
    if (next === null || typeof next !== 'object' || Array.isArray(next) !== wantList) cur[seg] = wantList ? [{}] : {};
    else if (wantList && (next as unknown[]).length === 0) (next as unknown[]).push({});
    cur = cur[seg] as Record<string | number, unknown>;
  });
}

