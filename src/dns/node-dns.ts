// The one call an agent makes: the records from its shared informers, the resolvers from the
// host's resolv.conf, and the server on the node's IP.
import type { Informer } from '../client/informer.js';
import type { ResourceType } from '../client/types.js';
import { defaultDnsPort } from './port.js';
import { createClusterRecords, defaultClusterDomain } from './records.js';
import { upstreamFromResolvConf } from './resolv-conf.js';
import { startDnsServer, type DnsLog, type DnsServer } from './server.js';

const services: ResourceType = { group: '', version: 'v1', resource: 'services' };
const endpointSlices: ResourceType = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' };

export interface NodeDnsOptions {
  /** The process's shared informers (`InformerSet`): Services and EndpointSlices are read from them. */
  informers: { for(type: ResourceType): Informer };
  /** The node's IP, where the kube-dns Service's endpoint for this node points. */
  address: string;
  port?: number;
  clusterDomain?: string;
  /** Resolvers for other names; read from `resolvConf` (default /etc/resolv.conf) when absent. */
  upstream?: string[];
  resolvConf?: string;
  log: DnsLog;
}

export async function startNodeDns(o: NodeDnsOptions): Promise<DnsServer> {
  const upstream = o.upstream ?? upstreamFromResolvConf(o.resolvConf);
  if (upstream.length === 0) o.log.warn('dns: no upstream resolvers; names outside the cluster will fail', { resolvConf: o.resolvConf ?? '/etc/resolv.conf' });
  const records = createClusterRecords({ services: o.informers.for(services), endpointSlices: o.informers.for(endpointSlices), zone: o.clusterDomain ?? defaultClusterDomain });
  try {
    const server = await startDnsServer({ records, listen: { address: o.address, port: o.port ?? defaultDnsPort }, upstream, log: o.log });
    return { ...server, stop: async () => (records.stop(), server.stop()) };
  } catch (err) {
    records.stop();
    throw err;
  }
}
