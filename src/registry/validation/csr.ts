// certificates.k8s.io/v1 CertificateSigningRequest validation, with upstream's rules and wording:
// a request that parses and verifies, known usages, a qualified signer name, at least ten minutes,
// and conditions that only the right subresource may add, never remove.
import { X509Certificate } from 'node:crypto';
import { CertificateRequestError, readCertificateRequest } from '../../pki/certificate-request.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject } from '../types.js';
import { asObject, semanticEqual } from './common.js';
import { validateMeta } from './meta.js';
import { nameIsPathSegment } from './names.js';
import { validateSignerName } from './signer-name.js';

export const KNOWN_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
] as const;

export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';
const ONE_TRUE_STATUS = new Set(['Approved', 'Denied', 'Failed']);

export interface CsrCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export const csrSpec = (obj: KObject) => asObject(obj.spec) as { request?: unknown; signerName?: unknown; usages?: unknown; expirationSeconds?: unknown; username?: string; groups?: string[] };
export const csrConditions = (obj: KObject | undefined): CsrCondition[] => {
  const list = (asObject(obj?.status) as { conditions?: unknown }).conditions;
  return Array.isArray(list) ? (list as CsrCondition[]) : [];
};
export const csrCertificate = (obj: KObject | undefined): string => {
  const c = (asObject(obj?.status) as { certificate?: unknown }).certificate;
  return typeof c === 'string' ? c : '';
};

/** Base64 (the JSON form of []byte) to text; undefined when it is not base64. */
export function decodeBytes(value: unknown): Buffer | undefined {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) return undefined;
  return Buffer.from(value, 'base64');
}

/** How Go prints a []byte with %#v, which upstream's field errors use for the request. */
const goBytes = (b: Buffer) => (b.length === 0 ? '[]byte(nil)' : `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`);

function validateRequest(value: unknown): FieldError[] {
  const bytes = decodeBytes(value);
  if (!bytes) return [fieldError.invalid('spec.request', value, 'illegal base64 data')];
  try {
    readCertificateRequest(bytes.toString('latin1'));
    return [];
  } catch (err) {
    if (!(err instanceof CertificateRequestError)) throw err;
    return [fieldError.invalidGo('spec.request', goBytes(bytes), err.message)];
  }
}

/** Every PEM block must be a CERTIFICATE without headers, and there must be one. */
function certificateProblem(pem: string): string | undefined {
  const blocks = [...pem.matchAll(/-----BEGIN ([^\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const [, type, body] of blocks) {
    if (type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${type}"`;
    if (body!.includes(':')) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(Buffer.from(body!.replace(/\s+/g, ''), 'base64'));
    } catch (err) {
      return `x509: malformed certificate (${(err as Error).message})`;
    }
  }
  return undefined;
}

function validateConditions(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  csrConditions(obj).forEach((c, i) => {
    const at = `status.conditions[${i}]`;
    const type = typeof c?.type === 'string' ? c.type : '';
    if (!type) errs.push(fieldError.required(`${at}.type`));
    const allowed = ONE_TRUE_STATUS.has(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c?.status) errs.push(fieldError.required(`${at}.status`));
    else if (!allowed.includes(c.status)) errs.push(fieldError.notSupported(`${at}.status`, c.status, allowed));
    if ((type === 'Approved' && denied) || (type === 'Denied' && approved)) {
      errs.push(fieldError.invalid(`${at}.type`, type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (type === 'Approved') approved = true;
    if (type === 'Denied') denied = true;
    if (seen.has(type)) errs.push(fieldError.duplicate(`${at}.type`, type));
    seen.add(type);
  });
  return errs;
}

function validateCsr(obj: KObject, old: KObject | undefined): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsPathSegment }, old);
  const spec = csrSpec(obj);
  errs.push(...validateRequest(spec.request));
  const usages = Array.isArray(spec.usages) ? spec.usages : [];
  if (usages.length === 0) errs.push(fieldError.required('spec.usages'));
  usages.forEach((u, i) => {
    if (!(KNOWN_USAGES as readonly unknown[]).includes(u)) errs.push(fieldError.notSupported(`spec.usages[${i}]`, u, KNOWN_USAGES));
  });
  usages.forEach((u, i) => {
    if (usages.indexOf(u) < i) errs.push(fieldError.duplicate(`spec.usages[${i}]`, u));
  });
  if (spec.signerName === LEGACY_UNKNOWN_SIGNER) {
    errs.push(fieldError.invalid('spec.signerName', spec.signerName, 'the legacy signerName is not allowed via this API version'));
  } else errs.push(...validateSignerName('spec.signerName', spec.signerName));
  const seconds = spec.expirationSeconds;
  if (seconds !== undefined && seconds !== null) {
    if (typeof seconds !== 'number' || !Number.isInteger(seconds)) errs.push(fieldError.invalid('spec.expirationSeconds', seconds, 'must be an integer'));
    else if (seconds < 600) errs.push(fieldError.invalid('spec.expirationSeconds', seconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateConditions(obj));
  const cert = csrCertificate(obj);
  // An unchanged certificate was checked when it was written.
  if (cert && cert !== csrCertificate(old)) {
    const pem = decodeBytes(cert);
    const problem = pem ? certificateProblem(pem.toString('latin1')) : 'illegal base64 data';
    if (problem) errs.push(fieldError.invalid('status.certificate', '<certificate data>', problem));
  }
  return errs;
}

export const validateCsrCreate = (obj: KObject): FieldError[] => validateCsr(obj, undefined);

export type CsrUpdatePath = 'main' | 'status' | 'approval';

/** Only the approval subresource adds Approved or Denied, only status sets the certificate (once),
 *  and no path removes an Approved, Denied or Failed condition. */
export function validateCsrUpdate(obj: KObject, old: KObject, path: CsrUpdatePath): FieldError[] {
  const errs = validateCsr(obj, old);
  const ofType = (o: KObject, t: string) => csrConditions(o).filter((c) => c?.type === t);
  for (const t of ['Approved', 'Denied', 'Failed']) {
    if (ofType(obj, t).length < ofType(old, t).length) errs.push(fieldError.forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
  }
  if (path !== 'approval') {
    for (const t of ['Approved', 'Denied']) {
      const [now, before] = [ofType(obj, t), ofType(old, t)];
      if (now.length > before.length) errs.push(fieldError.forbidden('status.conditions', `updates may not add a condition of type "${t}"`));
      else if (now.length === before.length && !semanticEqual(now, before)) errs.push(fieldError.forbidden('status.conditions', `updates may not modify a condition of type "${t}"`));
    }
  }
  const [cert, oldCert] = [csrCertificate(obj), csrCertificate(old)];
  if (cert !== oldCert) {
    if (path !== 'status') errs.push(fieldError.forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCert) errs.push(fieldError.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}
