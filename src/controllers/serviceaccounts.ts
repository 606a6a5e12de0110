// Every active namespace has a `default` ServiceAccount, which pods run as unless they name another;
// one that is deleted is put back, as upstream's service account controller does.
import { getIfExists, hasReason, type Client, type ResourceType } from '../client/types.js';
import { runController, type ReconcileResult, type RunningController } from './runtime/run-controller.js';

export const defaultServiceAccount = 'default';
const namespaces: ResourceType = { group: '', version: 'v1', resource: 'namespaces' };
const serviceAccounts: ResourceType = { group: '', version: 'v1', resource: 'serviceaccounts' };

export interface ServiceAccountsControllerOptions {
  client: Client;
  onError?(key: string, err: unknown): void;
}

export async function reconcileServiceAccounts(o: ServiceAccountsControllerOptions, namespace: string): Promise<ReconcileResult | void> {
  const ns = await getIfExists(o.client, namespaces, undefined, namespace);
  if (!ns) return;
  if (ns.metadata.deletionTimestamp) return;
  try {
    await o.client.get(serviceAccounts, namespace, defaultServiceAccount);
    return;
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
  }
  try {
    await o.client.create(serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: defaultServiceAccount, namespace } });
  } catch (err) {
    // Created meanwhile, or the namespace started terminating: nothing left to do.
    if (!hasReason(err, 'AlreadyExists') && !hasReason(err, 'Forbidden') && !hasReason(err, 'NotFound')) throw err;
  }
}

export function runServiceAccountsController(o: ServiceAccountsControllerOptions, signal: AbortSignal): Promise<RunningController> {
  return runController(
    {
      name: 'serviceaccount',
      client: o.client,
      for: namespaces,
      watches: [{ type: serviceAccounts, fieldSelector: `metadata.name=${defaultServiceAccount}`, keyOf: (sa) => sa.metadata.namespace }],
      reconcile: (key) => reconcileServiceAccounts(o, key),
      onError: o.onError,
    },
    signal,
  );
}
