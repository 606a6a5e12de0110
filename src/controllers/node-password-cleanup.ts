// A deleted Node takes its join password with it (the Secret kube-system/<node>.node-password.k3ts),
// as K3s does, so a machine of the same name can join again with a fresh password.
import { hasReason, type Client, type ResourceType } from '../client/types.js';
import { runController, type RunningController } from './runtime/run-controller.js';

const nodes: ResourceType = { group: '', version: 'v1', resource: 'nodes' };
const secrets: ResourceType = { group: '', version: 'v1', resource: 'secrets' };

export const nodePasswordSecretName = (node: string) => `${node}.node-password.k3ts`;

export interface NodePasswordCleanupOptions {
  client: Client;
  onError?(key: string, err: unknown): void;
}

/** Keys come only from Node events, so a Node that is not found is one that was just deleted: a
 *  password written for a machine still joining (no Node yet) is never touched. */
export async function reconcileNodePassword(o: NodePasswordCleanupOptions, node: string): Promise<void> {
  try {
    await o.client.get(nodes, undefined, node);
    return;
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
  }
  try {
    await o.client.delete(secrets, 'kube-system', nodePasswordSecretName(node));
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
  }
}

export function runNodePasswordCleanup(o: NodePasswordCleanupOptions, signal: AbortSignal): Promise<RunningController> {
  return runController({ name: 'node-password-cleanup', client: o.client, for: nodes, reconcile: (key) => reconcileNodePassword(o, key), onError: o.onError }, signal);
}
