// Real API servers in process, for tests of HTTPS clients: the server PKI in a temp dir, a control
// plane on its own SQLite file, and the HTTPS front on a free port of 127.0.0.1. A server can be
// stopped and started again on the same port, as an outage and a recovery look to its clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServerPki, type ServerPki } from '../../src/pki/index.js';
import { startApiServer, type ApiServer, type ApiServerOptions, type ServerLimits } from '../../src/apiserver/server.js';
import type { WatchTuning } from '../../src/apiserver/handlers/watch.js';
import { startTestControlPlane, type TestControlPlane } from './control-plane.js';

/** A bearer token the test servers accept, for a member of system:masters. */
export const testBearerToken = 'test-bearer-token-0123456789';

export interface TestPki extends ServerPki {
  remove(): void;
}

export async function createTestPki(): Promise<TestPki> {
  const dataDir = mkdtempSync(join(tmpdir(), 'k3ts-pki-'));
  const pki = await ensureServerPki({ dataDir, hostname: 'localhost', interfaces: {} });
  return { ...pki, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

export interface TestApiServer {
  readonly url: string;
  readonly port: number;
  readonly plane: TestControlPlane;
  /** Takes the HTTPS front down (connections cut); the control plane and its data stay. */
  stop(): Promise<void>;
  /** Serves again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestApiServer(pki: ServerPki, opts: { watchTuning?: WatchTuning; limits?: Partial<ServerLimits>; warn?: ApiServerOptions['warn']; tunnels?: ApiServerOptions['tunnels'] } = {}): Promise<TestApiServer> {
  const plane = await startTestControlPlane();
  let api: ApiServer | undefined;
  let port = 0;
  const start = async () => {
    api = await startApiServer({
      context: plane.context,
      tls: { certPem: pki.servingCertPem, keyPem: pki.servingKeyPem, clientCaPem: pki.clientCaPem },
      tokens: [{ token: testBearerToken, user: { name: 'test-admin', groups: ['system:masters', 'system:authenticated'] } }],
      bindAddress: '127.0.0.1',
      port,
      advertiseAddress: '127.0.0.1:6443',
      watchTuning: opts.watchTuning,
      limits: opts.limits,
      warn: opts.warn,
      tunnels: opts.tunnels,
      log: () => undefined,
    });
    port = api.port;
  };
  const stop = async () => {
    const running = api;
    api = undefined;
    await running?.close();
  };
  await start();
  return {
    get url() {
      return `https://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    plane,
    stop,
    start,
    async close() {
      await stop();
      await plane.close();
    },
  };
}
