// A node's part of the cluster network, beside its kubelet: the pod overlay to other nodes, the
// service proxy, the node-local cluster DNS and network policy, all fed by one informer per kind.
// Only nodes that run real containers have one: simulated pods have no packets to route.
import { readFileSync } from 'node:fs';
import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import { InformerSet } from '../client/informer.js';
import type { Client, ResourceType } from '../client/types.js';
import type { ConditionSpec, ExtraConditions } from '../kubelet/node-conditions.js';
import type { PodDnsSettings } from '../dns/pod-dns.js';
import { startNodeDns } from '../dns/node-dns.js';
import { parseResolvConf } from '../dns/resolv-conf.js';
import { startPodNetwork, type PodNetwork } from '../network/overlay/index.js';
import { startNetworkPolicy } from '../network/policy/applier.js';
import { startServiceProxy } from '../proxy/iptables-proxy.js';
import type { NetworkStopOptions } from '../network/host-command.js';
import type { NodeNetworkSettings } from './config.js';

const types = {
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpointSlices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  policies: { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies' },
} satisfies Record<string, ResourceType>;

export interface NodeNetworkOptions {
  client: Client;
  nodeName: string;
  nodeIp: string;
  settings: NodeNetworkSettings;
  log(msg: string, fields?: Record<string, unknown>): void;
}

export interface NodeNetwork {
  /** The pods' MTU (the CNI bridge's), as the overlay decides it. */
  readonly podMtu: number;
  /** What pods' resolv.conf says. */
  readonly dns: PodDnsSettings;
  /** NetworkUnavailable and OverlayReachable, for the kubelet to post. */
  readonly conditions: ExtraConditions;
  stop(o?: NetworkStopOptions): Promise<void>;
}

export async function startNodeNetwork(o: NodeNetworkOptions): Promise<NodeNetwork> {
  const { settings: s, client, nodeName } = o;
  const abort = new AbortController();
  const informers = new InformerSet(client, abort.signal, { onError: (err) => o.log('watch failed; listing again', { error: String((err as Error)?.message ?? err) }) });
  const stops: Array<(so: NetworkStopOptions) => Promise<void> | void> = [() => abort.abort()];
  const stop = async (so: NetworkStopOptions = {}) => {
    for (const fn of stops.splice(0).reverse()) await Promise.resolve(fn(so)).catch((err: unknown) => o.log('network part did not stop cleanly', { error: String(err) }));
  };
  try {
    // With backend none as well: it then only reports nothing, and someone else routes between nodes.
    const overlay: PodNetwork = await startPodNetwork({
      nodes: informers.for(types.nodes),
      nodeName,
      nodeIP: o.nodeIp,
      ...(s.iface ? { iface: s.iface } : {}),
      backend: s.backend,
      clusterCidr: s.clusterCidr,
      annotate: async (annotations) => {
        await client.patch(types.nodes, undefined, nodeName, { type: 'merge', body: { metadata: { annotations } } });
      },
      log: { info: (msg) => o.log(msg), warn: (msg) => o.log(msg) },
    });
    stops.push((so) => overlay.stop(so));
    if (s.kubeProxy) {
      const proxy = startServiceProxy({
        services: informers.for(types.services),
        endpointSlices: informers.for(types.endpointSlices),
        nodeName,
        nodeIPs: [o.nodeIp],
        clusterCidr: s.clusterCidr,
        log: o.log,
      });
      stops.push((so) => proxy.stop(so));
      proxy.synced.catch((err: unknown) => o.log('the service proxy could not start', { error: String((err as Error)?.message ?? err) }));
    }
    // A node whose DNS port is taken still runs its pods; they just resolve nothing, and the log says why.
    const dns = await startNodeDns({ informers, address: o.nodeIp, clusterDomain: s.clusterDomain, resolvConf: s.resolvConf, log: { debug: () => undefined, warn: (msg, fields) => o.log(msg, fields) } }).catch((err: unknown) => {
      o.log('cluster DNS could not start on this node', { address: o.nodeIp, error: String((err as Error)?.message ?? err) });
      return undefined;
    });
    if (dns) stops.push(() => dns.stop());
    if (s.networkPolicy) {
      // Enforcement follows every pod of the cluster (peers are anywhere): started only once a
      // NetworkPolicy exists, so clusters without any do not pay for that watch on every node.
      const policies = informers.for(types.policies);
      let policy: ReturnType<typeof startNetworkPolicy> | undefined;
      const begin = () => {
        if (policy || abort.signal.aborted || policies.list().length === 0) return;
        policy = startNetworkPolicy({ pods: informers.for(types.pods), namespaces: informers.for(types.namespaces), policies, nodeName, log: o.log });
      };
      const unsubscribe = policies.subscribe(begin);
      void policies.synced.then(begin);
      stops.push(async (so) => {
        unsubscribe();
        await policy?.stop(so);
      });
    }
    return {
      podMtu: overlay.mtu,
      dns: { clusterDns: s.clusterDns, clusterDomain: s.clusterDomain, host: hostResolvConf(s.resolvConf) },
      conditions: overlayConditions(overlay),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function hostResolvConf(path: string): PodDnsSettings['host'] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'));
  } catch {
    // no resolvers: pods resolve nothing outside the cluster, as on a host without any
    return parseResolvConf('');
  }
}

function overlayConditions(overlay: PodNetwork): ExtraConditions {
  const spec = (c: NodeCondition): ConditionSpec => ({ type: c.type, status: c.status as ConditionSpec['status'], reason: c.reason ?? '', message: c.message ?? '' });
  return { current: () => overlay.conditions().map(spec), subscribe: (fn) => overlay.onConditionsChange(() => fn()) };
}
