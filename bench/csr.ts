// What the Certificates API costs: validating one CSR (parse + signature check, which every create
// and update of a CertificateSigningRequest pays, synchronously), signing one, and the whole
// `k3ts kubeconfig create` round trip (key, CSR, approval, signer, certificate) against a server.
//   npx tsc -p tsconfig.json && node dist/bench/csr.js [--n 200] [--cli 5]
import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readCertificateRequest } from '../src/pki/certificate-request.js';
import { createCertificateAuthority } from '../src/pki/issue.js';
import { signCertificateRequest } from '../src/pki/sign-request.js';
import { freePort, startServer } from './server-process.js';
import { latencyStats } from './stats.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 200);
const CLI_RUNS = arg('cli', 5);
const k3tsBin = fileURLToPath(new URL('../../bin/k3ts', import.meta.url));

function opensslCsr(newkey: string[]): string {
  return execFileSync('openssl', ['req', '-new', ...newkey, '-nodes', '-keyout', '/dev/null', '-subj', '/O=devs/CN=jane'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

function timeSync(fn: () => void): number[] {
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times;
}

async function main(): Promise<void> {
  const ec = opensslCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const rsa = opensslCsr(['-newkey', 'rsa:2048']);
  readCertificateRequest(ec); // warm-up
  const validateEc = latencyStats(timeSync(() => readCertificateRequest(ec)));
  const validateRsa = latencyStats(timeSync(() => readCertificateRequest(rsa)));
  const ca = await createCertificateAuthority({ commonName: 'bench-ca' });
  const request = readCertificateRequest(ec);
  const signTimes: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await signCertificateRequest({ issuer: ca, request, usages: ['client auth'], notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000) });
    signTimes.push(performance.now() - t0);
  }
  const sign = latencyStats(signTimes);

  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-csr-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig });
  const cliTimes: number[] = [];
  try {
    for (let i = 0; i < CLI_RUNS; i++) {
      const t0 = performance.now();
      await promisify(execFile)(k3tsBin, ['kubeconfig', 'create', `bench-${i}`, '--group', 'devs', '--kubeconfig', kubeconfig]);
      cliTimes.push(performance.now() - t0);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const cli = latencyStats(cliTimes);
  console.log(JSON.stringify({ load: loadavg()[0]!.toFixed(1), validateEcP256Us: { p50: validateEc.p50Ms * 1000, p99: validateEc.p99Ms * 1000 }, validateRsa2048Us: { p50: validateRsa.p50Ms * 1000, p99: validateRsa.p99Ms * 1000 }, signMs: { p50: sign.p50Ms, p99: sign.p99Ms }, kubeconfigCreateMs: { p50: cli.p50Ms, max: cli.maxMs } }, null, 2));
}

await main();
