// The quota decision for one new object against a namespace's quotas, without storage: which
// quotas it concerns, whether each still has room, and each one's usage after it. The admission
// plugin stores the new usage; this file only decides.
import type { KObject } from '../types.js';
import { addAmounts, amountsOf, maskAmounts, prettyAmounts, type Amounts } from './quantity.js';
import { scopesMatch } from './scopes.js';
import { concerns, missingCompute, usageOf, type KindRef } from './usage.js';

export interface QuotaCharge {
  quota: KObject;
  /** status.used with this object added. */
  used: Amounts;
}

export type QuotaDecision = { allowed: true; charges: QuotaCharge[] } | { allowed: false; message: string };

const hardOf = (q: KObject) => amountsOf((q.status as { hard?: unknown } | undefined)?.hard);
const usedOf = (q: KObject) => amountsOf((q.status as { used?: unknown } | undefined)?.used);

/** Upstream's order of refusals: a pod missing requests, a quota not yet counted, then no room. */
export function checkQuotas(quotas: readonly KObject[], k: KindRef, obj: KObject): QuotaDecision {
  const delta = usageOf(k, obj);
  const relevant: KObject[] = [];
  for (const q of quotas) {
    // Only what the controller has mirrored into status.hard is enforced, as upstream.
    const limited = [...hardOf(q).keys()].filter((n) => concerns(k, n));
    if (limited.length === 0 || !scopesMatch(q, k, obj)) continue;
    if (k.group === '' && k.plural === 'pods') {
      const missing = missingCompute(obj, limited);
      if (missing.length > 0) {
        const what = missing.map((m) => `${m.resource} for: ${m.containers.join(',')}`).join('; ');
        return { allowed: false, message: `failed quota: ${q.metadata.name}: must specify ${what}` };
      }
    }
    const used = usedOf(q);
    const unknown = limited.filter((n) => !used.has(n)).sort();
    if (unknown.length > 0) return { allowed: false, message: `status unknown for quota: ${q.metadata.name}, resources: ${unknown.join(',')}` };
    relevant.push(q);
  }
  const charges: QuotaCharge[] = [];
  for (const q of relevant) {
    const hard = hardOf(q);
    const used = usedOf(q);
    const requested = maskAmounts(delta, hard.keys());
    if (requested.size === 0) continue;
    const next = addAmounts(used, requested);
    const exceeded = [...requested.keys()].filter((n) => next.get(n)!.milli > hard.get(n)!.milli);
    if (exceeded.length > 0) {
      return {
        allowed: false,
        message: `exceeded quota: ${q.metadata.name}, requested: ${prettyAmounts(maskAmounts(requested, exceeded))}, used: ${prettyAmounts(maskAmounts(used, exceeded))}, limited: ${prettyAmounts(maskAmounts(hard, exceeded))}`,
      };
    }
    charges.push({ quota: q, used: next });
  }
  return { allowed: true, charges };
}

/** A quota's usage counted from scratch over the objects of one kind (the controller's recount). */
export function countUsage(quota: KObject, k: KindRef, objects: readonly KObject[], names: readonly string[]): Amounts {
  const wanted = names.filter((n) => concerns(k, n));
  let total: Amounts = new Map();
  if (wanted.length === 0) return total;
  for (const obj of objects) {
    if (!scopesMatch(quota, k, obj)) continue;
    total = addAmounts(total, maskAmounts(usageOf(k, obj), wanted));
  }
  return total;
}
