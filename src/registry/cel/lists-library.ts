// The commonly used part of Kubernetes' CEL lists library (isSorted, sum, min, max, indexOf,
// lastIndexOf), written for @bufbuild/cel: policies from upstream's examples call these, and
// without them such a policy could not be written at all.
import type * as Cel from '@bufbuild/cel';
import type { CelFunc, CelList } from '@bufbuild/cel';

function compare(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`no such overload: comparing ${typeof a} with ${typeof b}`);
}

const items = (l: CelList) => [...l] as unknown[];

function extreme({ CelScalar, celError, celMethod, listType }: typeof Cel, name: string, sign: 1 | -1) {
  const LIST = listType(CelScalar.DYN);
  return celMethod(name, LIST, [], CelScalar.DYN, function (this: CelList) {
    const all = items(this);
    if (all.length === 0) return celError(`${name} called on empty list`) as never;
    try {
      return all.reduce((best, v) => (compare(v, best) * sign > 0 ? v : best)) as never;
    } catch (err) {
      return celError(err) as never;
    }
  });
}

function position({ CelScalar, celMethod, listType }: typeof Cel, name: string, last: boolean) {
  const LIST = listType(CelScalar.DYN);
  return celMethod(name, LIST, [CelScalar.DYN], CelScalar.INT, function (this: CelList, x: unknown) {
    const all = items(this);
    const eq = (v: unknown) => v === x || (typeof v === typeof x && typeof v === 'object' && JSON.stringify(v) === JSON.stringify(x));
    if (!last) return BigInt(all.findIndex(eq));
    for (let i = all.length - 1; i >= 0; i--) if (eq(all[i])) return BigInt(i);
    return -1n;
  });
}

/** Built from the CEL module once it is loaded (see environment.ts). */
export function kubernetesLists(cel: typeof Cel): CelFunc[] {
  const { CelScalar, celError, celMethod, listType } = cel;
  const LIST = listType(CelScalar.DYN);
  return [
  celMethod('isSorted', LIST, [], CelScalar.BOOL, function (this: CelList) {
    const all = items(this);
    try {
      return all.every((v, i) => i === 0 || compare(all[i - 1], v) <= 0);
    } catch (err) {
      return celError(err) as never;
    }
  }),
  celMethod('sum', LIST, [], CelScalar.DYN, function (this: CelList) {
    const all = items(this);
    if (all.length === 0) return 0n as never;
    return all.reduce((a, b) => (typeof a === 'bigint' && typeof b === 'bigint' ? a + b : Number(a) + Number(b))) as never;
  }),
  extreme(cel, 'max', 1),
  extreme(cel, 'min', -1),
  position(cel, 'indexOf', false),
  position(cel, 'lastIndexOf', true),
  ];
}
