// LimitRange rules applied to a new pod or claim, without storage: the defaults a container gets
// (default → limits, defaultRequest → requests) and the min / max / maxLimitRequestRatio checks,
// worded as upstream's LimitRanger. The admission plugin calls these; the kind file validates the
// LimitRange itself.
import type { KObject } from '../types.js';
import { formatAmount, parseAmount, type Amount } from './quantity.js';

export interface LimitRangeItem {
  type?: string;
  max?: Record<string, string>;
  min?: Record<string, string>;
  default?: Record<string, string>;
  defaultRequest?: Record<string, string>;
  maxLimitRequestRatio?: Record<string, string>;
}

interface ContainerLike {
  name?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

export const itemsOf = (lr: KObject): LimitRangeItem[] => {
  const limits = (lr.spec as { limits?: unknown } | undefined)?.limits;
  return Array.isArray(limits) ? (limits as LimitRangeItem[]) : [];
};

/** A Container item's defaults as upstream fills them in: default from max, defaultRequest from
 *  default, then from min. Changes `item` in place. */
export function defaultLimitRangeItem(item: LimitRangeItem): void {
  if (item.type !== 'Container') return;
  const dflt = (item.default ??= {});
  for (const [k, v] of Object.entries(item.max ?? {})) dflt[k] ??= v;
  const req = (item.defaultRequest ??= {});
  for (const [k, v] of Object.entries(dflt)) req[k] ??= v;
  for (const [k, v] of Object.entries(item.min ?? {})) req[k] ??= v;
}

/** The container defaults of every LimitRange in the namespace (the first that names a resource wins). */
function containerDefaults(ranges: readonly KObject[]): { requests: Record<string, string>; limits: Record<string, string> } {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  for (const lr of ranges) {
    for (const item of itemsOf(lr)) {
      if (item.type !== 'Container') continue;
      for (const [k, v] of Object.entries(item.defaultRequest ?? {})) requests[k] ??= v;
      for (const [k, v] of Object.entries(item.default ?? {})) limits[k] ??= v;
    }
  }
  return { requests, limits };
}

const containersOf = (pod: KObject, field: 'containers' | 'initContainers') => {
  const list = (pod.spec as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(list) ? (list as ContainerLike[]) : [];
};

/** Fills in what containers leave unset and records it in the limit-ranger annotation, as upstream. */
export function applyContainerDefaults(pod: KObject, ranges: readonly KObject[]): void {
  const defaults = containerDefaults(ranges);
  if (Object.keys(defaults.requests).length === 0 && Object.keys(defaults.limits).length === 0) return;
  const notes: string[] = [];
  for (const [field, label] of [['containers', 'container'], ['initContainers', 'init container']] as const) {
    for (const c of containersOf(pod, field)) {
      const resources = (c.resources ??= {});
      const setLimits: string[] = [];
      const setRequests: string[] = [];
      for (const [k, v] of Object.entries(defaults.limits)) {
        if (resources.limits?.[k] !== undefined) continue;
        (resources.limits ??= {})[k] = v;
        setLimits.push(k);
      }
      for (const [k, v] of Object.entries(defaults.requests)) {
        if (resources.requests?.[k] !== undefined) continue;
        // A container that states a limit but no request asks for its limit (pod defaulting does the same).
        (resources.requests ??= {})[k] = resources.limits?.[k] !== undefined && !setLimits.includes(k) ? resources.limits[k]! : v;
        setRequests.push(k);
      }
      if (setRequests.length > 0) notes.push(`${setRequests.sort().join(', ')} request for ${label} ${c.name ?? ''}`);
      if (setLimits.length > 0) notes.push(`${setLimits.sort().join(', ')} limit for ${label} ${c.name ?? ''}`);
    }
  }
  if (notes.length > 0) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
}

type List = Record<string, string> | undefined;
const amount = (list: List, k: string): Amount | undefined => (list && list[k] !== undefined ? parseAmount(list[k]) : undefined);
const text = (list: List, k: string) => formatAmount(parseAmount(list![k])!);

function minCheck(type: string, k: string, enforced: string, requests: List, limits: List): string | undefined {
  const e = parseAmount(enforced)!;
  const req = amount(requests, k);
  const lim = amount(limits, k);
  const shown = formatAmount(e);
  if (!req) return `minimum ${k} usage per ${type} is ${shown}.  No request is specified.`;
  if (req.milli < e.milli) return `minimum ${k} usage per ${type} is ${shown}, but request is ${text(requests, k)}.`;
  if (lim && lim.milli < e.milli) return `minimum ${k} usage per ${type} is ${shown}, but limit is ${text(limits, k)}.`;
  return undefined;
}

function maxCheck(type: string, k: string, enforced: string, requests: List, limits: List): string | undefined {
  const e = parseAmount(enforced)!;
  const req = amount(requests, k);
  const lim = amount(limits, k);
  const shown = formatAmount(e);
  if (!lim) return `maximum ${k} usage per ${type} is ${shown}.  No limit is specified.`;
  if (lim.milli > e.milli) return `maximum ${k} usage per ${type} is ${shown}, but limit is ${text(limits, k)}.`;
  if (req && req.milli > e.milli) return `maximum ${k} usage per ${type} is ${shown}, but request is ${text(requests, k)}.`;
  return undefined;
}

function ratioCheck(type: string, k: string, enforced: string, requests: List, limits: List): string | undefined {
  const e = parseAmount(enforced)!;
  const req = amount(requests, k);
  const lim = amount(limits, k);
  const shown = formatAmount(e);
  if (!req || req.milli === 0n) return `${k} max limit to request ratio per ${type} is ${shown}, but no request is specified or request is 0.`;
  if (!lim || lim.milli === 0n) return `${k} max limit to request ratio per ${type} is ${shown}, but no limit is specified or limit is 0.`;
  const observed = Number(lim.milli) / Number(req.milli);
  if (observed * 1000 > Number(e.milli)) return `${k} max limit to request ratio per ${type} is ${shown}, but provided ratio is ${observed.toFixed(6)}.`;
  return undefined;
}

function checkItem(type: string, item: LimitRangeItem, requests: List, limits: List): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(item.min ?? {})) out.push(minCheck(type, k, v, requests, limits) ?? '');
  for (const [k, v] of Object.entries(item.max ?? {})) out.push(maxCheck(type, k, v, requests, limits) ?? '');
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) out.push(ratioCheck(type, k, v, requests, limits) ?? '');
  return out.filter((m) => m !== '');
}

