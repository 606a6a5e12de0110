import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { KObject } from '../types.js';
import { validateCsrCreate, validateCsrUpdate } from './csr.js';
import { validateSignerName } from './signer-name.js';

const request = Buffer.from(
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=u'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
).toString('base64');

const csr = (spec: Record<string, unknown> = {}, status?: Record<string, unknown>): KObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'c' },
  spec: { request, signerName: 'example.com/s', usages: ['client auth'], ...spec },
  ...(status ? { status } : {}),
});
const fields = (errs: Array<{ field: string; message: string }>) => errs.map((e) => `${e.field}: ${e.message}`);
const approved = { type: 'Approved', status: 'True', reason: 'r' };
const denied = { type: 'Denied', status: 'True', reason: 'r' };

describe('CertificateSigningRequest validation', () => {
  it('accepts a well-formed request', () => assert.deepEqual(validateCsrCreate(csr()), []));

  it('refuses the spec faults with upstream paths and words', () => {
    assert.deepEqual(fields(validateCsrCreate(csr({ usages: ['client auth', 'client auth', 'x'], expirationSeconds: 599, signerName: 'kubernetes.io/legacy-unknown' }))), [
      'spec.usages[2]: Unsupported value: "x": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"',
      'spec.usages[1]: Duplicate value: "client auth"',
      'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
      'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)',
    ]);
    assert.deepEqual(fields(validateCsrCreate(csr({ request: undefined }))), ['spec.request: Invalid value: []byte(nil): PEM block type must be CERTIFICATE REQUEST']);
  });

  it('signer names: a domain with two labels and a path', () => {
    assert.deepEqual(validateSignerName('p', 'example.com/a.b'), []);
    assert.deepEqual(fields(validateSignerName('p', 'example/a')), ['p: Invalid value: "example": should be a domain with at least two segments separated by dots']);
    assert.match(fields(validateSignerName('p', 'Example.com/a'))[0]!, /^p: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label/);
    assert.match(fields(validateSignerName('p', 'example.com/A_b'))[0]!, /^p: Invalid value: "A_b": validating path: a lowercase RFC 1123 subdomain/);
  });

  it('conditions: Approved and Denied exclusive, True only, one of a type', () => {
    assert.deepEqual(fields(validateCsrUpdate(csr({}, { conditions: [approved, denied, { type: 'Failed', status: 'False' }, approved] }), csr(), 'approval')), [
      'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
      'status.conditions[2].status: Unsupported value: "False": supported values: "True"',
      'status.conditions[3].type: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive',
      'status.conditions[3].type: Duplicate value: "Approved"',
    ]);
  });

  it('only /approval adds Approved, nothing removes it, only /status sets the certificate once', () => {
    assert.deepEqual(validateCsrUpdate(csr({}, { conditions: [approved] }), csr(), 'approval'), []);
    assert.deepEqual(fields(validateCsrUpdate(csr({}, { conditions: [approved] }), csr(), 'status')), ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
    assert.deepEqual(fields(validateCsrUpdate(csr(), csr({}, { conditions: [approved] }), 'approval')), ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
    const cert = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n').toString('base64');
    assert.match(fields(validateCsrUpdate(csr({}, { certificate: cert }), csr(), 'status'))[0]!, /^status\.certificate: Invalid value: "<certificate data>": x509: malformed certificate/);
    assert.deepEqual(fields(validateCsrUpdate(csr({}, { certificate: cert }), csr({}, { certificate: cert }), 'approval')), []);
    assert.deepEqual(fields(validateCsrUpdate(csr({}, { certificate: Buffer.from('x').toString('base64') }), csr(), 'approval')), [
      'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
      'status.certificate: Forbidden: updates may not set certificate content',
    ]);
  });
});
