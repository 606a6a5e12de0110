// An https etcd that requires client certificates: the backend connects with the three datastore TLS
// files, and without a client certificate or with the wrong CA it fails at open with one line.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from '../../pki/issue.js';
import { EventLog } from '../conformance.js';
import { openBackend } from '../open.js';
import { etcdSkipReason, TestEtcd } from './test-etcd.js';

const skip = etcdSkipReason();
if (skip) {
  it('etcd backend over mutual TLS', { skip });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-etcd-tls-'));
  const write = (name: string, pem: string) => {
    writeFileSync(join(dir, name), pem, { mode: 0o600 });
    return join(dir, name);
  };
  const ca = await createCertificateAuthority({ commonName: 'etcd-ca' });
  const server = await issueServingCertificate({ issuer: ca, commonName: 'etcd', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const client = await issueClientCertificate({ issuer: ca, commonName: 'k3ts' });
  const otherCa = await createCertificateAuthority({ commonName: 'not-etcd-ca' });
  const files = {
    caFile: write('ca.crt', ca.certPem),
    certFile: write('client.crt', client.certPem),
    keyFile: write('client.key', client.keyPem),
  };
  const etcd = await TestEtcd.start({
    dir,
    tls: {
      caFile: files.caFile,
      certFile: write('server.crt', server.certPem),
      keyFile: write('server.key', server.keyPem),
      clientCertFile: files.certFile,
      clientKeyFile: files.keyFile,
    },
  });
  after(() => etcd.stop());

  describe('etcd: mutual TLS', () => {
    it('reads, writes and watches over https:// with the CA, certificate and key files', async () => {
      assert.match(etcd.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
      const backend = await openBackend(etcd.endpoint, { tls: files, autoCompaction: { intervalMs: 0 } });
      try {
        const log = new EventLog();
        const handle = await backend.watch({ prefix: '/tls/', afterRevision: await backend.currentRevision() }, log.listener);
        const kv = await backend.create('/tls/a', 'secret-free');
        assert.deepEqual(await backend.get('/tls/a'), kv);
        await log.until((e) => e.length === 1);
        handle.cancel();
      } finally {
        await backend.close();
      }
    });

    it('fails at open with one line without a client certificate, and with the wrong CA', async (t) => {
      const cases = [
        { tls: { caFile: files.caFile } },
        { tls: { ...files, caFile: write('other-ca.crt', otherCa.certPem) } },
      ];
      for (const opts of cases) {
        const start = Date.now();
        await assert.rejects(openBackend(etcd.endpoint, { ...opts, connectTimeoutMs: 1500 }), (err: Error) => {
          assert.match(err.message, new RegExp(`^cannot reach etcd at ${etcd.endpoint.replace(/\./g, '\\.')} within 2 s: `));
          assert.doesNotMatch(err.message, /\n|PRIVATE KEY/);
          t.diagnostic(err.message);
          return true;
        });
        assert.ok(Date.now() - start < 4000);
      }
    });
  });
}
