// The service proxy as the agent sees it: started with the node's informers and addresses, it keeps
// this node's iptables in step with Services and EndpointSlices until stopped.
import type { Informer } from '../client/informer.js';
import type { NetworkStopOptions, RunCommand } from '../network/host-command.js';

export interface ServiceProxy {
  /** Resolves once the informers have synced and the first rules are in; rejects when the proxy cannot start (iptables missing, first write refused). */
  readonly synced: Promise<void>;
  /** Re-reads the kernel's rules, repairs anything changed behind our back and writes what is due; resolves when done. */
  syncNow(): Promise<void>;
  /** Removes every chain and jump the proxy made. Sysctls it set stay set. */
  stop(o?: NetworkStopOptions): Promise<void>;
}

export interface ServiceProxyOptions {
  /** core/v1 Services. */
  services: Informer;
  /** discovery.k8s.io/v1 EndpointSlices. */
  endpointSlices: Informer;
  nodeName: string;
  /** Where NodePorts answer (127.0.0.1 too); fixed for the proxy's life. */
  nodeIPs: readonly string[];
  clusterCidr: string;
  /** How iptables and sysctl run; tests pass `runInNetns(ns)`. */
  run?: RunCommand;
  log?(msg: string, fields?: Record<string, unknown>): void;
  /** How often the kernel's rules are compared with ours (drift); default 15 s. */
  resyncMs?: number;
  masqueradeMark?: number;
}

export type ServiceProxyErrorCode = 'IptablesMissing' | 'SyncFailed';

export class ServiceProxyError extends Error {
  constructor(readonly code: ServiceProxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceProxyError';
  }
}
