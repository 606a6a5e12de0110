import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Client } from '../../client/types.js';
import { readCertificateRequest } from '../../pki/certificate-request.js';
import { createCertificateAuthority } from '../../pki/issue.js';
import type { KObject } from '../../registry/types.js';
import { csrDeadline, reconcileCsrCleanup } from './cleaner.js';
import { SIGNER_RULES } from './signer-rules.js';
import { reconcileCsrSigning, validityFor } from './signer.js';

function openssl(subject: string, san?: string): string {
  const args = ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', subject, ...(san ? ['-addext', `subjectAltName=${san}`] : [])];
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** A client holding one CSR, recording writes. */
function fakeClient(obj: KObject | undefined) {
  const writes: Array<{ obj?: KObject; subresource?: string; deleted?: string }> = [];
  const client = {
    get: async () => {
      if (!obj) throw Object.assign(new Error('not found'), { reason: 'NotFound' });
      return structuredClone(obj);
    },
    update: async (_t: unknown, o: KObject, opts?: { subresource?: string }) => (writes.push({ obj: o, subresource: opts?.subresource }), o),
    delete: async (_t: unknown, _ns: unknown, name: string) => void writes.push({ deleted: name }),
  } as unknown as Client;
  return { client, writes };
}

const csr = (pem: string, signerName: string, usages: string[], conditions: unknown[] = [], extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'c', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { request: Buffer.from(pem).toString('base64'), signerName, usages, ...extra },
  status: { conditions },
});
const approved = { type: 'Approved', status: 'True', lastUpdateTime: '2026-01-01T00:00:10Z' };

describe('signer rules, as upstream', () => {
  const usages = (r: string, u: string[], subject: string, san?: string) => SIGNER_RULES[r as keyof typeof SIGNER_RULES].problem(readCertificateRequest(openssl(subject, san)), u);
  it('kube-apiserver-client: client auth required, no server usages', () => {
    assert.equal(usages('kubernetes.io/kube-apiserver-client', ['client auth', 'digital signature'], '/O=devs/CN=jane'), undefined);
    assert.equal(usages('kubernetes.io/kube-apiserver-client', ['client auth', 'server auth'], '/CN=jane'), 'invalid usage for client certificate: server auth');
    assert.equal(usages('kubernetes.io/kube-apiserver-client', ['digital signature'], '/CN=jane'), 'missing required usage for client certificate: client auth');
  });
  it('kubelet client and serving: system:nodes, system:node:<name>, their usages and SANs', () => {
    assert.equal(usages('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth'], '/O=system:nodes/CN=system:node:n1'), undefined);
    assert.equal(usages('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth'], '/O=devs/CN=system:node:n1'), 'subject organization is not system:nodes');
    assert.equal(usages('kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth'], '/O=system:nodes/CN=jane'), 'subject common name does not begin with system:node:');
    assert.equal(usages('kubernetes.io/kubelet-serving', ['digital signature', 'server auth'], '/O=system:nodes/CN=system:node:n1', 'DNS:n1,IP:10.0.0.1'), undefined);
    assert.equal(usages('kubernetes.io/kubelet-serving', ['digital signature', 'server auth'], '/O=system:nodes/CN=system:node:n1'), 'DNS or IP subjectAltName is required');
    assert.equal(usages('kubernetes.io/kubelet-serving', ['client auth'], '/O=system:nodes/CN=system:node:n1', 'DNS:n1'), 'usages did not match [digital signature key encipherment server auth]');
  });
});

