// Reads the current context of a kubeconfig (as the server writes it) into what createHttpClient
// needs, so CLI commands such as `k3ts token` talk to the cluster as kubectl would.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface KubeconfigCredentials {
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

const fromData = (data: unknown, file: unknown): string | undefined => {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
  if (typeof file === 'string' && file) return readFileSync(file, 'utf8');
  return undefined;
};

export function loadKubeconfig(path: string): KubeconfigCredentials {
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`cannot read the kubeconfig ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass --kubeconfig or set KUBECONFIG`);
  }
  const pick = <T>(list: unknown, name: unknown): T | undefined => (Array.isArray(list) ? (list as Array<Named<T>>).find((e) => e.name === name) : undefined) as T | undefined;
  const ctx = (pick<Named<Record<string, string>>>(doc.contexts, doc['current-context'])?.context ?? {}) as Record<string, string>;
  const cluster = (pick<Named<Record<string, string>>>(doc.clusters, ctx.cluster)?.cluster ?? {}) as Record<string, string>;
  const user = (pick<Named<Record<string, string>>>(doc.users, ctx.user)?.user ?? {}) as Record<string, string>;
  const caPem = fromData(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (!cluster.server || !caPem) throw new Error(`${path}: the current context has no cluster server or CA`);
  return {
    server: cluster.server,
    caPem,
    certPem: fromData(user['client-certificate-data'], user['client-certificate']),
    keyPem: fromData(user['client-key-data'], user['client-key']),
    token: typeof user.token === 'string' ? user.token : undefined,
  };
}
