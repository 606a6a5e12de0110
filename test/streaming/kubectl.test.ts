// kubectl exec, attach, cp and port-forward end to end, with the real kubectl binaries: an HTTPS
// API server in this process, a real kubelet running the pod on a private containerd, and the
// kubelet API on a unix socket that the API server dials as it dials a node's tunnel. Each kubectl
// runs every command once with its default (websocket) transport and once forced back to SPDY.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createTestPki, startTestApiServer, testBearerToken, type TestApiServer, type TestPki } from '../support/api-server.js';
import { containerdMissing, httpdCommand, startStreamingRuntime, BUSYBOX_IMAGE, WWW_INDEX, type StreamingRuntime } from '../support/containerd.js';
import { freePort, kubectls } from '../e2e/harness.js';
import { createTunnelRegistry, type TunnelRegistry } from '../../src/apiserver/tunnels.js';
import { startKubelet, type Kubelet } from '../../src/kubelet/kubelet.js';
import { createKubeletApi, createKubeletUpgradeHandler } from '../../src/kubelet/api.js';
import { podsType } from '../../src/kubelet/pod-sync.js';
import { nodesType } from '../../src/kubelet/node-registration.js';

const skip = containerdMissing();
if (skip) console.log(`# skipping kubectl streaming tests: ${skip}`);

const NODE = 'stream-node';
const HTTP_PORT = 8080;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

