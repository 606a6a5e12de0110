// The Prometheus configuration `k3ts up --monitoring` writes: the API server's /metrics, and every
// node's kubelet API /metrics through the API server's node proxy (so Prometheus needs no route
// into the nodes' namespaces and no kubelet port), with a client certificate of a user that may
// read just that.
import { stringify } from 'yaml';

export interface ScrapeConfigOptions {
  /** host:port of the API server as Prometheus reaches it. */
  apiServer: string;
  nodes: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
  scrapeIntervalSeconds: number;
}

export function renderScrapeConfig(o: ScrapeConfigOptions): string {
  const tls = { ca_file: o.caFile, cert_file: o.certFile, key_file: o.keyFile };
  const config = {
    global: { scrape_interval: `${o.scrapeIntervalSeconds}s`, scrape_timeout: `${Math.max(1, o.scrapeIntervalSeconds - 1)}s` },
    scrape_configs: [
      { job_name: 'apiserver', scheme: 'https', tls_config: tls, static_configs: [{ targets: [o.apiServer] }] },
      {
        job_name: 'kubelet',
        scheme: 'https',
        tls_config: tls,
        // One target per node, all at the API server: the path picks the node, `node` names it.
        static_configs: o.nodes.map((node) => ({
          targets: [o.apiServer],
          labels: { __metrics_path__: `/api/v1/nodes/${encodeURIComponent(node)}/proxy/metrics`, node, instance: node },
        })),
      },
    ],
  };
  return `# Written by k3ts up --monitoring; rewritten at every up.\n${stringify(config, { aliasDuplicateObjects: false })}`;
}
