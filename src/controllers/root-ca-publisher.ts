// Every namespace gets a `kube-root-ca.crt` ConfigMap holding the cluster's serving CA, so pods and
// tools inside the cluster can verify the API server, as upstream's root CA publisher does.
import { getIfExists, hasReason, type Client, type ResourceType } from '../client/types.js';
import { runController, type ReconcileResult, type RunningController } from './runtime/run-controller.js';

export const rootCaConfigMap = 'kube-root-ca.crt';
const namespaces: ResourceType = { group: '', version: 'v1', resource: 'namespaces' };
const configMaps: ResourceType = { group: '', version: 'v1', resource: 'configmaps' };

export interface RootCaPublisherOptions {
  client: Client;
  caPem: string;
  onError?(key: string, err: unknown): void;
}

export async function reconcileRootCa(o: RootCaPublisherOptions, namespace: string): Promise<ReconcileResult | void> {
  const ns = await getIfExists(o.client, namespaces, undefined, namespace);
  if (!ns) return;
  if (ns.metadata.deletionTimestamp) return;
  const want = { 'ca.crt': o.caPem };
  try {
    const cm = await o.client.get(configMaps, namespace, rootCaConfigMap);
    if ((cm.data as Record<string, string> | undefined)?.['ca.crt'] === o.caPem) return;
    await o.client.update(configMaps, { ...cm, data: want });
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
    try {
      await o.client.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rootCaConfigMap, namespace }, data: want });
    } catch (e) {
      // Namespace deletion may have started in between: the namespace controller owns it now.
      if (!hasReason(e, 'AlreadyExists') && !hasReason(e, 'Forbidden')) throw e;
    }
  }
}

export function runRootCaPublisher(o: RootCaPublisherOptions, signal: AbortSignal): Promise<RunningController> {
  return runController(
    {
      name: 'root-ca-publisher',
      client: o.client,
      for: namespaces,
      // An edited or deleted copy is put back.
      watches: [{ type: configMaps, fieldSelector: `metadata.name=${rootCaConfigMap}`, keyOf: (cm) => cm.metadata.namespace }],
      reconcile: (key) => reconcileRootCa(o, key),
      onError: o.onError,
    },
    signal,
  );
}