describe('kubectl exec, attach, cp and port-forward', { skip, timeout: 200_000 }, () => {
  let dir: string;
  let pki: TestPki;
  let tunnels: TunnelRegistry;
  let api: TestApiServer;
  let node: StreamingRuntime;
  let kubelet: Kubelet;
  const stopKubelet = new AbortController();
  let kubeletApi: Server;
  let upgrades: ReturnType<typeof createKubeletUpgradeHandler>;
  const children = new Set<ReturnType<typeof spawn>>();

  const kubectl = (bin: string, args: string[], o: { input?: string | Buffer; keepStdinOpen?: boolean; env?: Record<string, string>; timeoutMs?: number } = {}) => {
    const started = Date.now();
    const child = spawn(bin, args, {
      cwd: dir,
      env: { ...process.env, HOME: join(dir, 'home'), KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache', bin.replace(/\W+/g, '_')), ...o.env },
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdin.on('error', () => undefined);
    if (o.keepStdinOpen) child.stdin.write(o.input ?? '');
    else child.stdin.end(o.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    const done = new Promise<Run>((resolve) =>
      child.on('close', (code) => {
        clearTimeout(timer);
        children.delete(child);
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      }),
    );
    return { child, done, output: () => ({ stdout, stderr }) };
  };
  const run = async (bin: string, args: string[], o: Parameters<typeof kubectl>[2] = {}) => kubectl(bin, args, o).done;
  const waitFor = async (what: () => boolean, label: string, ms = 15_000) => {
    const deadline = Date.now() + ms;
    while (!what()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-kstream-'));
    mkdirSync(join(dir, 'home'));
    pki = await createTestPki();
    tunnels = createTunnelRegistry();
    api = await startTestApiServer(pki, { tunnels });
    node = await startStreamingRuntime();
    const client = api.plane.client;
    kubelet = await startKubelet(
      { client, nodeName: NODE, nodeIP: '127.0.0.1', runtime: node.runtime, dataDir: dir, logRoot: node.node.paths.podLogs, volumeRoot: node.node.paths.podVolumes, statusUpdateIntervalMs: 1000 },
      stopKubelet.signal,
    );
    // No IPAM controller here: the node gets the test containerd's free pod range by hand.
    await client.patch(nodesType, undefined, NODE, { type: 'strategic', body: { spec: { podCIDR: node.node.podCidr } } });
    const socketPath = join(dir, 'kubelet.sock');
    kubeletApi = createServer(createKubeletApi(kubelet));
    upgrades = createKubeletUpgradeHandler(kubelet);
    kubeletApi.on('upgrade', upgrades);
    await new Promise<void>((resolve) => kubeletApi.listen(socketPath, resolve));
    tunnels.registerLocal(NODE, async () => {
      const sock = connect(socketPath);
      await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject));
      return sock;
    });
    writeFileSync(
      join(dir, 'kubeconfig'),
      `apiVersion: v1\nkind: Config\nclusters: [{name: t, cluster: {server: "${api.url}", certificate-authority-data: ${Buffer.from(pki.caPem).toString('base64')}}}]\nusers: [{name: t, user: {token: ${testBearerToken}}}]\ncontexts: [{name: t, context: {cluster: t, user: t}}]\ncurrent-context: t\n`,
    );
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', annotations: { 'kubectl.kubernetes.io/default-container': 'main' } },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 0,
        containers: [
          { name: 'httpd', image: BUSYBOX_IMAGE, command: httpdCommand(HTTP_PORT) },
          { name: 'main', image: BUSYBOX_IMAGE, command: ['sleep', '3600'] },
          { name: 'echo', image: BUSYBOX_IMAGE, command: ['cat'], stdin: true },
        ],
      },
    };
    await client.create(podsType, pod as never);
    await waitFor(() => (kubelet.pods().find((p) => p.metadata.name === 'web') as Pod | undefined)?.status?.phase === 'Running', 'the pod to run', 60_000);
    // port-forward reads the phase from the API; the kubelet may not have written it yet.
    for (let i = 0; i < 100; i++) {
      const stored = (await client.get(podsType, 'default', 'web')) as Pod;
      if (stored.status?.phase === 'Running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    upgrades?.closeAll();
    kubeletApi?.closeAllConnections();
    await new Promise<void>((resolve) => (kubeletApi ? kubeletApi.close(() => resolve()) : resolve()));
    stopKubelet.abort();
    await kubelet?.stopped;
    await node?.close();
    await api?.close();
    await tunnels?.close();
    pki?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const k of kubectls) {
    for (const transport of ['websocket', 'spdy'] as const) {
      const env: Record<string, string> = transport === 'spdy' ? { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } : {};
      describe(`${k.name} over ${transport}`, () => {
        test('exec: output, the default container, -c, and the exit code', async () => {
          const r = await run(k.bin, ['exec', 'web', '--', 'sh', '-c', 'test -d /www && echo httpd || echo main; echo err >&2'], { env });
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, 'main\n');
          assert.equal(r.stderr, 'err\n');
          console.log(`# ${k.name} over ${transport}: kubectl exec took ${r.ms} ms`);
          assert.equal((await run(k.bin, ['exec', 'web', '-c', 'httpd', '--', 'sh', '-c', 'test -d /www && echo httpd'], { env })).stdout, 'httpd\n');
          const failed = await run(k.bin, ['exec', 'web', '--', 'sh', '-c', 'exit 3'], { env });
          assert.equal(failed.code, 3, failed.stderr);
        });

        test('exec -i: stdin reaches the command and its end ends it', async () => {
          const r = await run(k.bin, ['exec', '-i', 'web', '--', 'cat'], { input: 'hi\n', env });
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, 'hi\n');
        });

        test('cp both ways', async () => {
          const local = join(dir, `up-${transport}-${k.name.length}.bin`);
          const content = Buffer.alloc(300_000, `${transport} ${k.name}\n`);
          writeFileSync(local, content);
          const remote = `/tmp/${transport}-${k.name.length}.bin`;
          const up = await run(k.bin, ['cp', local, `web:${remote}`], { env });
          assert.equal(up.code, 0, up.stderr);
          const back = join(dir, `down-${transport}-${k.name.length}.bin`);
          const down = await run(k.bin, ['cp', `web:${remote}`, back], { env });
          assert.equal(down.code, 0, down.stderr);
          assert.ok(readFileSync(back).equals(content), 'the file came back unchanged');
        });

        test('port-forward to httpd in the pod', async () => {
          const local = await freePort();
          const pf = kubectl(k.bin, ['port-forward', 'pod/web', `${local}:${HTTP_PORT}`], { env, timeoutMs: 60_000 });
          try {
            await waitFor(() => pf.output().stdout.includes(`Forwarding from 127.0.0.1:${local}`), `port-forward to listen (${JSON.stringify(pf.output())})`);
            for (let i = 0; i < 2; i++) assert.equal(await httpGet(`http://127.0.0.1:${local}/`), WWW_INDEX);
          } finally {
            pf.child.kill('SIGTERM');
            await pf.done;
          }
        });

        test('attach -i: what is typed reaches the container and its output comes back', async () => {
          const line = `attached over ${transport}`;
          // Stdin stays open: containerd ends an attach whose stdin ended (the container's stdin
          // stays open unless stdinOnce), possibly before cat's answer went out.
          const at = kubectl(k.bin, ['attach', '-i', 'web', '-c', 'echo'], { input: `${line}\n`, keepStdinOpen: true, env });
          try {
            await waitFor(() => at.output().stdout.includes(line), `attach output (${JSON.stringify(at.output())})`);
          } finally {
            at.child.kill('SIGTERM');
            await at.done;
          }
        });

        test('errors: a container that is not there, and a plain request to exec', async () => {
          const r = await run(k.bin, ['exec', 'web', '-c', 'nope', '--', 'true'], { env });
          assert.equal(r.code, 1);
          assert.match(r.stderr, /container nope is not valid for pod web/);
          const raw = await run(k.bin, ['get', '--raw', '/api/v1/namespaces/default/pods/web/exec?command=true']);
          assert.notEqual(raw.code, 0);
          assert.match(raw.stderr, /Upgrade request required/);
        });
      });
    }
  }
});

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}
