// What admission webhooks cost a write: ConfigMap creates/s and latency with no webhook
// configurations, with 10 configurations (5 mutating, 5 validating) none of whose rules match
// configmaps (the dispatcher's matching only), and with one matching validating webhook answered
// by an HTTPS server in this process on 127.0.0.1 (the added round trip). Rounds alternate so
// machine noise falls on every case; sequential latency shows what one webhook adds to one write.
//   npx tsc -p tsconfig.json && node dist/bench/webhooks.js [--seconds 5] [--connections 16] [--bin /other/checkout/bin/k3ts]
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, readKubeconfig, type Credentials } from './client.js';
import { freePort, startServer } from './server-process.js';
import { keepAliveLoad, type LoadResult } from './keepalive-load.js';
import { createCertificateAuthority, issueServingCertificate } from '../src/pki/issue.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const SECONDS = Number(arg('seconds', '5'));
const CONNECTIONS = Number(arg('connections', '16'));
const BIN = arg('bin', '');
/** `--cases none` alone measures a build without webhooks (main before this work) the same way. */
const CASES = arg('cases', 'none,nonMatching,oneMatching').split(',');
const SEQUENTIAL = 300;
const NS = 'bench';
const WH = '/apis/admissionregistration.k8s.io/v1';

type Result = LoadResult;

/** Creates ConfigMaps on `connections` keep-alive sockets for `seconds`; every answer must be 201. */
function load(creds: Credentials, prefix: string, connections: number, seconds: number, count?: number): Promise<Result> {
  let n = 0;
  const body = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${n++}` }, data: { a: 'x'.repeat(256) } });
  return keepAliveLoad(creds, { connections, seconds, count }, { method: 'POST', path: `/api/v1/namespaces/${NS}/configmaps`, body, status: 201 });
}

/** An always-allowing validating webhook on 127.0.0.1. */
async function startAllowWebhook(): Promise<{ port: number; caBundle: string; calls: () => number; close: () => void }> {
  const ca = await createCertificateAuthority({ commonName: 'bench-webhook-ca' });
  const leaf = await issueServingCertificate({ issuer: ca, dnsNames: [], ipAddresses: ['127.0.0.1'] });
  let calls = 0;
  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, caBundle: Buffer.from(ca.certPem).toString('base64'), calls: () => calls, close: () => { server.closeAllConnections(); server.close(); } };
}

const webhook = (name: string, url: string, caBundle: string, resources: string[]) => ({
  name, clientConfig: { url, caBundle }, sideEffects: 'None', admissionReviewVersions: ['v1'],
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources }],
});

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-webhooks-'));
  const kubeconfig = join(dir, 'kubeconfig.yaml');
  const server = await startServer({ dataDir: join(dir, 'data'), port: await freePort(), kubeconfigPath: kubeconfig, ...(BIN ? { bin: BIN } : {}) });
  const wh = await startAllowWebhook();
  try {
    const creds = readKubeconfig(kubeconfig);
    const admin = new ApiClient(creds, { maxSockets: 4 });
    await admin.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const url = `https://127.0.0.1:${wh.port}/validate`;
    const configure = async (kind: 'validating' | 'mutating', name: string, resources: string[]) => {
      const Kind = kind === 'validating' ? 'ValidatingWebhookConfiguration' : 'MutatingWebhookConfiguration';
      await admin.ok('POST', `${WH}/${kind}webhookconfigurations`, { apiVersion: 'admissionregistration.k8s.io/v1', kind: Kind, metadata: { name }, webhooks: [webhook(`${name}.bench.k3ts`, url, wh.caBundle, resources)] });
    };
    const unconfigure = (kind: string, name: string) => admin.ok('DELETE', `${WH}/${kind}webhookconfigurations/${name}`);
    const cases = {
      none: { up: async () => {}, down: async () => {} },
      nonMatching: {
        up: async () => { for (let i = 0; i < 5; i++) { await configure('validating', `secrets-v${i}`, ['secrets']); await configure('mutating', `secrets-m${i}`, ['secrets']); } },
        down: async () => { for (let i = 0; i < 5; i++) { await unconfigure('validating', `secrets-v${i}`); await unconfigure('mutating', `secrets-m${i}`); } },
      },
      oneMatching: { up: () => configure('validating', 'configmaps-allow', ['configmaps']), down: () => unconfigure('validating', 'configmaps-allow') },
    } as const;
    type Case = keyof typeof cases;
    const names = (Object.keys(cases) as Case[]).filter((c) => CASES.includes(c));
    const loaded: Record<Case, Result[]> = { none: [], nonMatching: [], oneMatching: [] };
    const sequential: Record<Case, Result[]> = { none: [], nonMatching: [], oneMatching: [] };
    await load(creds, 'warm', CONNECTIONS, 2);
    let round = 0;
    for (let r = 0; r < 3; r++) {
      for (const c of names) {
        await cases[c].up();
        await new Promise((res) => setTimeout(res, 300)); // the server's configuration watch
        loaded[c].push(await load(creds, `${c.toLowerCase()}-l${round}`, CONNECTIONS, SECONDS));
        sequential[c].push(await load(creds, `${c.toLowerCase()}-s${round}`, 1, 60, SEQUENTIAL));
        await cases[c].down();
        round++;
      }
    }
    if (names.includes('oneMatching') && wh.calls() === 0) throw new Error('the matching webhook was never called');
    const best = (rs: Result[]) => rs.reduce((a, b) => (b.rps > a.rps ? b : a));
    const median = (rs: Result[]) => [...rs].sort((a, b) => a.p50 - b.p50)[Math.floor(rs.length / 2)]!;
    console.log(`host: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; server ${BIN || 'this checkout'}; ${CONNECTIONS} connections, ${SECONDS} s per run, best of 3; sequential: ${SEQUENTIAL} creates, median of 3`);
    for (const c of names) {
      const l = best(loaded[c]);
      const s = median(sequential[c]);
      console.log(`  ${c.padEnd(12)} ${String(l.rps).padStart(5)} creates/s  p50 ${l.p50} ms  p99 ${l.p99} ms   (runs ${loaded[c].map((x) => x.rps).join(', ')});  one at a time: p50 ${s.p50} ms  p99 ${s.p99} ms`);
    }
    const none = median(sequential.none).p50;
    if (names.length === 3) console.log(`  one matching webhook adds ${(median(sequential.oneMatching).p50 - none).toFixed(2)} ms to a create's p50 one at a time; 10 non-matching configurations: ${((best(loaded.nonMatching).rps / best(loaded.none).rps) * 100).toFixed(1)} % of the creates/s without any`);
    admin.close();
  } finally {
    wh.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
