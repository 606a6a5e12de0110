// The cluster-wide controllers a server runs besides the workload ones: garbage collection,
// Endpoints and EndpointSlices, node IPAM, default ServiceAccounts, node lifecycle and taint
// eviction, pod GC, node password cleanup, ServiceLB and the cluster DNS Service's endpoints. One starter, so the server wires them in one place.
import type { Client } from '../client/types.js';
import { runEndpointsController } from './endpoints.js';
import { runEndpointSliceController } from './endpointslices/controller.js';
import { runGarbageCollector } from './gc/collector.js';
import type { KindRef } from './gc/graph.js';
import { runNodeIpam } from './node-ipam.js';
import { runNodeLifecycle } from './node-lifecycle/controller.js';
import { runTaintEviction } from './node-lifecycle/taint-eviction.js';
import { runNodePasswordCleanup } from './node-password-cleanup.js';
import { runPodGc } from './pod-gc.js';
import { runServiceAccountsController } from './serviceaccounts.js';
import { runServiceLb } from './service-lb.js';
import { runDnsEndpointsController } from './dns-endpoints.js';
import { runHpaController, type HpaControllerOptions } from './hpa/controller.js';

export interface ClusterControllersOptions {
  client: Client;
  /** The pod network, split into one range per Node, e.g. '10.42.0.0/16'. */
  clusterCidr: string;
  nodeCidrMaskSize?: number;
  nodeMonitorGracePeriodMs?: number;
  nodeMonitorPeriodMs?: number;
  podGcOrphanDelayMs?: number;
  /** Every kind the garbage collector follows: those that can be listed and watched. */
  descriptors: KindRef[];
  /** Kinds served later (custom resources), for the garbage collector. */
  followKinds?(handlers: { added(k: KindRef): void; removed(k: KindRef): void }): void;
  /** Sync period, downscale window and the resource metrics source of the HPA controller. */
  horizontalPodAutoscaler?: Omit<HpaControllerOptions, 'client' | 'onError'>;
  onError?(controller: string, key: string, err: unknown): void;
}

export async function runClusterControllers(o: ClusterControllersOptions, signal: AbortSignal): Promise<{ stopped: Promise<void> }> {
  const { client } = o;
  const report = (controller: string) => (key: string, err: unknown) => o.onError?.(controller, key, err);
  const started: Array<Promise<void>> = [];
  // If one fails to start, those already running stop with the caller's signal; nothing leaks.
  const run = async (p: Promise<{ stopped: Promise<void> }>) => started.push((await p).stopped);
  await run(runGarbageCollector({ client, kinds: o.descriptors, followKinds: o.followKinds, onError: report('garbage-collector') }, signal));
  await run(runEndpointsController({ client, onError: report('endpoints') }, signal));
  await run(runEndpointSliceController({ client, onError: report('endpointslice') }, signal));
  await run(runNodeIpam({ client, clusterCidr: o.clusterCidr, nodeCidrMaskSize: o.nodeCidrMaskSize, onError: report('node-ipam') }, signal));
  await run(runServiceAccountsController({ client, onError: report('serviceaccount') }, signal));
  await run(runNodeLifecycle({ client, nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs, nodeMonitorPeriodMs: o.nodeMonitorPeriodMs, onError: report('node-lifecycle') }, signal));
  await run(runTaintEviction({ client, onError: report('taint-eviction') }, signal));
  await run(runPodGc({ client, orphanDelayMs: o.podGcOrphanDelayMs, onError: (err) => report('pod-gc')('', err) }, signal));
  await run(runNodePasswordCleanup({ client, onError: report('node-password-cleanup') }, signal));
  await run(runServiceLb({ client, onError: report('service-lb') }, signal));
  await run(runDnsEndpointsController({ client, onError: report('dns-endpoints') }, signal));
  await run(runHpaController({ ...o.horizontalPodAutoscaler, client, onError: report('horizontal-pod-autoscaler') }, signal));
  return { stopped: Promise.all(started).then(() => undefined) };
}
