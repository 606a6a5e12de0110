// The proxy for nodes that may not touch iptables (the agent's non-root mode, tests): it follows the
// same informers and computes the same rules, but writes nothing and carries no traffic.
import { rulesFromInformers } from './informer-rules.js';
import { renderRestore } from './restore.js';
import { ProxyRulesCache, type ProxyRules } from './rules.js';
import type { ServiceProxy, ServiceProxyOptions } from './types.js';

export interface MemoryServiceProxy extends ServiceProxy {
  /** The rules an iptables proxy would have written for the informers' current contents. */
  rules(): ProxyRules;
  /** The same as iptables-restore input. */
  restoreText(): string;
}

export function startMemoryServiceProxy(o: Omit<ServiceProxyOptions, 'run' | 'resyncMs'>): MemoryServiceProxy {
  const cache = new ProxyRulesCache();
  const rules = () =>
    rulesFromInformers(o, cache);
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
