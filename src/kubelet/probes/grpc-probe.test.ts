import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { after, before, describe, it } from 'node:test';
import type { Container } from 'kubernetes-types/core/v1.js';
import { healthService } from './grpc-probe.js';
import { probeEvent, runProbe } from './probe.js';

const noExec = { runtime: { execSync: () => Promise.reject(new Error('unused')) } };
const spec: Container = { name: 'app', image: 'app:1' };
const probeAt = (port: number, service?: string) =>
  runProbe({ grpc: { port, ...(service !== undefined ? { service } : {}) }, timeoutSeconds: 1 }, { containerId: 'c1', podIP: '127.0.0.1', spec }, noExec);

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}

describe('grpc probes', () => {
  // What the test server says about each service; '' is the server as a whole.
  const statuses = new Map([
    ['', 'SERVING'],
    ['db', 'NOT_SERVING'],
  ]);
  const server = new grpc.Server();
  const bare = new grpc.Server(); // speaks gRPC, but not the health protocol
  let port = 0;
  let barePort = 0;
  before(async () => {
    server.addService(healthService().service, {
      Check(call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<{ status: string }>) {
        const status = statuses.get(call.request.service);
        if (status) callback(null, { status });
        else callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      },
    });
    port = await bind(server);
    barePort = await bind(bare);
  });
  after(() => {
    server.forceShutdown();
    bare.forceShutdown();
  });

  it('is healthy when the service answers SERVING', async () => {
    assert.deepEqual(await probeAt(port), { result: 'success', output: 'service healthy' });
  });

  it('fails for NOT_SERVING, an unknown service, and a server without the health protocol', async () => {
    const down = await probeAt(port, 'db');
    assert.deepEqual(down, { result: 'failure', output: 'service unhealthy (responded with "NOT_SERVING")' });
    assert.equal(probeEvent('liveness', down)?.message, 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")');
    assert.deepEqual(await probeAt(port, 'cache'), { result: 'failure', output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service' });
    const bareAttempt = await probeAt(barePort);
    assert.equal(bareAttempt.result, 'failure');
    assert.match(bareAttempt.output, /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): /);
  });

  it('fails when nothing listens, after the timeout', async () => {
    const closed = new grpc.Server();
    const closedPort = await bind(closed);
    closed.forceShutdown();
    assert.deepEqual(await probeAt(closedPort), {
      result: 'failure',
      output: `timeout: failed to connect service "127.0.0.1:${closedPort}" within 1s: context deadline exceeded`,
    });
  });
});
