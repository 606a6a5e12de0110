// Issues certificates for approved CertificateSigningRequests addressed to the built-in signers,
// or marks them Failed with the reason they do not fit. Level-triggered: a request that is not
// approved, already failed, already issued or for another signer is left alone, so a second run
// changes nothing.
import { X509Certificate } from 'node:crypto';
import { getIfExists, type Client, type ResourceType } from '../../client/types.js';
import { readCertificateRequest } from '../../pki/certificate-request.js';
import type { CertificateIssuer } from '../../pki/issue.js';
import { signCertificateRequest } from '../../pki/sign-request.js';
import type { KObject } from '../../registry/types.js';
import { csrCertificate, csrConditions, csrSpec, decodeBytes } from '../../registry/validation/csr.js';
import { runController, type RunningController } from '../runtime/run-controller.js';
import { signerRuleFor, type CaRole } from './signer-rules.js';

export const csrType: ResourceType = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };

const MINUTE_MS = 60_000;
/** Upstream's floor for a requested duration: twice the back-dating below. */
const MIN_DURATION_MS = 10 * MINUTE_MS;
/** Back-dated so a client whose clock is a little behind accepts the certificate at once. */
const BACKDATE_MS = 5 * MINUTE_MS;
/** As upstream's --cluster-signing-duration default: one year. */
export const DEFAULT_MAX_DURATION_MS = 365 * 24 * 60 * MINUTE_MS;

export interface CsrSignerOptions {
  client: Client;
  cas: Readonly<Record<CaRole, CertificateIssuer>>;
  /** The longest certificate issued; a longer (or no) expirationSeconds gets this. Default one year. */
  maxDurationMs?: number;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

const isTrue = (obj: KObject, type: string) => csrConditions(obj).some((c) => c?.type === type && c.status === 'True');

/** The validity a request gets: what it asked for within [10 min, max], never past the CA's own end. */
export function validityFor(o: { expirationSeconds?: unknown; maxDurationMs: number; caNotAfter: Date; now: Date }): { notBefore: Date; notAfter: Date } {
  const asked = typeof o.expirationSeconds === 'number' ? o.expirationSeconds * 1000 : o.maxDurationMs;
  const duration = Math.min(Math.max(asked, MIN_DURATION_MS), o.maxDurationMs);
  const notAfter = new Date(Math.min(o.now.getTime() + duration, o.caNotAfter.getTime()));
  return { notBefore: new Date(o.now.getTime() - BACKDATE_MS), notAfter };
}

export async function reconcileCsrSigning(o: CsrSignerOptions, name: string): Promise<void> {
  const csr = await getIfExists(o.client, csrType, undefined, name);
  if (!csr || !isTrue(csr, 'Approved') || isTrue(csr, 'Failed') || csrCertificate(csr)) return;
  const spec = csrSpec(csr);
  const rule = signerRuleFor(String(spec.signerName ?? ''));
  if (!rule) return; // another signer's request
  const now = o.now?.() ?? new Date();
  // Validation admitted it, so it parses; a failure here is a bug worth retrying loudly.
  const request = readCertificateRequest(decodeBytes(spec.request)!.toString('latin1'));
  const usages = Array.isArray(spec.usages) ? (spec.usages as string[]) : [];
  const next = structuredClone(csr);
  const status = (next.status ??= {}) as { conditions?: unknown[]; certificate?: string };
  const problem = rule.problem(request, usages);
  if (problem) {
    const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    status.conditions = [...(status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem, lastUpdateTime: stamp, lastTransitionTime: stamp }];
  } else {
    const issuer = o.cas[rule.ca];
    const caNotAfter = new Date(new X509Certificate(issuer.certPem).validTo);
    const validity = validityFor({ expirationSeconds: spec.expirationSeconds, maxDurationMs: o.maxDurationMs ?? DEFAULT_MAX_DURATION_MS, caNotAfter, now });
    const pem = await signCertificateRequest({ issuer, request, usages, ...validity });
    status.certificate = Buffer.from(pem).toString('base64');
  }
  // A Conflict (someone wrote in between) is retried by the queue with fresh state.
  await o.client.update(csrType, next, { subresource: 'status' });
}

export function runCsrSigner(o: CsrSignerOptions, signal: AbortSignal): Promise<RunningController> {
  return runController({ name: 'csr-signer', client: o.client, for: csrType, reconcile: (key) => reconcileCsrSigning(o, key), onError: o.onError }, signal);
}
