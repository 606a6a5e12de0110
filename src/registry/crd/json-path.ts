// The part of kubectl's JSONPath that printer columns use: `.a.b`, `[0]`, `['key']`, `[*]` and
// `[?(@.type=="Ready")]`. A path that matches nothing yields no values (the cell stays empty).

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; value: string } };

const cache = new Map<string, Step[] | null>();

export function parseJsonPath(path: string): Step[] | null {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  let s = path.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  const steps: Step[] = [];
  let i = 0;
  const fail = () => {
    cache.set(path, null);
    return null;
  };
  while (i < s.length) {
    if (s[i] === '.') {
      i++;
      const m = /^[^.[]+/.exec(s.slice(i));
      if (!m) continue;
      steps.push({ field: m[0] });
      i += m[0].length;
    } else if (s[i] === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) return fail();
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ all: true });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else {
        const f = /^\?\(@((?:\.[^.=!]+)+)\s*==\s*(['"])(.*)\2\)$/.exec(inner);
        if (!f) return fail();
        steps.push({ filter: { path: f[1]!.slice(1).split('.'), value: f[3]! } });
      }
    } else {
      const m = /^[^.[]+/.exec(s.slice(i));
      if (!m) return fail();
      steps.push({ field: m[0] });
      i += m[0].length;
    }
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(path, steps);
  return steps;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function evaluateJsonPath(path: string, root: unknown): unknown[] {
  const steps = parseJsonPath(path);
  if (!steps) return [];
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if ('field' in step) {
        if (isObject(v) && step.field in v) next.push(v[step.field]);
      } else if ('index' in step) {
        if (Array.isArray(v)) {
          const item = v[step.index < 0 ? v.length + step.index : step.index];
          if (item !== undefined) next.push(item);
        }
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (isObject(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const f of step.filter.path) x = isObject(x) ? x[f] : undefined;
          if (x !== undefined && String(x) === step.filter.value) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}
