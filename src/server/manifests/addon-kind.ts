// The record of what a manifest file applied: K3s's `k3s.cattle.io/v1 Addon`, one per file in
// kube-system, served as a CustomResourceDefinition this server registers. Keeping K3s's kind means
// `kubectl get addons -A` and scripts written for K3s read it the same way. spec.source and
// spec.checksum are K3s's; status.objects (what the file applied, so that what it drops can be
// deleted) is ours, where K3s keeps the kinds in an annotation and finds its objects by labels.
import { getIfExists, hasReason, type Client, type ResourceType } from '../../client/types.js';
import type { Registry } from '../../apiserver/resources/context.js';
import type { KObject } from '../../registry/types.js';

export const ADDON_TYPE: ResourceType = { group: 'k3s.cattle.io', version: 'v1', resource: 'addons' };
export const ADDON_NAMESPACE = 'kube-system';
const CRD_TYPE: ResourceType = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };

export interface AppliedRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface AddonRecord {
  spec?: { source?: string; checksum?: string };
  status?: { objects?: AppliedRef[] };
}

const addonCrd: KObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'addons.k3s.cattle.io' },
  spec: {
    group: 'k3s.cattle.io',
    scope: 'Namespaced',
    names: { plural: 'addons', singular: 'addon', kind: 'Addon', listKind: 'AddonList' },
    versions: [{
      name: 'v1', served: true, storage: true,
      additionalPrinterColumns: [
        { name: 'Source', type: 'string', jsonPath: '.spec.source' },
        { name: 'Checksum', type: 'string', jsonPath: '.spec.checksum' },
      ],
      schema: { openAPIV3Schema: { type: 'object', properties: {
        spec: { type: 'object', properties: { source: { type: 'string' }, checksum: { type: 'string' } } },
        status: { type: 'object', properties: { objects: { type: 'array', items: { type: 'object', properties: {
          apiVersion: { type: 'string' }, kind: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' },
        } } } } },
      } } },
    }],
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers the Addon CRD unless it exists and waits until its kind is served. */
export async function ensureAddonKind(client: Client, registry: Pick<Registry, 'findByKind'>, signal: AbortSignal, timeoutMs = 10_000): Promise<void> {
  if (!(await getIfExists(client, CRD_TYPE, undefined, 'addons.k3s.cattle.io'))) {
    try {
      await client.create(CRD_TYPE, structuredClone(addonCrd));
    } catch (err) {
      if (!hasReason(err, 'AlreadyExists')) throw err;
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (!registry.findByKind('k3s.cattle.io', 'v1', 'Addon')) {
    if (signal.aborted) return;
    if (Date.now() > deadline) throw new Error('the Addon CustomResourceDefinition was not served within 10 s');
    await sleep(20);
  }
}
