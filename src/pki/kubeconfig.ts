import { stringify } from 'yaml';
import { writeFileAtomic } from './files.js';

export interface KubeconfigOptions {
  path: string;
  /** e.g. `https://127.0.0.1:6443` */
  server: string;
  /** CA that signed the server's certificate. */
  caPem: string;
  /** Client certificate and key; give these, or `token`, or both. */
  certPem?: string;
  keyPem?: string;
  /** Bearer token. */
  token?: string;
  /** File mode: a number (0o600) or octal text as `--write-kubeconfig-mode` takes it ("644", "0644"). Default 0600. */
  mode?: number | string;
  clusterName?: string;
  /** Defaults to clusterName, as K3s names all three "default". */
  userName?: string;
  contextName?: string;
  namespace?: string;
  /** Verify the server certificate for this name instead of the URL's host. */
  tlsServerName?: string;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export function parseFileMode(mode: number | string | undefined, fallback = 0o600): number {
  if (mode === undefined || mode === '') return fallback;
  const value = typeof mode === 'number' ? mode : /^0?o?[0-7]{3,4}$/.test(mode) ? parseInt(mode.replace(/^0?o?/, ''), 8) : NaN;
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new Error(`invalid kubeconfig mode ${String(mode)}; use octal like 0600 or 0644`);
  }
  return value;
}

export function renderKubeconfig(options: Omit<KubeconfigOptions, 'path' | 'mode'>): string {
  const clusterName = options.clusterName ?? 'default';
  const userName = options.userName ?? clusterName;
  const contextName = options.contextName ?? clusterName;
  if (!options.token && !(options.certPem && options.keyPem)) throw new Error('kubeconfig needs a client certificate and key, or a token');
  if (!options.certPem !== !options.keyPem) throw new Error('kubeconfig needs both the client certificate and its key');
  const user: Record<string, string> = {};
  if (options.certPem && options.keyPem) {
    user['client-certificate-data'] = base64(options.certPem);
    user['client-key-data'] = base64(options.keyPem);
  }
  if (options.token) user.token = options.token;
  const cluster: Record<string, string> = {
    'certificate-authority-data': base64(options.caPem),
    server: options.server,
  };
  if (options.tlsServerName) cluster['tls-server-name'] = options.tlsServerName;
  const context: Record<string, string> = { cluster: clusterName, user: userName };
  if (options.namespace) context.namespace = options.namespace;
  return stringify(
    {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: userName, user }],
    },
    { lineWidth: 0 },
  );
}

/** Writes (atomically) a kubeconfig with embedded credentials and sets its mode, even over an existing file. */
export async function writeKubeconfig(options: KubeconfigOptions): Promise<void> {
  const mode = parseFileMode(options.mode);
  await writeFileAtomic(options.path, renderKubeconfig(options), mode, 0o755);
}
