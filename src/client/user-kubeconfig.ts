// `k3ts kubeconfig create`: a client certificate for a user, obtained the way any client would,
// through a CertificateSigningRequest for kubernetes.io/kube-apiserver-client that the caller
// approves. The private key is made here and never leaves this process except in the output.
import { createCertificateRequest } from '../pki/sign-request.js';
import { renderKubeconfig } from '../pki/kubeconfig.js';
import { getIfExists, hasReason, type Client, type ResourceType } from './types.js';
import { ServerUnavailableError } from './status-error.js';

const csrType: ResourceType = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** The API's floor (expirationSeconds ≥ 600) and the signer's ceiling (a longer one would be cut). */
export const MIN_TTL_MS = 600_000;
export const MAX_TTL_MS = 365 * 86_400_000;

export interface UserKubeconfigOptions {
  client: Client;
  /** Written into the kubeconfig, with the CA that clients pin. */
  server: string;
  caPem: string;
  user: string;
  groups: readonly string[];
  ttlMs: number;
  /** How long to wait for the signer; default 30 s. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A failure worth one line to the user (the CLI prints `message` and exits 1). */
export class UserKubeconfigError extends Error {}

const stamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function explain(err: unknown, server: string): Error {
  if (err instanceof UserKubeconfigError) return err;
  if (err instanceof ServerUnavailableError) return new UserKubeconfigError(`cannot reach the API server at ${server} (${err.message}); check --server or the kubeconfig`);
  return new UserKubeconfigError((err as Error)?.message ?? String(err));
}

export async function createUserKubeconfig(o: UserKubeconfigOptions): Promise<string> {
  if (!o.user) throw new UserKubeconfigError('the user name may not be empty');
  if (o.groups.includes('system:masters')) throw new UserKubeconfigError('the kube-apiserver-client signer never issues system:masters certificates; bind a ClusterRole (e.g. cluster-admin) to the user or group instead');
  if (o.ttlMs < MIN_TTL_MS || o.ttlMs > MAX_TTL_MS) throw new UserKubeconfigError('--ttl must be at least 10m and at most 8760h (one year, the signer\'s maximum)');
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const { requestPem, keyPem } = await createCertificateRequest({ commonName: o.user, organizations: o.groups });
  let name: string | undefined;
  try {
    const created = await o.client.create(csrType, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'k3ts-kubeconfig-', labels: { 'k3ts.io/kubeconfig-user': /^[A-Za-z0-9._-]{1,63}$/.test(o.user) ? o.user : 'other' } },
      spec: { request: Buffer.from(requestPem).toString('base64'), signerName: CLIENT_SIGNER, expirationSeconds: Math.round(o.ttlMs / 1000), usages: ['digital signature', 'client auth'] },
    });
    name = created.metadata.name!;
    created.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'K3tsKubeconfigCreate', message: 'approved by k3ts kubeconfig create', lastUpdateTime: stamp() }] };
    try {
      await o.client.update(csrType, created, { subresource: 'approval' });
    } catch (err) {
      if (hasReason(err, 'Forbidden')) {
        throw new UserKubeconfigError(`${(err as Error).message} (the kubeconfig's user needs update on certificatesigningrequests/approval and approve on signers "${CLIENT_SIGNER}"; use an admin kubeconfig)`);
      }
      throw err;
    }
    const deadline = Date.now() + (o.timeoutMs ?? 30_000);
    for (;;) {
      const csr = await getIfExists(o.client, csrType, undefined, name);
      if (!csr) throw new UserKubeconfigError(`the certificate signing request ${name} disappeared before it was issued`);
      const status = (csr.status ?? {}) as { certificate?: string; conditions?: Array<{ type?: string; message?: string }> };
      if (status.certificate) {
        return renderKubeconfig({ server: o.server, caPem: o.caPem, certPem: Buffer.from(status.certificate, 'base64').toString('utf8'), keyPem, clusterName: 'default', userName: o.user, contextName: `${o.user}@default` });
      }
      const failed = status.conditions?.find((c) => c.type === 'Failed');
      if (failed) throw new UserKubeconfigError(`the signer refused the request: ${failed.message ?? 'no reason given'}`);
      if (Date.now() > deadline) throw new UserKubeconfigError(`no certificate for ${name} after ${Math.round((o.timeoutMs ?? 30_000) / 1000)}s: is the server's CSR signer running (a server started with its CA keys)?`);
      await sleep(200);
    }
  } catch (err) {
    // A request that will never be used is not left behind.
    if (name) await o.client.delete(csrType, undefined, name).catch(() => undefined);
    throw explain(err, o.server);
  }
}
