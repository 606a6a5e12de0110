// The dashboard in a real browser (Debian's Chromium, driven by playwright-core): a user logs in
// with a token, sees the three nodes and where each pod runs, scales a Deployment from the page, and
// a read-only user gets no scale controls. Screenshots are kept in .cache/test-artifacts/dashboard.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expectOk, kubectls, repoRoot, TestServer } from './harness.js';
import { AgentProcess } from './agent-process.js';
import { eventually } from '../support/eventually.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) || process.env.CI ? undefined : 'Debian chromium is not installed (apt-get install chromium)';
const artifacts = process.env.K3TS_TEST_ARTIFACTS ?? join(repoRoot, '.cache', 'test-artifacts', 'dashboard');
const ADMIN_TOKEN = 'dashboard-admin-token-3b9e1c';
const VIEWER_TOKEN = 'dashboard-viewer-token-77d2a0';

describe('the dashboard in Chromium', { skip, timeout: 180_000 }, () => {
  let server: TestServer;
  const agents: AgentProcess[] = [];
  let browser: Browser;
  const kubectl = (args: string[]) => server.kubectl(args, { bin: kubectls[0]!.bin });

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    server = await TestServer.start({ tokenAuthCsv: `${ADMIN_TOKEN},alice,1001,"system:masters"\n${VIEWER_TOKEN},bob,1002,"viewers"` });
    for (let i = 1; i <= 3; i++) agents.push(new AgentProcess({ server: server.url, token: server.serverToken, nodeName: `dash-${i}`, nodeIp: `127.0.0.${40 + i}` }));
    await eventually(async () => (await kubectl(['get', 'nodes', '-o', 'name'])).stdout.trim().split('\n').length === 3, 30_000, 'three nodes');
    expectOk(await kubectl(['wait', '--for=condition=Ready', 'node', '--all', '--timeout=60s']));
    expectOk(await kubectl(['create', 'clusterrolebinding', 'viewers-view', '--clusterrole=view', '--group=viewers']));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root Chromium needs --no-sandbox; the rest keeps it from calling out to the internet.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    for (const a of agents) await a.stop();
    await server?.stop();
  });

  async function logIn(token: string, watchPage?: (page: Page) => void): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    watchPage?.(page);
    await page.goto(`${server.url}/dashboard/`);
    // Keyboard only: the token field has the focus, Enter submits.
    await page.locator('#token:focus').waitFor({ timeout: 10_000 });
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.locator('#app').waitFor({ state: 'visible', timeout: 10_000 });
    return page;
  }

  it('refuses a wrong token with a message, and serves the page with a strict CSP', async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    const res = await page.goto(`${server.url}/dashboard/`);
    assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    // The watches are WebSockets to this host; the policy names exactly that source for them.
    assert.match(res!.headers()['content-security-policy'] ?? '', new RegExp(`connect-src 'self' wss://127\\.0\\.0\\.1:${server.port};`));
    await page.locator('#token').fill('not-a-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('That token was not accepted.').waitFor({ timeout: 10_000 });
    await context.close();
  });

  it('shows the three nodes, where pods run, and scales a Deployment from the page', async () => {
    const page = await logIn(ADMIN_TOKEN);
    await page.getByText('logged in as alice').waitFor();
    await eventually(async () => (await page.locator('#nodes tbody tr').count()) === 3, 15_000, 'three node rows');
    for (let i = 1; i <= 3; i++) assert.match(await page.locator(`#nodes tr[data-node="dash-${i}"]`).innerText(), new RegExp(`dash-${i}\\s+Ready`));

    expectOk(await kubectl(['create', 'deployment', 'web', '--image=busybox', '--replicas=1', '--', 'sleep', '3600']));
    const row = page.locator('tr[data-deployment="default/web"]');
    await eventually(async () => /1\/1/.test(await row.innerText().catch(() => '')), 30_000, 'web 1/1 on the page');
    await page.getByRole('button', { name: 'scale default/web up' }).click();
    await eventually(async () => (await kubectl(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout === '2', 10_000, 'replicas 2 in the cluster');
    // The change comes back through the watch: both pods on the map, the row at 2/2.
    await eventually(async () => /2\/2/.test(await row.innerText()), 30_000, 'web 2/2 on the page');
    await eventually(async () => (await page.locator('#pod-map li', { hasText: 'default/web-' }).count()) === 2, 10_000, 'two web pods on the map');
    await page.screenshot({ path: join(artifacts, 'admin.png'), fullPage: true });
    await page.context().close();
  });

  it('shows a new Service and a new event without a reload, through watches over WebSockets', async () => {
    const sockets: string[] = [];
    const rereads: string[] = [];
    const page = await logIn(ADMIN_TOKEN, (p) => {
      p.on('websocket', (ws) => sockets.push(new URL(ws.url()).pathname));
      p.on('request', (r) => {
        const path = new URL(r.url()).pathname;
        if (/\/(events|endpoints|horizontalpodautoscalers)$/.test(path)) rereads.push(path);
      });
    });
    await page.getByText('logged in as alice').waitFor();
    await page.locator('tr[data-node="dash-1"]').waitFor({ timeout: 15_000 });
    expectOk(await kubectl(['create', 'service', 'nodeport', 'live-svc', '--tcp=8080:80']));
    const svcRow = page.locator('#services tbody tr', { hasText: 'live-svc' });
    const t0 = Date.now();
    await svcRow.waitFor({ timeout: 5_000 });
    const svcMs = Date.now() - t0;
    assert.match(await svcRow.innerText(), /NodePort/);
    expectOk(
      await server.kubectl(['create', '-f', '-'], {
        bin: kubectls[0]!.bin,
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'live-event', namespace: 'default' },
          involvedObject: { kind: 'Service', name: 'live-svc', namespace: 'default' },
          reason: 'LiveCheck',
          message: 'seen without a reload',
          type: 'Normal',
          lastTimestamp: new Date().toISOString(),
        }),
      }),
    );
    await page.locator('#events tbody tr', { hasText: 'seen without a reload' }).waitFor({ timeout: 5_000 });
    // Every kind it shows is watched over a WebSocket, and nothing is re-read on a timer.
    for (const path of ['/api/v1/nodes', '/api/v1/pods', '/apis/apps/v1/deployments', '/api/v1/services', '/api/v1/endpoints', '/apis/autoscaling/v2/horizontalpodautoscalers', '/api/v1/events']) {
      assert.ok(sockets.includes(path), `a watch socket for ${path}; got ${sockets.join(', ')}`);
    }
    await page.waitForTimeout(11_000);
    assert.deepEqual(rereads.filter((p) => p === '/api/v1/events').length, 1, `events listed once, not polled: ${rereads.join(', ')}`);
    await page.screenshot({ path: join(artifacts, 'live.png'), fullPage: true });
    await page.context().close();
    console.log(`# service row after ${svcMs} ms`);
  });

  it('a read-only user sees Deployments but gets no scale controls', async () => {
    const page = await logIn(VIEWER_TOKEN);
    await page.getByText('logged in as bob').waitFor();
    await page.locator('tr[data-deployment="default/web"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByRole('button', { name: /scale default\/web/ }).count(), 0);
    await page.screenshot({ path: join(artifacts, 'viewer.png'), fullPage: true });
    await page.context().close();
  });
});