/** The pod's requests and limits as one list each: app containers summed, an init container counted
 *  when it asks more; a name missing from any app container is left out, as upstream's sum does. */
function podTotals(pod: KObject): { requests: Record<string, string>; limits: Record<string, string> } {
  const total = (which: 'requests' | 'limits') => {
    const apps = containersOf(pod, 'containers').map((c) => c.resources?.[which] ?? {});
    const sums = new Map<string, Amount>();
    const names = new Set(apps.flatMap((l) => Object.keys(l)));
    for (const n of names) {
      if (!apps.every((l) => l[n] !== undefined)) continue;
      let milli = 0n;
      let binary = false;
      for (const l of apps) {
        const a = parseAmount(l[n]);
        if (a) {
          milli += a.milli;
          binary ||= a.binary;
        }
      }
      sums.set(n, { milli, binary });
    }
    for (const c of containersOf(pod, 'initContainers')) {
      for (const [n, q] of Object.entries(c.resources?.[which] ?? {})) {
        const a = parseAmount(q);
        if (a && (!sums.has(n) || a.milli > sums.get(n)!.milli)) sums.set(n, a);
      }
    }
    return Object.fromEntries([...sums].map(([n, a]) => [n, formatAmount(a)]));
  };
  return { requests: total('requests'), limits: total('limits') };
}

/** Every rule the pod breaks, in upstream's order and words. */
export function podViolations(pod: KObject, ranges: readonly KObject[]): string[] {
  const out: string[] = [];
  for (const lr of ranges) {
    for (const item of itemsOf(lr)) {
      if (item.type === 'Container') {
        for (const c of [...containersOf(pod, 'containers'), ...containersOf(pod, 'initContainers')]) {
          out.push(...checkItem('Container', item, c.resources?.requests, c.resources?.limits));
        }
      } else if (item.type === 'Pod') {
        const t = podTotals(pod);
        out.push(...checkItem('Pod', item, t.requests, t.limits));
      }
    }
  }
  return out;
}

/** A claim's storage request against PersistentVolumeClaim items (only requests are checked). */
export function claimViolations(claim: KObject, ranges: readonly KObject[]): string[] {
  const requests = (claim.spec as { resources?: { requests?: Record<string, string> } } | undefined)?.resources?.requests;
  const out: string[] = [];
  for (const lr of ranges) {
    for (const item of itemsOf(lr)) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      for (const [k, v] of Object.entries(item.min ?? {})) {
        const e = parseAmount(v)!;
        const req = amount(requests, k);
        if (!req) out.push(`minimum ${k} usage per PersistentVolumeClaim is ${formatAmount(e)}.  No request is specified.`);
        else if (req.milli < e.milli) out.push(`minimum ${k} usage per PersistentVolumeClaim is ${formatAmount(e)}, but request is ${text(requests, k)}.`);
      }
      for (const [k, v] of Object.entries(item.max ?? {})) {
        const e = parseAmount(v)!;
        const req = amount(requests, k);
        if (!req) out.push(`maximum ${k} usage per PersistentVolumeClaim is ${formatAmount(e)}.  No request is specified.`);
        else if (req.milli > e.milli) out.push(`maximum ${k} usage per PersistentVolumeClaim is ${formatAmount(e)}, but request is ${text(requests, k)}.`);
      }
    }
  }
  return out;
}
