// The certificates controllers a server runs when it holds the CA keys: the signer for the
// built-in signer names and the cleaner of finished requests.
import type { Client } from '../../client/types.js';
import type { CertificateIssuer } from '../../pki/issue.js';
import { runCsrCleaner } from './cleaner.js';
import { runCsrSigner } from './signer.js';
import type { CaRole } from './signer-rules.js';

export interface CertificateControllersOptions {
  client: Client;
  cas: Readonly<Record<CaRole, CertificateIssuer>>;
  maxDurationMs?: number;
  onError?(controller: string, key: string, err: unknown): void;
}

export async function runCertificateControllers(o: CertificateControllersOptions, signal: AbortSignal): Promise<{ stopped: Promise<void> }> {
  const report = (controller: string) => (key: string, err: unknown) => o.onError?.(controller, key, err);
  const signer = await runCsrSigner({ client: o.client, cas: o.cas, maxDurationMs: o.maxDurationMs, onError: report('csr-signer') }, signal);
  const cleaner = await runCsrCleaner({ client: o.client, onError: report('csr-cleaner') }, signal);
  return { stopped: Promise.all([signer.stopped, cleaner.stopped]).then(() => undefined) };
}
