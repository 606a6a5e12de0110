// The pod network across nodes as the agent sees it: start it with the node's Informer and identity,
// hand its MTU to the CNI bridge, report its conditions on the Node, stop it on shutdown.
import type { NodeCondition } from 'kubernetes-types/core/v1.js';
import type { Informer } from '../../client/informer.js';
import type { KObject } from '../../registry/types.js';
import type { NetworkStopOptions, RunCommand } from '../host-command.js';
import type { ProbeTransport } from './probe-transport.js';

export type OverlayBackend = 'vxlan' | 'host-gw' | 'none';

/** The parts of a Node the overlay reads. */
export interface OverlayNode extends KObject {
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: Array<{ type: string; address: string }> };
}

export interface OverlayLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface PodNetworkOptions {
  nodes: Informer<OverlayNode>;
  nodeName: string;
  /** The address peers reach this node at (the VXLAN tunnel's outer source). */
  nodeIP: string;
  /** The underlay interface; default: the one holding `nodeIP`. */
  iface?: string;
  backend: OverlayBackend;
  /** The whole pod range, e.g. 10.42.0.0/16: pod→pod inside it is never masqueraded. */
  clusterCidr: string;
  /** Merges these into this node's annotations (a patch by the agent's client). */
  annotate(annotations: Record<string, string>): Promise<void>;
  /** Host commands, in the node's network namespace; default: this process's. */
  run?: RunCommand;
  /** The peer check's sockets; default: UDP sockets in this process's network namespace. */
  probes?: ProbeTransport;
  /** How often the desired state is re-applied without a Node change (drift repair). */
  resyncMs?: number;
  /** How often every peer is probed. */
  probeIntervalMs?: number;
  log: OverlayLog;
}

export interface PodNetwork {
  /** The MTU the CNI bridge and the pods' interfaces must use (the conflist's `mtu`). */
  readonly mtu: number;
  /** Resolves once this node's podCIDR is routed (device, address, annotations published). */
  readonly ready: Promise<void>;
  /** NetworkUnavailable and OverlayReachable, to be merged into the Node's status by the kubelet. */
  conditions(): NodeCondition[];
  /** Called whenever `conditions()` would return something different; returns an unsubscribe. */
  onConditionsChange(fn: (conditions: NodeCondition[]) => void): () => void;
  /** Removes the device (and with it the routes, neighbours and fdb entries), our routes and our iptables chains. */
  stop(o?: NetworkStopOptions): Promise<void>;
}
