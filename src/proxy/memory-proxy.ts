// The proxy for nodes that may not touch iptables (the agent's non-root mode, tests): it follows the
// same informers and computes the same rules, but writes nothing and carries no traffic.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { renderRestore } from './restore.js';
import { buildProxyRules, type ProxyRules } from './rules.js';
import type { ServiceProxy, ServiceProxyOptions } from './types.js';

export interface MemoryServiceProxy extends ServiceProxy {
  /** The rules an iptables proxy would have written for the informers' current contents. */
  rules(): ProxyRules;
  /** The same as iptables-restore input. */
  restoreText(): string;
}

export function startMemoryServiceProxy(o: Omit<ServiceProxyOptions, 'run' | 'resyncMs'>): MemoryServiceProxy {
  const rules = () =>
    buildProxyRules({
      services: o.services.list() as unknown as Service[],
      endpointSlices: o.endpointSlices.list() as unknown as EndpointSlice[],
      nodeName: o.nodeName,
      nodeIPs: o.nodeIPs,
      clusterCidr: o.clusterCidr,
      options: { masqueradeMark: o.masqueradeMark },
    });
  const synced = Promise.all([o.services.synced, o.endpointSlices.synced]).then(() => {
    // Computing once proves the inputs are programmable, as the real proxy's first write would.
    rules();
  });
  synced.catch(() => undefined);
  return {
    synced,
    syncNow: async () => void rules(),
    stop: async () => undefined,
    rules,
    restoreText: () => renderRestore(rules()),
  };
}
