// The control plane without its HTTPS front: datastore, admission, bootstrap objects and the
// server-side controllers, reachable through an in-process client. `k3ts server` puts the API
// server in front of it; tests use it directly.
import { setMaxListeners } from 'node:events';
import type { Backend } from '../storage/backend.js';
import { ObjectStore } from '../apiserver/store/object-store.js';
import type { ResourceContext } from '../apiserver/resources/context.js';
import { namespaceLifecycle } from '../apiserver/admission/namespace-lifecycle.js';
import { createServiceAllocator } from '../apiserver/admission/service-allocator.js';
import { createLocalClient } from '../apiserver/local-client.js';
import { intToIp, parseCidr } from '../network/ipv4.js';
import { hasReason, type Client } from '../client/types.js';
import { registry } from '../registry/index.js';
import { runNamespaceController } from '../controllers/namespace.js';
import { runRootCaPublisher } from '../controllers/root-ca-publisher.js';
import { bootstrapCluster } from './bootstrap.js';
import { runScheduler } from '../scheduler/scheduler.js';
import { nodeRestriction } from '../apiserver/admission/node-restriction.js';
import { defaultTolerations } from '../apiserver/admission/default-tolerations.js';
import { runClusterControllers, type ClusterControllersOptions } from '../controllers/cluster.js';
import { runWorkloadControllers } from '../controllers/workloads/index.js';
import { runVolumeControllers } from '../controllers/volumes/index.js';
import type { Logger } from './log.js';
import { createRbac, type Rbac } from '../apiserver/rbac/rbac.js';
import { ensureDefaultPolicy } from './bootstrap-rbac.js';
import { startObjectCache } from '../controllers/runtime/object-cache.js';
import { runClusterRoleAggregation } from '../controllers/clusterrole-aggregation.js';

export interface ControlPlaneOptions {
  backend: Backend;
  serviceCidr: string;
  nodePortRange: { min: number; max: number };
  /** host and port recorded in the `kubernetes` Service's Endpoints. */
  advertiseAddress: string;
  port: number;
  /** The cluster's serving CA, published to every namespace as kube-root-ca.crt. */
  caPem: string;
  /** Pod network, one /24 per node. */
  clusterCidr?: string;
  nodeMonitorGracePeriodMs?: number;
  notReadyTolerationSeconds?: number;
  unreachableTolerationSeconds?: number;
  /** HPA sync period, downscale window and resource metrics source (none yet: HPAs report FailedGetResourceMetric). */
  horizontalPodAutoscaler?: ClusterControllersOptions['horizontalPodAutoscaler'];
  /** Only namespace deletion and the root CA publisher: for tests of one controller, scheduler or
   *  kubelet that must not meet a second copy of itself or the others writing the same objects. */
  coreControllersOnly?: boolean;
  /** Run the built-in local-path provisioner and its default StorageClass (default true). */
  localStorage?: boolean;
  log: Logger;
}

export interface ControlPlane {
  readonly context: ResourceContext;
  readonly client: Client;
  /** The RBAC authorizer and the policy it reads, kept current by watches. */
  readonly rbac: Rbac;
  /** Stops controllers and watches and waits for reconciles in flight; the backend stays open
   *  (its owner closes it). */
  stop(): Promise<void>;
}

