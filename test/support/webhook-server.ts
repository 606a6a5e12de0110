// Starts test/support/webhook-server-main as a child process with a serving certificate from a
// fresh test CA (SANs: 127.0.0.1 and the given DNS names) and stops it by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority, issueServingCertificate } from '../../src/pki/issue.js';

export interface TestWebhookServer {
  port: number;
  /** The test CA, PEM. */
  caPem: string;
  /** caBundle as a webhook configuration carries it (base64 of the PEM). */
  caBundle: string;
  /** Reviews received so far, oldest first: `{ path, query, review }`. */
  log(): Promise<Array<{ path: string; query: string; review: any }>>;
  stop(): Promise<void>;
}

export async function startTestWebhookServer(opts: { dnsNames?: string[] } = {}): Promise<TestWebhookServer> {
  const ca = await createCertificateAuthority({ commonName: 'k3ts-test-webhook-ca' });
  const leaf = await issueServingCertificate({ issuer: ca, commonName: 'test-webhook', dnsNames: opts.dnsNames ?? [], ipAddresses: ['127.0.0.1'] });
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-webhook-'));
  writeFileSync(join(dir, 'tls.crt'), leaf.certPem);
  writeFileSync(join(dir, 'tls.key'), leaf.keyPem, { mode: 0o600 });
  const main = join(dirname(fileURLToPath(import.meta.url)), 'webhook-server-main.js');
  const child: ChildProcess = spawn(process.execPath, [main], {
    env: { ...process.env, WEBHOOK_CERT: join(dir, 'tls.crt'), WEBHOOK_KEY: join(dir, 'tls.key') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = out.match(/listening (\d+)/);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`test webhook server exited (${code}) before listening`)));
      setTimeout(() => reject(new Error('test webhook server did not start within 10 s')), 10_000).unref();
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    caPem: ca.certPem,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    log: () =>
      new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, path: '/log', ca: ca.certPem, method: 'GET' }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          res.on('error', reject);
        }).on('error', reject).end();
      }),
    stop,
  };
}