describe('CSR signer', () => {
  it('validity: asked-for within [10 min, max], never past the CA', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const caNotAfter = new Date('2030-01-01T00:00:00Z');
    const max = 365 * 86_400_000;
    assert.equal(validityFor({ expirationSeconds: 3600, maxDurationMs: max, caNotAfter, now }).notAfter.toISOString(), '2026-01-01T01:00:00.000Z');
    assert.equal(validityFor({ expirationSeconds: undefined, maxDurationMs: max, caNotAfter, now }).notAfter.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(validityFor({ expirationSeconds: 10 * 365 * 86_400, maxDurationMs: max, caNotAfter, now }).notAfter.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(validityFor({ expirationSeconds: 3600, maxDurationMs: max, caNotAfter: new Date('2026-01-01T00:30:00Z'), now }).notAfter.toISOString(), '2026-01-01T00:30:00.000Z');
    assert.equal(validityFor({ expirationSeconds: 3600, maxDurationMs: max, caNotAfter, now }).notBefore.toISOString(), '2025-12-31T23:55:00.000Z');
  });

  it('issues approved requests with the CA of the signer; leaves pending, denied, issued and foreign ones alone', async () => {
    const client = await createCertificateAuthority({ commonName: 'client-ca' });
    const serving = await createCertificateAuthority({ commonName: 'server-ca' });
    const cas = { client, serving };
    const pem = openssl('/O=devs/CN=jane');
    for (const obj of [csr(pem, 'kubernetes.io/kube-apiserver-client', ['client auth']), csr(pem, 'example.com/other', ['client auth'], [approved])]) {
      const f = fakeClient(obj);
      await reconcileCsrSigning({ client: f.client, cas }, 'c');
      assert.deepEqual(f.writes, []);
    }
    const f = fakeClient(csr(pem, 'kubernetes.io/kube-apiserver-client', ['client auth'], [approved], { expirationSeconds: 7200 }));
    await reconcileCsrSigning({ client: f.client, cas }, 'c');
    assert.equal(f.writes.length, 1);
    assert.equal(f.writes[0]!.subresource, 'status');
    const cert = new X509Certificate(Buffer.from((f.writes[0]!.obj!.status as { certificate: string }).certificate, 'base64'));
    assert.ok(cert.checkIssued(new X509Certificate(client.certPem)));
    assert.equal(cert.subject, 'O=devs\nCN=jane');
    assert.ok(Math.abs(Date.parse(cert.validTo) - Date.now() - 7200_000) < 5000);
    const node = fakeClient(csr(openssl('/O=system:nodes/CN=system:node:n1', 'DNS:n1'), 'kubernetes.io/kubelet-serving', ['digital signature', 'server auth'], [approved]));
    await reconcileCsrSigning({ client: node.client, cas }, 'c');
    assert.ok(new X509Certificate(Buffer.from((node.writes[0]!.obj!.status as { certificate: string }).certificate, 'base64')).checkIssued(new X509Certificate(serving.certPem)));
  });

  it('marks what does not fit the signer Failed with the reason', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const f = fakeClient(csr(openssl('/CN=jane'), 'kubernetes.io/kube-apiserver-client-kubelet', ['client auth'], [approved]));
    await reconcileCsrSigning({ client: f.client, cas: { client: ca, serving: ca }, now: () => new Date('2026-02-01T00:00:00Z') }, 'c');
    const conditions = (f.writes[0]!.obj!.status as { conditions: unknown[] }).conditions;
    assert.deepEqual(conditions[1], { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'subject organization is not system:nodes', lastUpdateTime: '2026-02-01T00:00:00Z', lastTransitionTime: '2026-02-01T00:00:00Z' });
  });
});

describe('CSR cleaner', () => {
  const pem = openssl('/CN=jane');
  it('deadlines: decided an hour after the decision, pending a day after creation', () => {
    assert.equal(new Date(csrDeadline(csr(pem, 's/x', ['client auth'], [approved]))).toISOString(), '2026-01-01T01:00:10.000Z');
    assert.equal(new Date(csrDeadline(csr(pem, 's/x', ['client auth'], [{ type: 'Denied', status: 'True', lastUpdateTime: '2026-01-01T00:00:20Z' }]))).toISOString(), '2026-01-01T01:00:20.000Z');
    assert.equal(new Date(csrDeadline(csr(pem, 's/x', ['client auth']))).toISOString(), '2026-01-02T00:00:00.000Z');
  });
  it('deletes past the deadline, else looks again when it comes', async () => {
    const early = fakeClient(csr(pem, 's/x', ['client auth']));
    assert.deepEqual(await reconcileCsrCleanup({ client: early.client, now: () => new Date('2026-01-01T23:00:00Z') }, 'c'), { requeueAfterMs: 3_600_000 });
    assert.deepEqual(early.writes, []);
    const late = fakeClient(csr(pem, 's/x', ['client auth']));
    await reconcileCsrCleanup({ client: late.client, now: () => new Date('2026-01-02T00:00:01Z') }, 'c');
    assert.deepEqual(late.writes, [{ deleted: 'c' }]);
  });
});
