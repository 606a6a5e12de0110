// The order of a merged strategic-merge list. Elements named by the patch (or by its
// `$setElementOrder`) keep the patch's order; elements only the server had keep theirs, and sit where
// they sat relative to the patched ones in the live list, as far as both orders allow.

/** The identity of a list element: its merge-key value for objects, the value itself for primitives. */
export type KeyOf = (element: unknown) => unknown;

export interface OrderOptions {
  merged: unknown[];
  /** Keys in the order the patch wants. */
  patchOrder: unknown[];
  /** The live list before the patch. */
  serverOrder: unknown[];
  keyOf: KeyOf;
}

export function orderMergedList({ merged, patchOrder, serverOrder, keyOf }: OrderOptions): unknown[] {
  const patchIndex = indexByKey(patchOrder, (k) => k);
  const serverIndex = indexByKey(serverOrder, keyOf);
  const named: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const el of merged) (patchIndex.has(keyOf(el)) ? named : serverOnly).push(el);
  sortByIndex(named, (el) => patchIndex.get(keyOf(el)));
  sortByIndex(serverOnly, (el) => serverIndex.get(keyOf(el)));

  // Walk both runs; a server-only element goes first only when the live list puts it before the
  // next named one. Unknown positions defer to the patch.
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < named.length) {
    if (j >= named.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(named[j++]);
    else {
      const si = serverIndex.get(keyOf(serverOnly[i]));
      const ni = serverIndex.get(keyOf(named[j]));
      if (si !== undefined && ni !== undefined && si < ni) out.push(serverOnly[i++]);
      else out.push(named[j++]);
    }
  }
  return out;
}

function indexByKey(list: unknown[], keyOf: KeyOf): Map<unknown, number> {
  const index = new Map<unknown, number>();
  list.forEach((el, i) => {
    const k = keyOf(el);
    if (!index.has(k)) index.set(k, i);
  });
  return index;
}

/** Stable; elements without a position keep their relative order after the positioned ones. */
function sortByIndex(list: unknown[], position: (el: unknown) => number | undefined): void {
  const decorated = list.map((el, i) => ({ el, p: position(el) ?? Number.POSITIVE_INFINITY, i }));
  decorated.sort((a, b) => (a.p === b.p ? a.i - b.i : a.p - b.p));
  decorated.forEach((d, i) => (list[i] = d.el));
}
