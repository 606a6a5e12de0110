import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from './issue.js';
import { readCertificate } from './read-certificate.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

describe('issuing certificates', () => {
  it('a CA signs client and serving certificates with PKCS#8 EC keys', async () => {
    const ca = await createCertificateAuthority({ commonName: 'test-ca' });
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(caCert.ca, true);
    assert.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(caCert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');

    const client = await issueClientCertificate({ issuer: ca, commonName: 'system:node:a', organizations: ['system:nodes'] });
    const clientCert = new X509Certificate(client.certPem);
    assert.equal(clientCert.ca, false);
    assert.ok(clientCert.checkIssued(caCert) && clientCert.verify(caCert.publicKey));
    assert.deepEqual(clientCert.keyUsage, [CLIENT_AUTH]);
    assert.equal(clientCert.subject, 'O=system:nodes\nCN=system:node:a');
    assert.match(client.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);

    const serving = await issueServingCertificate({ issuer: ca, dnsNames: ['api.example.com'], ipAddresses: ['[::1]', '0:0::2', '192.0.2.1'] });
    const servingCert = new X509Certificate(serving.certPem);
    assert.deepEqual(servingCert.keyUsage, [SERVER_AUTH]);
    assert.equal(servingCert.subject, 'CN=kube-apiserver');
    const facts = readCertificate(serving.certPem);
    assert.deepEqual(facts.dnsNames, ['api.example.com']);
    assert.deepEqual(facts.ipAddresses, ['::1', '::2', '192.0.2.1']);
    assert.ok(facts.notAfter.getTime() - facts.notBefore.getTime() > 364 * 86_400_000);
  });

  it('signs with an operator CA: SEC1 key, its own name encoding and key identifier', { skip: !hasOpenssl && 'openssl not installed' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k3ts-issue-'));
    try {
      const [keyPath, certPath, leafPath] = ['ca.key', 'ca.crt', 'leaf.crt'].map((f) => join(dir, f)) as [string, string, string];
      execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyPath]);
      execFileSync('openssl', ['req', '-x509', '-new', '-key', keyPath, '-subj', '/C=US/O=Acme/CN=Acme Root', '-days', '30', '-out', certPath]);
      const issuer = { certPem: await readFile(certPath, 'utf8'), keyPem: await readFile(keyPath, 'utf8') };
      assert.match(issuer.keyPem, /BEGIN EC PRIVATE KEY/);

      const leaf = await issueClientCertificate({ issuer, commonName: 'system:admin', organizations: ['system:masters'] });
      await writeFile(leafPath, leaf.certPem);
      assert.match(execFileSync('openssl', ['verify', '-CAfile', certPath, leafPath], { encoding: 'utf8' }), /: OK/);
      const dump = (args: string[]) => execFileSync('openssl', ['x509', '-noout', '-nameopt', 'RFC2253,dump_all,dump_der', ...args], { encoding: 'utf8' }).split('=').slice(1).join('=');
      assert.equal(dump(['-issuer', '-in', leafPath]), dump(['-subject', '-in', certPath]), 'issuer repeats the CA subject byte for byte');
      const keyIds = (path: string) => execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectKeyIdentifier,authorityKeyIdentifier', '-in', path], { encoding: 'utf8' });
      const caSki = /Subject Key Identifier:\s*\n\s*(\S+)/.exec(keyIds(certPath))![1];
      assert.match(keyIds(leafPath), new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${caSki}`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
