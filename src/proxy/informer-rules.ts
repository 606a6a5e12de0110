// The rules for what the informers hold now: the one place the proxy implementations read them.
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { buildProxyRules, type ProxyRules, type ProxyRulesCache } from './rules.js';
import type { ServiceProxyOptions } from './types.js';

export function rulesFromInformers(o: Omit<ServiceProxyOptions, 'run' | 'resyncMs' | 'log'>, cache: ProxyRulesCache): ProxyRules {
  return buildProxyRules(
    {
      // Informers hold untyped objects; these two kinds are Services and EndpointSlices by construction.
      services: o.services.list() as unknown as Service[],
      endpointSlices: o.endpointSlices.list() as unknown as EndpointSlice[],
      nodeName: o.nodeName,
      nodeIPs: o.nodeIPs,
      clusterCidr: o.clusterCidr,
      options: { masqueradeMark: o.masqueradeMark },
    },
    cache,
  );
}