/** The first address of the service range: the `kubernetes` Service's ClusterIP (10.43.0.1). */
export function apiServiceIP(serviceCidr: string): string {
  return intToIp(parseCidr(serviceCidr).base + 1);
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const base = { store: new ObjectStore(o.backend), registry };
  const allocator = createServiceAllocator(base, { serviceCidr: o.serviceCidr, nodePortRange: o.nodePortRange });
  const rbac = createRbac();
  const ctx: ResourceContext = { ...base, admission: [
      namespaceLifecycle(base),
      rbac.escalation,
      nodeRestriction(),
      defaultTolerations({ notReadySeconds: o.notReadyTolerationSeconds ?? 300, unreachableSeconds: o.unreachableTolerationSeconds ?? 300 }),
      allocator,
    ],
  };
  const controllers = new AbortController();
  // One signal stops every controller and each of its watches (about 60 listeners today); the
  // default limit of 10 would call that a leak. A real leak still gets noticed past this bound.
  setMaxListeners(200, controllers.signal);
  const running: Array<Promise<void>> = [];
  const stop = async () => {
    controllers.abort();
    allocator.stop();
    await Promise.all(running);
  };
  try {
    await allocator.start();
    await bootstrapCluster(ctx, { advertiseAddress: o.advertiseAddress, port: o.port, serviceIP: apiServiceIP(o.serviceCidr), serviceCidr: o.serviceCidr });
    await ensureDefaultPolicy(ctx);
    const client = createLocalClient(ctx);
    const rbacType = (resource: string) => ({ group: 'rbac.authorization.k8s.io', version: 'v1', resource });
    const rbacError = (err: unknown) => o.log.warn('rbac policy watch', { error: (err as Error)?.message ?? String(err) });
    const [roles, clusterRoles, roleBindings, clusterRoleBindings] = await Promise.all(
      ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map((r) => startObjectCache({ client, type: rbacType(r), onError: rbacError }, controllers.signal)),
    );
    rbac.attach({ roles, clusterRoles, roleBindings, clusterRoleBindings });
    const aggregation = await runClusterRoleAggregation(
      { client, cache: clusterRoles, onError: (key, err) => o.log.warn('clusterrole aggregation', { key, error: (err as Error)?.message ?? String(err) }) },
      controllers.signal,
    );
    running.push(aggregation.stopped);
    const namespaces = await runNamespaceController(
      {
        client,
        namespacedTypes: registry.descriptors.filter((d) => d.namespaced && !d.conversion).map((d) => ({ group: d.group, version: d.version, resource: d.plural })),
        onError: (key, err) => o.log.warn('namespace controller', { namespace: key, error: (err as Error)?.message ?? String(err) }),
      },
      controllers.signal,
    );
    const rootCa = await runRootCaPublisher(
      { client, caPem: o.caPem, onError: (key, err) => o.log.warn('root CA publisher', { namespace: key, error: (err as Error)?.message ?? String(err) }) },
      controllers.signal,
    );
    // A Conflict is retried at once with fresh state: normal under concurrency, not worth a line.
    running.push(namespaces.stopped, rootCa.stopped);
    if (o.coreControllersOnly) return { context: ctx, client, rbac, stop };
    const warn = (what: string) => (key: string, err: unknown) => {
      if (!hasReason(err, 'Conflict')) o.log.warn(what, { key, error: (err as Error)?.message ?? String(err) });
    };
    const scheduler = await runScheduler({ client, onError: (err) => warn('scheduler')('', err) }, controllers.signal);
    const cluster = await runClusterControllers(
      {
        client,
        clusterCidr: o.clusterCidr ?? '10.42.0.0/16',
        nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs,
        horizontalPodAutoscaler: o.horizontalPodAutoscaler,
        descriptors: registry.descriptors.filter((d) => !d.ephemeral && !d.conversion).map((d) => ({ group: d.group, version: d.version, resource: d.plural, kind: d.kind, namespaced: d.namespaced })),
        onError: (controller, key, err) => warn(controller)(key, err),
      },
      controllers.signal,
    );
    const workloads = await runWorkloadControllers({ client, onError: (controller, key, err) => warn(controller)(key, err) }, controllers.signal);
    running.push(scheduler.stopped, cluster.stopped, workloads.stopped);
    const volumes = await runVolumeControllers({ client, localStorage: o.localStorage, onError: (controller, key, err) => warn(controller)(key, err) }, controllers.signal);
    running.push(volumes.stopped);
    return { context: ctx, client, rbac, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
