import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { readCertificateRequest, CertificateRequestError } from './certificate-request.js';
import { createCertificateAuthority } from './issue.js';
import { createCertificateRequest, signCertificateRequest } from './sign-request.js';

describe('certificate requests', () => {
  it('a made request reads back with its subject and verifies', async () => {
    const { requestPem, keyPem } = await createCertificateRequest({ commonName: 'jane', organizations: ['devs', 'ops'] });
    assert.match(requestPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    const facts = readCertificateRequest(requestPem);
    assert.equal(facts.commonName, 'jane');
    assert.deepEqual(facts.organizations, ['devs', 'ops']);
    assert.deepEqual(facts.dnsNames, []);
  });

  it('OpenSSL requests with SANs and RSA keys read back; their SANs are kept', () => {
    const pem = execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', '/dev/null', '-subj', '/O=system:nodes/CN=system:node:n1',
      '-addext', 'subjectAltName=DNS:n1.example,IP:10.0.0.7,IP:::1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const facts = readCertificateRequest(pem);
    assert.equal(facts.commonName, 'system:node:n1');
    assert.deepEqual(facts.organizations, ['system:nodes']);
    assert.deepEqual(facts.dnsNames, ['n1.example']);
    assert.deepEqual(facts.ipAddresses, ['10.0.0.7', '::1']);
  });

  it('refuses what is not a signed request, in Go\'s words', async () => {
    const { requestPem } = await createCertificateRequest({ commonName: 'jane' });
    assert.throws(() => readCertificateRequest('hello'), { message: 'PEM block type must be CERTIFICATE REQUEST' });
    assert.throws(() => readCertificateRequest(requestPem.replace(/REQUEST/g, 'X')), { message: 'PEM block type must be CERTIFICATE REQUEST' });
    assert.throws(() => readCertificateRequest('-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n'), CertificateRequestError);
    // Flip one bit of the subject: the signature no longer matches.
    const der = Buffer.from(requestPem.split('\n').filter((l) => !l.startsWith('-----')).join(''), 'base64');
    const at = der.indexOf(Buffer.from('jane'));
    der[at] = 'J'.charCodeAt(0);
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    assert.throws(() => readCertificateRequest(tampered), { message: 'x509: certificate request signature verification failure' });
  });

  it('signs with the CA: subject, usages, SANs and validity as asked', async () => {
    const ca = await createCertificateAuthority({ commonName: 'test-ca' });
    const pem = execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null',
      '-subj', '/O=system:nodes/CN=system:node:n1', '-addext', 'subjectAltName=DNS:n1,IP:10.0.0.7'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Date.now() + 3600_000);
    const certPem = await signCertificateRequest({ issuer: ca, request: readCertificateRequest(pem), usages: ['digital signature', 'server auth'], notBefore, notAfter });
    const cert = new X509Certificate(certPem);
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
    assert.equal(cert.subjectAltName, 'DNS:n1, IP Address:10.0.0.7');
    assert.equal(cert.keyUsage?.join(','), '1.3.6.1.5.5.7.3.1');
    assert.equal(Math.abs(new Date(cert.validTo).getTime() - notAfter.getTime()) < 1000, true);
    assert.equal(cert.ca, false);
  });
});
