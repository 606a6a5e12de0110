// The dashboard on loopback, in Debian's Chromium driven by playwright-core: first paint and the
// time until the page shows the cluster, bytes transferred for a cold load, then the server's CPU
// time and RSS while the page stays open for a while on an idle cluster (with some objects seeded:
// Services, so Endpoints, and Events), and the HTTP requests and WebSocket messages the page made in
// that time. With --baseline, the same against another checkout's bin (its own dashboard assets),
// one after the other in this run.
//   npx tsc -p tsconfig.json && node dist/bench/dashboard.js [--baseline /work/main [--this-first]] [--seconds 60]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ApiClient, readKubeconfig } from './client.js';
import { cpuSeconds, rssMb } from './proc.js';
import { freePort, startServer } from './server-process.js';
import { round2 } from './stats.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const BASELINE = arg('baseline');
const SECONDS = Number(arg('seconds') ?? 60);
const SERVICES = 20;
const EVENTS = 100;
const TOKEN = 'bench-dashboard-admin-token';
const TOKEN_KEY = 'k3ts-dashboard-token';

async function seed(kubeconfig: string): Promise<void> {
  const admin = new ApiClient(readKubeconfig(kubeconfig), { maxSockets: 4 });
  for (let i = 0; i < SERVICES; i++) {
    await admin.ok('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}` }, spec: { selector: { app: `a${i}` }, ports: [{ port: 80 }] } });
  }
  for (let i = 0; i < EVENTS; i++) {
    await admin.ok('POST', '/api/v1/namespaces/default/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `ev-${i}` },
      involvedObject: { kind: 'Service', name: `svc-${i % SERVICES}`, namespace: 'default' },
      reason: 'Seeded',
      message: `seeded event ${i} for the dashboard benchmark`,
      type: 'Normal',
      lastTimestamp: new Date().toISOString(),
    });
  }
  admin.close();
}

async function measure(browser: Browser, name: string, bin: string | undefined, dir: string) {
  const kubeconfig = join(dir, `${name}.yaml`);
  const tokens = join(dir, `${name}-tokens.csv`);
  writeFileSync(tokens, `${TOKEN},bench,1,"system:masters"\n`);
  const server = await startServer({ dataDir: join(dir, name), port: await freePort(), kubeconfigPath: kubeconfig, extraArgs: ['--token-auth-file', tokens], ...(bin ? { bin } : {}) });
  try {
    const port = readKubeconfig(kubeconfig).port;
    await seed(kubeconfig);
    const rssBeforeMb = rssMb(server.pid);
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    await context.addInitScript(([key, token]) => sessionStorage.setItem(key!, token!), [TOKEN_KEY, TOKEN]);
    const page = await context.newPage();
    let bytes = 0;
    let requests = 0;
    let frames = 0;
    page.on('requestfinished', (r) => {
      requests++;
      void r.sizes().then((s) => (bytes += s.responseBodySize + s.responseHeadersSize + s.requestHeadersSize + s.requestBodySize)).catch(() => undefined);
    });
    page.on('websocket', (ws) => ws.on('framereceived', () => frames++));
    const t0 = performance.now();
    await page.goto(`https://127.0.0.1:${port}/dashboard/`);
    // Shown: the seeded Services and Events are on the page.
    await page.locator('#services tbody tr', { hasText: `svc-${SERVICES - 1}` }).waitFor({ timeout: 30_000 });
    await page.locator('#events tbody tr').first().waitFor({ timeout: 30_000 });
    const shownMs = performance.now() - t0;
    const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1);
    await page.waitForTimeout(1000);
    const load = { firstContentfulPaintMs: round2(paint), shownMs: round2(shownMs), transferKb: round2(bytes / 1024), requests };

    requests = 0;
    bytes = 0;
    frames = 0;
    const cpu0 = cpuSeconds(server.pid);
    await page.waitForTimeout(SECONDS * 1000);
    const cpuS = cpuSeconds(server.pid) - cpu0;
    const open = { seconds: SECONDS, serverCpuSeconds: round2(cpuS), serverCpuPercent: round2((cpuS / SECONDS) * 100), serverRssBeforeMb: rssBeforeMb, serverRssMb: rssMb(server.pid), httpRequests: requests, httpKb: round2(bytes / 1024), wsMessages: frames };
    await context.close();
    return { server: name, load, open };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-dashboard-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const rows = [];
    // --this-first swaps the order, so that whatever drifts during a run falls on the other side.
    const sides: [string, string | undefined][] = [['this', undefined]];
    if (BASELINE) sides[process.argv.includes('--this-first') ? 'push' : 'unshift'](['baseline', join(resolve(BASELINE), 'bin', 'k3ts')]);
    for (const [name, bin] of sides) rows.push(await measure(browser, name, bin, dir));
    console.log(JSON.stringify({ machine: { cpus: cpus().length, load1: round2(loadavg()[0]!) }, seeded: { services: SERVICES, events: EVENTS }, rows }, null, 2));
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
