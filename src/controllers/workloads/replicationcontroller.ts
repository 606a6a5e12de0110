// ReplicationController: the ReplicaSet controller's reconcile, reading a plain label map as the
// selector. Same pods, same expectations, same status fields.
import type { Client } from '../../client/types.js';
import type { ObjectCache } from '../runtime/object-cache.js';
import type { RunningController } from '../runtime/run-controller.js';
import type { TokenBucket } from '../runtime/token-bucket.js';
import { runReplicaSetController, type ReplicaKind } from './replicaset.js';
import { selectorOf } from './selector.js';

const replicationControllerKind: ReplicaKind = {
  type: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  kind: 'ReplicationController',
  name: 'replicationcontroller',
  component: 'replication-controller',
  matcher: (spec) => {
    const selector = (spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
    // An empty map would select every pod; validation refuses it, stored data from elsewhere selects none.
    return Object.keys(selector).length > 0 ? selectorOf({ matchLabels: selector }) : () => false;
  },
};

export function runReplicationControllerController(
  o: { client: Client; pods?: ObjectCache; podCreations?: TokenBucket; onError?(key: string, err: unknown): void },
  signal: AbortSignal,
): Promise<RunningController> {
  return runReplicaSetController({ ...o, kind: replicationControllerKind }, signal);
}
