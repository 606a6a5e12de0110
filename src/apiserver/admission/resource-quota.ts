// ResourceQuota admission: a create that would take a namespace past one of its quotas is refused
// with upstream's 403. The charge is written into the quota's status.used with a compare-and-swap
// before the object is stored, so concurrent creates (on this server or another sharing the
// datastore) cannot both take the last unit; the usage controller later recounts from what exists.
import type { KObject } from '../../registry/types.js';
import { checkQuotas } from '../../registry/quota/check.js';
import { formatAmounts } from '../../registry/quota/quantity.js';
import { ApiError, errors } from '../errors.js';
import type { AdmissionPlugin, ResourceContext } from '../resources/context.js';

/** Rounds of re-reading after another writer changed a quota first. */
const maxAttempts = 20;

export function resourceQuotaAdmission(c: Pick<ResourceContext, 'store' | 'registry'>): AdmissionPlugin {
  const quotaKind = () => c.registry.findByResource('', 'v1', 'resourcequotas')!;
  return {
    name: 'ResourceQuota',
    async admit(req) {
      if (req.operation !== 'CREATE' || req.subresource || !req.descriptor.namespaced) return;
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
        try {
          for (const charge of decision.charges) await c.store.update(quotaKind(), withUsed(charge.quota, formatAmounts(charge.used)));
          return;
        } catch (err) {
          if (err instanceof ApiError && err.reason === 'Conflict') continue;
          throw err;
        }
      }
      throw errors.forbidden(`${d.plural} "${obj.metadata.name ?? ''}" is forbidden: unable to charge quota: too many concurrent changes, please retry`, { group: d.group, resource: d.plural }, obj.metadata.name);
    },
  };
}

function withUsed(quota: KObject, used: Record<string, string>): KObject {
  const status = (quota.status ?? {}) as Record<string, unknown>;
  return { ...quota, status: { ...status, used: { ...(status.used as Record<string, string> | undefined), ...used } } };
}
