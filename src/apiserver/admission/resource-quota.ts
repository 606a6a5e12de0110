// ResourceQuota admission: a create that would take a namespace past one of its quotas is refused
// with upstream's 403. The charge is written into the quota's status.used with a compare-and-swap
// before the object is stored, so concurrent creates (on this server or another sharing the
// datastore) cannot both take the last unit; the usage controller later recounts from what exists.
// Charges in one namespace are made one at a time on this server: sixteen creates racing for one
// quota object otherwise spend their time in conflicts (90 creates/s instead of hundreds).
import type { KObject } from '../../registry/types.js';
import { checkQuotas } from '../../registry/quota/check.js';
import { amountsOf, formatAmounts, maskAmounts, subtractAmounts, type Amounts } from '../../registry/quota/quantity.js';
import { ApiError, errors } from '../errors.js';
import type { AdmissionPlugin, AdmissionRequest, ResourceContext } from '../resources/context.js';

/** Rounds of re-reading after another server changed a quota first. */
const maxAttempts = 20;

interface Charge {
  namespace: string;
  quota: string;
  delta: Amounts;
}

export function resourceQuotaAdmission(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  const quotaKind = () => c.registry.findByResource('', 'v1', 'resourcequotas')!;
  const tails = new Map<string, Promise<unknown>>();
  /** Runs `fn` after every earlier charge in the namespace has finished. */
  const serially = <T>(namespace: string, fn: () => Promise<T>): Promise<T> => {
    const prev = tails.get(namespace) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(namespace, tail);
    void tail.then(() => {
      if (tails.get(namespace) === tail) tails.delete(namespace);
    });
    return run;
  };
  const charged = new WeakMap<AdmissionRequest, Charge[]>();

  const charge = async (req: AdmissionRequest): Promise<void> => {
    const d = req.descriptor;
    const obj = req.object;
    const namespace = obj.metadata.namespace!;
    const kind = { group: d.group, plural: d.plural };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const quotas = (await c.store.list(quotaKind(), { namespace })).items;
      if (quotas.length === 0) return;
      const decision = checkQuotas(quotas, kind, obj);
      if (!decision.allowed) {
        throw errors.forbidden(`${d.plural} "${obj.metadata.name ?? ''}" is forbidden: ${decision.message}`, { group: d.group, resource: d.plural }, obj.metadata.name);
      }
      if (req.dryRun || decision.charges.length === 0) return;
      const done: Charge[] = [];
      try {
        for (const ch of decision.charges) {
          await c.store.update(quotaKind(), withUsed(ch.quota, formatAmounts(ch.used)));
          const before = amountsOf((ch.quota.status as { used?: unknown } | undefined)?.used);
          done.push({ namespace, quota: ch.quota.metadata.name!, delta: maskAmounts(subtractAmounts(ch.used, before), ch.used.keys()) });
        }
        charged.set(req, done);
        return;
      } catch (err) {
        // A quota charged before another conflicted must not be charged twice on the next round.
        await Promise.all(done.map((x) => refund(x)));
        if (err instanceof ApiError && err.reason === 'Conflict') continue;
        throw err;
      }
    }
    throw errors.forbidden(`${d.plural} "${obj.metadata.name ?? ''}" is forbidden: unable to charge quota: too many concurrent changes, please retry`, { group: d.group, resource: d.plural }, obj.metadata.name);
  };

  /** Gives back what a create that never landed took; the recount would, later. */
  const refund = async (x: Charge): Promise<void> => {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const q = await c.store.tryGet(quotaKind(), x.namespace, x.quota);
      if (!q) return;
      const used = subtractAmounts(amountsOf((q.status as { used?: unknown } | undefined)?.used), x.delta);
      try {
        await c.store.update(quotaKind(), withUsed(q, formatAmounts(used)));
        return;
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'Conflict')) throw err;
      }
    }
  };

  return {
    name: 'ResourceQuota',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || !req.descriptor.namespaced) return;
      const namespace = req.object.metadata.namespace!;
      // Most namespaces have no quota: those creates need not wait for one another.
      if ((await c.store.list(quotaKind(), { namespace, limit: 1 })).items.length === 0) return;
      await serially(namespace, () => charge(req));
    },
    abandon(req) {
      const done = charged.get(req);
      if (!done) return;
      charged.delete(req);
      for (const x of done) void serially(x.namespace, () => refund(x)).catch(() => undefined);
    },
  };
}

function withUsed(quota: KObject, used: Record<string, string>): KObject {
  const status = (quota.status ?? {}) as Record<string, unknown>;
  return { ...quota, status: { ...status, used: { ...(status.used as Record<string, string> | undefined), ...used } } };
}
