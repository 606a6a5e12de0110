// K3s's external-etcd endpoint form: `http(s)://host:port[,http(s)://host2:port...]`. Each member is
// parsed on its own (a cluster may mix schemes while moving to TLS); what is printed anywhere is
// `display`, which never carries credentials.

export interface EtcdEndpoint {
  /** `http://host:port`, also what logs and errors show. */
  url: string;
  /** host:port as gRPC wants it (IPv6 hosts keep their brackets). */
  address: string;
  /** Hostname without brackets, checked against the server certificate. */
  hostname: string;
  tls: boolean;
}

const DEFAULT_PORT = 2379;

/** Parses a comma-separated list of etcd client URLs; throws one line naming the bad member. */
export function parseEtcdEndpoints(endpoint: string): EtcdEndpoint[] {
  const parts = endpoint.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('etcd endpoint list is empty; use http(s)://host:port[,http(s)://host:port]');
  return parts.map((part, i) => parseOne(part, i));
}

function parseOne(part: string, index: number): EtcdEndpoint {
  let url: URL;
  try {
    url = new URL(part);
  } catch {
    // The raw text might hold credentials; say which member, not what it was.
    throw new Error(`etcd endpoint #${index + 1} is not a URL; use http(s)://host:port`);
  }
  const where = `etcd endpoint ${url.protocol}//${url.host}`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${where}: scheme must be http or https`);
  if (url.username || url.password) {
    throw new Error(`${where}: user names and passwords in the URL are not supported; use TLS client certificates`);
  }
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    throw new Error(`${where}: an etcd endpoint is only scheme://host:port (no path or query)`);
  }
  if (!url.hostname) throw new Error(`${where}: no host`);
  const port = url.port ? Number(url.port) : DEFAULT_PORT;
  const host = url.hostname;
  return {
    url: `${url.protocol}//${host}:${port}`,
    address: `${host}:${port}`,
    hostname: host.replace(/^\[(.*)\]$/, '$1'),
    tls: url.protocol === 'https:',
  };
}

/** The endpoints as users wrote them, minus anything secret: for logs and error messages. */
export function displayEndpoints(endpoints: readonly EtcdEndpoint[]): string {
  return endpoints.map((e) => e.url).join(',');
}
