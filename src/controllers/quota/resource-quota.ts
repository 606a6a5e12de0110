// The ResourceQuota usage controller: recounts each quota's status.used from the objects that
// exist and mirrors spec.hard into status.hard (admission enforces only what status.hard holds).
// Admission adds each create as it happens; this loop takes back what deletions and finished pods
// free, and corrects any charge for a write that never landed.
import { getIfExists, type Client, type ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { countUsage } from '../../registry/quota/check.js';
import { amountsOf, formatAmounts, type Amounts } from '../../registry/quota/quantity.js';
import { concerns } from '../../registry/quota/usage.js';
import { semanticEqual } from '../../registry/validation/common.js';
import { objectKeyOf, runController } from '../runtime/run-controller.js';
import { startObjectCache } from '../runtime/object-cache.js';

export const resourceQuotasType: ResourceType = { group: '', version: 'v1', resource: 'resourcequotas' };

export interface QuotaKind {
  group: string;
  version: string;
  resource: string;
}

export interface ResourceQuotaControllerOptions {
  client: Client;
  /** Namespaced kinds the server serves: what `count/<resource>.<group>` may name. */
  kinds: readonly QuotaKind[];
  /** Kinds whose changes recount their namespace's quotas at once; the rest on the resync. */
  watched?: readonly string[];
  /** Full recount of every quota (default 60 s), for kinds not watched. */
  resyncMs?: number;
  onError?(key: string, err: unknown): void;
}

const DEFAULT_WATCHED = ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers'];

export async function runResourceQuotaController(o: ResourceQuotaControllerOptions, signal: AbortSignal): Promise<{ stopped: Promise<void> }> {
  const quotas = await startObjectCache({ client: o.client, type: resourceQuotasType, onError: (err) => o.onError?.('', err) }, signal);
  const quotasOfNamespace = (obj: KObject) => quotas.list(obj.metadata.namespace).map((q) => objectKeyOf(q.metadata));
  const watched = o.watched ?? DEFAULT_WATCHED;
  const watches = o.kinds.filter((k) => k.group === '' && watched.includes(k.resource)).map((k) => ({ type: k, keyOf: quotasOfNamespace }));

  const reconcile = async (key: string) => {
    const [namespace, name] = key.split('/') as [string, string];
    const quota = await getIfExists(o.client, resourceQuotasType, namespace, name);
    if (!quota || quota.metadata.deletionTimestamp) return;
    const hardText = ((quota.spec as { hard?: Record<string, string> } | undefined)?.hard ?? {});
    const names = Object.keys(hardText);
    let used: Amounts = new Map();
    for (const k of o.kinds) {
      const ref = { group: k.group, plural: k.resource };
      if (!names.some((n) => concerns(ref, n))) continue;
      const { items } = await o.client.list(k, { namespace });
      for (const [n, v] of countUsage(quota, ref, items, names)) used.set(n, v);
    }
    const hard = amountsOf(hardText);
    for (const n of names) if (!used.has(n)) used.set(n, { milli: 0n, binary: hard.get(n)?.binary ?? false });
    used = new Map([...used].filter(([n]) => names.includes(n)));
    const status = { hard: hardText, used: formatAmounts(used) };
    if (!semanticEqual(quota.status ?? {}, status)) {
      await o.client.update(resourceQuotasType, { ...quota, status }, { subresource: 'status' });
    }
    return { requeueAfterMs: o.resyncMs ?? 60_000 };
  };

  const running = await runController({ name: 'resourcequota', client: o.client, for: resourceQuotasType, watches, reconcile, onError: o.onError }, signal);
  return running;
}
