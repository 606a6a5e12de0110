// Removes CertificateSigningRequests that have done their job, on upstream's schedule: approved,
// denied or failed ones an hour after that condition was last updated, pending ones a day after
// creation, issued ones once their certificate has expired. Each request is looked at again when
// its own deadline comes, rather than polling them all.
import { X509Certificate } from 'node:crypto';
import { getIfExists, hasReason, type Client } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { csrCertificate, csrConditions, decodeBytes } from '../../registry/validation/csr.js';
import { runController, type ReconcileResult, type RunningController } from '../runtime/run-controller.js';
import { csrType } from './signer.js';

const HOUR_MS = 3_600_000;
export const DECIDED_TTL_MS = HOUR_MS;
export const PENDING_TTL_MS = 24 * HOUR_MS;

export interface CsrCleanerOptions {
  client: Client;
  now?: () => Date;
  onError?(key: string, err: unknown): void;
}

const time = (s: unknown) => (typeof s === 'string' ? Date.parse(s) : NaN);

/** When the request may go (ms since the epoch): the earliest deadline any rule gives it. */
export function csrDeadline(csr: KObject): number {
  const deadlines: number[] = [];
  const conditions = csrConditions(csr).filter((c) => c?.status === 'True' && (c.type === 'Approved' || c.type === 'Denied' || c.type === 'Failed'));
  for (const c of conditions) {
    const at = time(c.lastUpdateTime);
    // A condition without a time counts from creation, so it still goes.
    deadlines.push((Number.isNaN(at) ? time(csr.metadata.creationTimestamp) : at) + DECIDED_TTL_MS);
  }
  if (conditions.length === 0) deadlines.push(time(csr.metadata.creationTimestamp) + PENDING_TTL_MS);
  const cert = decodeBytes(csrCertificate(csr));
  if (cert?.length) {
    try {
      deadlines.push(Date.parse(new X509Certificate(cert).validTo));
    } catch {
      // validation only stores readable certificates; an unreadable one keeps the other deadlines
    }
  }
  return Math.min(...deadlines.filter((d) => !Number.isNaN(d)));
}

export async function reconcileCsrCleanup(o: CsrCleanerOptions, name: string): Promise<ReconcileResult | void> {
  const csr = await getIfExists(o.client, csrType, undefined, name);
  if (!csr) return;
  const wait = csrDeadline(csr) - (o.now?.() ?? new Date()).getTime();
  // Timers cannot wait longer than ~24 days; looking again after a day is harmless.
  if (wait > 0) return { requeueAfterMs: Math.min(wait, PENDING_TTL_MS) };
  try {
    await o.client.delete(csrType, undefined, name, { preconditions: { uid: csr.metadata.uid } });
  } catch (err) {
    if (!hasReason(err, 'NotFound')) throw err;
  }
}

export function runCsrCleaner(o: CsrCleanerOptions, signal: AbortSignal): Promise<RunningController> {
  return runController({ name: 'csr-cleaner', client: o.client, for: csrType, reconcile: (key) => reconcileCsrCleanup(o, key), onError: o.onError }, signal);
}
