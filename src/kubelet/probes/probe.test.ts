import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { ExecResult } from '../../runtime/types.js';
import { probeEvent, resolvePort, runProbe } from './probe.js';
import type { ProbeTarget } from './types.js';

const spec: Container = { name: 'app', image: 'app:1', ports: [{ name: 'db', containerPort: 5432 }] };
const target: ProbeTarget = { containerId: 'c1', podIP: '127.0.0.1', spec };

/** A runtime that can only exec, answering from `answer`. */
function execRuntime(answer: (cmd: string[], timeoutSeconds: number) => Promise<ExecResult>) {
  const calls: Array<{ id: string; cmd: string[]; timeoutSeconds: number }> = [];
  return {
    calls,
    runtime: {
      execSync(id: string, cmd: string[], timeoutSeconds: number) {
        calls.push({ id, cmd, timeoutSeconds });
        return answer(cmd, timeoutSeconds);
      },
    },
  };
}
const out = (exitCode: number, stdout = '', stderr = ''): ExecResult => ({ exitCode, stdout: Buffer.from(stdout), stderr: Buffer.from(stderr) });
const exec = (command: string[], timeoutSeconds = 1): Probe => ({ exec: { command }, timeoutSeconds });

describe('exec probes', () => {
  it('runs the command in the container: exit 0 is healthy, anything else fails with the output', async () => {
    const rt = execRuntime(async (cmd) => (cmd[1] === '/tmp/healthy' ? out(0, 'fine\n') : out(1, '', `cat: can't open '${cmd[1]}': No such file or directory\n`)));
    assert.deepEqual(await runProbe(exec(['cat', '/tmp/healthy'], 3), target, rt), { result: 'success', output: 'fine\n' });
    assert.deepEqual(rt.calls[0], { id: 'c1', cmd: ['cat', '/tmp/healthy'], timeoutSeconds: 3 });
    const bad = await runProbe(exec(['cat', '/tmp/gone']), target, rt);
    assert.deepEqual(bad, { result: 'failure', output: "cat: can't open '/tmp/gone': No such file or directory\n" });
    assert.equal(probeEvent('liveness', bad)?.message, "Liveness probe failed: cat: can't open '/tmp/gone': No such file or directory\n");
  });

  it('a command that runs out of time fails, whether the runtime says so or never answers', async () => {
    const said = execRuntime(async (_cmd, s) => Promise.reject(new Error(`command timed out after ${s}s`)));
    const timedOut = { result: 'failure', output: 'command "sh -c sleep 10" timed out' };
    assert.deepEqual(await runProbe(exec(['sh', '-c', 'sleep 10']), target, said), timedOut);
    const cri = execRuntime(async () => Promise.reject(Object.assign(new Error('ExecSync: context deadline exceeded'), { code: 'DEADLINE_EXCEEDED' })));
    assert.deepEqual(await runProbe(exec(['sh', '-c', 'sleep 10']), target, cri), timedOut);
    const silent = execRuntime(() => new Promise<ExecResult>(() => undefined));
    const t0 = Date.now();
    const attempt = await runProbe(exec(['sh', '-c', 'sleep 10']), target, { ...silent, execGraceMs: 10 });
    assert.deepEqual(attempt, timedOut);
    assert.equal(probeEvent('liveness', attempt)?.message, 'Liveness probe failed: command "sh -c sleep 10" timed out');
    assert.ok(Date.now() - t0 < 1500);
  });

  it('a runtime error is the prober\'s, not the container\'s', async () => {
    const rt = execRuntime(async () => Promise.reject(new Error('container c1 is not running')));
    assert.deepEqual(await runProbe(exec(['true']), target, rt), { result: 'unknown', output: 'container c1 is not running' });
  });
});

describe('tcpSocket probes', () => {
  const noExec = { runtime: { execSync: () => Promise.reject(new Error('unused')) } };

  it('is healthy when the port accepts a connection, fails with Go\'s words when it is closed', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    assert.deepEqual(await runProbe({ tcpSocket: { port } }, target, noExec), { result: 'success', output: '' });
    await new Promise((resolve) => server.close(resolve));
    const closed = await runProbe({ tcpSocket: { port } }, target, noExec);
    assert.deepEqual(closed, { result: 'failure', output: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
    assert.equal(probeEvent('readiness', closed)?.message, `Readiness probe failed: dial tcp 127.0.0.1:${port}: connect: connection refused`);
  });

  it('goes to the host the probe names instead of the pod IP', async () => {
    const attempt = await runProbe({ tcpSocket: { host: '127.0.0.1', port: 1 } }, { ...target, podIP: '10.255.255.1' }, noExec);
    assert.equal(attempt.output, 'dial tcp 127.0.0.1:1: connect: connection refused');
  });
});

describe('ports', () => {
  it('resolves numbers, names, and numbers written as text; anything else is an error', () => {
    assert.equal(resolvePort(8080, spec), 8080);
    assert.equal(resolvePort('db', spec), 5432);
    assert.equal(resolvePort('9090', spec), 9090);
    assert.throws(() => resolvePort('http', spec), { message: 'strconv.Atoi: parsing "http": invalid syntax' });
    assert.throws(() => resolvePort(70000, spec), { message: 'invalid port number: 70000' });
  });

  it('a probe without a handler cannot run', async () => {
    const attempt = await runProbe({ periodSeconds: 1 }, target, { runtime: { execSync: () => Promise.reject(new Error('unused')) } });
    assert.equal(attempt.result, 'unknown');
  });
});
