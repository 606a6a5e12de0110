// The workload controllers the server runs: ReplicaSet, Deployment, DaemonSet and Job.
import { hasReason, type Client } from '../../client/types.js';
import { runDaemonSetController } from './daemonset/controller.js';
import { runDeploymentController } from './deployment/controller.js';
import { runJobController } from './job/controller.js';
import { runCronJobController } from './cronjob/controller.js';
import { runDisruptionController } from '../disruption/controller.js';
import { runReplicaSetController } from './replicaset.js';
import { runStatefulSetController } from './statefulset/controller.js';
import { runReplicationControllerController } from './replicationcontroller.js';
import { newPodCreationBudget } from './pod-control.js';
import { podsType } from './resources.js';
import { startObjectCache } from '../runtime/object-cache.js';

export interface WorkloadControllersOptions {
  client: Client;
  /** Reconcile failures, for logging. Conflicts (another writer got in first) are retried silently. */
  onError?(controller: string, key: string, err: unknown): void;
  /** The Job controller's delay before replacing a failed pod (default 10 s, doubling per failure). */
  jobPodFailureBackoffMs?: number;
}

/** Starts all four; resolves once their watches are established. `stopped` resolves after `signal`
 *  aborts and every reconcile in flight has finished. */
export async function runWorkloadControllers(opts: WorkloadControllersOptions, signal: AbortSignal): Promise<{ stopped: Promise<void> }> {
  const report = (controller: string) => (key: string, err: unknown) => {
    if (!hasReason(err, 'Conflict')) opts.onError?.(controller, key, err);
  };
  const client = opts.client;
  // One pace for every pod any of them creates, so together they cannot outrun the server.
  const podCreations = newPodCreationBudget();
  const pods = await startObjectCache({ client, type: podsType, onError: (err) => report('pod cache')('', err) }, signal);
  const running = [
    await runReplicaSetController({ client, pods, podCreations, onError: report('replicaset') }, signal),
    await runDeploymentController({ client, onError: report('deployment') }, signal),
    await runDaemonSetController({ client, podCreations, onError: report('daemonset') }, signal),
    await runStatefulSetController({ client, pods, podCreations, onError: report('statefulset') }, signal),
    await runReplicationControllerController({ client, pods, podCreations, onError: report('replicationcontroller') }, signal),
    await runJobController({ client, podCreations, onError: report('job'), podFailureBackoff: opts.jobPodFailureBackoffMs !== undefined ? { baseMs: opts.jobPodFailureBackoffMs } : {} }, signal),
    await runCronJobController({ client, onError: report('cronjob') }, signal),
    await runDisruptionController({ client, onError: report('disruption') }, signal),
  ];
  return { stopped: Promise.all(running.map((r) => r.stopped)).then(() => undefined) };
}
