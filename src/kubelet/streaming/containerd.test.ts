// The kubelet's streaming endpoints against a real containerd: websocket v5 exec and attach
// translated to SPDY, SPDY exec passed through, port-forward over plain SPDY and over SPDY tunneled
// in a websocket, to a busybox httpd in the pod.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerdMissing, httpdCommand, startStreamingRuntime, WWW_INDEX, type StreamingRuntime, type TestPod } from '../../../test/support/containerd.js';
import { createStreamingHandler, type StreamingKubelet } from './handler.js';
import { exitCodeOf, spdyExec, spdyForward, spdyUpgrade, tunneledSpdy, wsChannels } from './test-clients.js';

const skip = containerdMissing();
if (skip) console.log(`# skipping the containerd streaming tests: ${skip}`);

describe('kubelet streaming over containerd', { skip }, () => {
  let fx: StreamingRuntime;
  let pod: TestPod;
  let server: Server;
  let dir: string;
  let socketPath: string;
  let httpPort: number;

  before(async () => {
    fx = await startStreamingRuntime();
    httpPort = 8080;
    pod = await fx.runPod('web', [
      { name: 'main', command: ['sleep', '3600'] },
      { name: 'echo', command: ['cat'], stdin: true },
      { name: 'httpd', command: httpdCommand(httpPort) },
    ]);
    const kubelet: StreamingKubelet = {
      runtime: fx.runtime,
      findContainer: (ns, name, c) => (ns === 'default' && name === 'web' && pod.containers[c] ? { id: pod.containers[c]! } : `container "${c}" in pod "${name}" is not available`),
      findSandbox: (ns, name) => (ns === 'default' && name === 'web' ? { id: pod.sandboxId } : `pod "${name}" not found`),
    };
    dir = mkdtempSync(join(tmpdir(), 'k3ts-stream-'));
    socketPath = join(dir, 'kubelet.sock');
    server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', createStreamingHandler(kubelet));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await fx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('websocket v5 exec: stdin with a half-close reaches cat, whose output and exit status come back', async () => {
    const started = Date.now();
    const r = await wsChannels({ socketPath, path: '/exec/default/web/main?command=cat&stdin=1&stdout=1&stderr=1', stdin: [Buffer.from('hello '), Buffer.from('there\n')] });
    const ms = Date.now() - started;
    assert.equal(r.stdout, 'hello there\n');
    assert.equal(r.stderr, '');
    assert.equal(exitCodeOf(r), 0);
    assert.equal(r.closeCode, 1000);
    console.log(`# websocket v5 exec round trip: ${ms} ms`);
  });

  test('websocket v5 exec: stderr and a non-zero exit code', async () => {
    const r = await wsChannels({ socketPath, path: `/exec/default/web/main?${new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'echo out; echo err >&2; exit 3'], ['stdout', 'true'], ['stderr', 'true']])}` });
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(exitCodeOf(r), 3);
    assert.equal(r.status?.status, 'Failure');
  });

  test('websocket v5 exec: 1 MiB through stdin and back', async () => {
    const big = Buffer.alloc(1 << 20, 'abcdefghijklmnopqrstuvwxyz\n');
    const r = await wsChannels({ socketPath, path: '/exec/default/web/main?command=cat&stdin=1&stdout=1', stdin: [big.subarray(0, 300_000), big.subarray(300_000)] });
    assert.equal(r.stdout.length, big.length);
    assert.equal(r.stdout, big.toString('utf8'));
    assert.equal(exitCodeOf(r), 0);
  });

  test('websocket v5 exec: 16 MiB of output arrive whole', async () => {
    const r = await wsChannels({ socketPath, path: `/exec/default/web/main?${new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'head -c 16777216 /dev/zero | tr "\\0" a'], ['stdout', '1']])}` });
    assert.equal(r.stdout.length, 16 << 20);
    assert.ok(/^a+$/.test(r.stdout));
    assert.equal(exitCodeOf(r), 0);
  });

  test('websocket v5 exec with a terminal: the resize reaches it before the command reads its size', async () => {
    const r = await wsChannels({
      socketPath,
      path: `/exec/default/web/main?${new URLSearchParams([['command', 'sh'], ['command', '-c'], ['command', 'read line; for i in $(seq 40); do s=$(stty size 2>&-); [ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.05; done; echo "$s"; echo "[$line]"'], ['stdin', '1'], ['stdout', '1'], ['tty', '1']])}`,
      onOpen: (ws) => {
        ws.send(Buffer.concat([Buffer.from([4]), Buffer.from(JSON.stringify({ Width: 123, Height: 45 }))]));
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed\r')]));
      },
    });
    // A terminal echoes what was typed and ends lines with CR LF. The resize travels on its own
    // stream, so the shell may look before it lands: it looks again for up to 2 s (and past a
    // failed look: busybox stty has been seen to fail now and then on a loaded machine).
    assert.match(r.stdout, /45 123\r\n\[typed\]\r\n$/, JSON.stringify(r));
    assert.equal(exitCodeOf(r), 0);
  });

  test('websocket v5 attach: what goes into the container stdin comes back from cat', async () => {
    let seen = '';
    const r = await wsChannels({
      socketPath,
      path: '/attach/default/web/echo?stdin=1&stdout=1&stderr=1',
      stdin: [Buffer.from('ping\n')],
      halfClose: false,
      onOpen: (ws) => {
        ws.on('message', (m: Buffer) => {
          seen += m.subarray(1).toString();
          if (seen.includes('ping\n')) ws.close();
        });
      },
    });
    assert.match(r.stdout, /ping\n/);
  });

  test('SPDY exec is passed through to containerd (v4 negotiated by the two ends)', async () => {
    const { conn, protocol } = await spdyUpgrade(socketPath, '/exec/default/web/main?command=sh&command=-c&command=cat%3B+exit+7&stdin=1&stdout=1&stderr=1', ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io']);
    assert.equal(protocol, 'v4.channel.k8s.io');
    const r = await spdyExec(conn, { stdin: 'through spdy\n' });
    assert.equal(r.stdout, 'through spdy\n');
    assert.equal(exitCodeOf(r), 7);
  });

  test('port-forward over SPDY reaches httpd inside the pod', async () => {
    const { conn, protocol } = await spdyUpgrade(socketPath, '/portForward/default/web', ['portforward.k8s.io']);
    assert.equal(protocol, 'portforward.k8s.io');
    const r = await spdyForward(conn, httpPort, 0, 'GET / HTTP/1.0\r\n\r\n');
    conn.close();
    assert.match(r.data, /^HTTP\/1\.[01] 200/);
    assert.ok(r.data.endsWith(WWW_INDEX), r.data);
    assert.equal(r.error, '');
  });

  test('port-forward over SPDY tunneled in a websocket (kubectl ≥ 1.31)', async () => {
    const conn = await tunneledSpdy(socketPath, '/portForward/default/web');
    const [a, b] = await Promise.all([spdyForward(conn, httpPort, 0, 'GET / HTTP/1.0\r\n\r\n'), spdyForward(conn, httpPort, 1, 'GET /index.html HTTP/1.0\r\n\r\n')]);
    conn.close();
    for (const r of [a, b]) assert.ok(r.data.endsWith(WWW_INDEX), r.data);
  });

  test('a port nothing listens on: the error stream says so', async () => {
    const { conn } = await spdyUpgrade(socketPath, '/portForward/default/web', ['portforward.k8s.io']);
    const r = await spdyForward(conn, 9, 0, '');
    conn.close();
    assert.match(r.error, /connect|refused/i);
  });

  test('errors before the upgrade are plain answers with a reason', async () => {
    await assert.rejects(wsChannels({ socketPath, path: '/exec/default/web/nope?command=true&stdout=1' }), /404 container "nope" in pod "web" is not available/);
    await assert.rejects(wsChannels({ socketPath, path: '/exec/default/web/main?stdout=1' }), /400 you must specify a command/);
    await assert.rejects(wsChannels({ socketPath, path: '/exec/default/web/main?command=true', protocol: 'v5.channel.k8s.io' }), /400 you must specify at least 1 of stdin, stdout, stderr/);
    await assert.rejects(wsChannels({ socketPath, path: '/exec/default/web/main?command=true&stdout=1', protocol: 'base64.channel.k8s.io' }), /400 exec over websocket needs the subprotocol/);
  });
});
