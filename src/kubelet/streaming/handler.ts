// The kubelet API's upgrade requests: exec, attach and port-forward. The kubelet asks its runtime
// for a one-shot URL on the runtime's stream server and connects the client to it:
//   SPDY/3.1 from the client     → the same upgrade sent on to the runtime, then bytes both ways;
//   websocket "SPDY/3.1+portforward.k8s.io" (port-forward) → the websocket ends here, a SPDY
//                                  upgrade goes to the runtime, and binary messages carry its bytes;
//   websocket v5/v4 channels (exec, attach) → translated to SPDY streams (channel-bridge.ts).
// Anything refused before the switch is a plain HTTP answer with a one-line reason.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ContainerRef } from '../kubelet.js';
import type { ContainerRuntime } from '../../runtime/types.js';
import { refuseUpgrade, requestUpgrade, splice, switchingProtocolsHead, type UpgradeResult } from '../../tunnel/http-upgrade.js';
import { bridgeChannels, SPDY_CHANNEL_PROTOCOL } from './channel-bridge.js';
import { parseStreamRequest, StreamRequestError, WS_TUNNELED_SPDY, WS_V4, WS_V5, type StreamTarget } from './request.js';
import { SpdyConnection } from './spdy/connection.js';
import { bridgeTunneledSpdy } from './tunneled-spdy.js';

/** What streaming needs of the kubelet. */
export interface StreamingKubelet {
  readonly runtime: Pick<ContainerRuntime, 'streaming'> & { version?: ContainerRuntime['version'] };
  findContainer(namespace: string, pod: string, container: string): ContainerRef | string;
  findSandbox(namespace: string, pod: string): ContainerRef | string;
}

export interface UpgradeHandler {
  (req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Ends every session still open: upgraded sockets are no longer the HTTP server's to close,
   *  and one exec left running would hold the server's close() forever. */
  closeAll(): void;
}

export interface StreamingOptions {
  /** Lines about sessions that failed on the node's side (the runtime unreachable, a broken
   *  answer), which nobody else would hear of: refusals go to the client only. */
  log?(msg: string, fields?: Record<string, unknown>): void;
}

const verbs: Record<StreamTarget['kind'], string> = { exec: 'exec', attach: 'attach', portForward: 'port-forward' };

/**
 * The ws package refuses a subprotocol that is not an RFC 7230 token, and kubectl's
 * "SPDY/3.1+portforward.k8s.io" has a "/". Its websocket server sees this stand-in instead, and the
 * real name is put back into the 101 answer.
 */
const TUNNELED_SPDY_TOKEN = 'k3ts.tunneled-spdy';

interface Servers {
  channels: WebSocketServer;
  tunneledSpdy: WebSocketServer;
}

export function createStreamingHandler(kubelet: StreamingKubelet, opts: StreamingOptions = {}): UpgradeHandler {
  const servers: Servers = {
    // The protocol parseStreamRequest chose: v5 whenever it was offered.
    channels: new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 << 20, handleProtocols: (offered) => (offered.has(WS_V5) ? WS_V5 : WS_V4) }),
    tunneledSpdy: new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 << 20, handleProtocols: () => TUNNELED_SPDY_TOKEN }),
  };
  servers.tunneledSpdy.on('headers', (headers: string[]) => {
    for (let i = 0; i < headers.length; i++) {
      if (/^sec-websocket-protocol:/i.test(headers[i]!)) headers[i] = `Sec-WebSocket-Protocol: ${WS_TUNNELED_SPDY}`;
    }
  });
  const log = opts.log ?? (() => undefined);
  const sessions = new Set<Duplex>();
  const handler = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    sessions.add(socket);
    socket.once('close', () => sessions.delete(socket));
    serve(kubelet, servers, req, socket, head).catch((err) => {
      if (err instanceof StreamRequestError) return refuseUpgrade(socket, err.status, `${err.message}\n`);
      log('stream session failed', { url: req.url, error: (err as Error).message });
      refuseUpgrade(socket, 500, `${(err as Error).message}\n`);
    });
  };
  return Object.assign(handler, {
    closeAll() {
      for (const s of sessions) s.destroy();
      sessions.clear();
    },
  });
}

async function serve(kubelet: StreamingKubelet, servers: Servers, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const { target, transport } = parseStreamRequest(req);
  const url = await runtimeUrl(kubelet, target);
  if (transport.kind === 'spdy') return proxySpdy(req, url, socket, head);

  // The client's websocket is only accepted once the runtime took our SPDY upgrade, so that
  // everything refused until then can still be an HTTP answer.
  const protocol = transport.kind === 'websocket-spdy' ? 'portforward.k8s.io' : SPDY_CHANNEL_PROTOCOL;
  const upstream = await requestUpgrade({ url, method: 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': protocol } });
  if (!upstream.upgraded) throw runtimeRefused(target, upstream);
  // A client gone meanwhile would never see its handshake finish (ws drops such sockets silently).
  if (socket.destroyed || !socket.writable) return void upstream.socket.destroy();
  if (transport.kind === 'websocket-spdy') req.headers['sec-websocket-protocol'] = TUNNELED_SPDY_TOKEN;
  const wss = transport.kind === 'websocket-spdy' ? servers.tunneledSpdy : servers.channels;
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  // (A port-forward over websocket is always tunneled SPDY: parseStreamRequest refuses the rest.)
  if (transport.kind === 'websocket-spdy' || target.kind === 'portForward') return bridgeTunneledSpdy(ws, upstream.socket, upstream.head);
  const spdy = new SpdyConnection(upstream.socket);
  spdy.feed(upstream.head);
  await bridgeChannels({ ws, spdy, io: target.io, protocol: transport.protocol });
}

async function runtimeUrl(kubelet: StreamingKubelet, target: StreamTarget): Promise<string> {
  const streaming = kubelet.runtime.streaming;
  if (!streaming) {
    const name = (await kubelet.runtime.version?.().catch(() => undefined))?.name ?? 'sim';
    const what = verbs[target.kind];
    throw new StreamRequestError(501, name === 'sim' ? `${what} is not supported by the simulated runtime (--runtime sim)` : `${what} is not supported by the ${name} runtime`);
  }
  if (target.kind === 'portForward') {
    const sandbox = kubelet.findSandbox(target.namespace, target.pod);
    if (typeof sandbox === 'string') throw new StreamRequestError(404, sandbox);
    return streaming.portForward(sandbox.id, target.ports);
  }
  const ref = kubelet.findContainer(target.namespace, target.pod, target.container);
  if (typeof ref === 'string') throw new StreamRequestError(404, ref);
  return target.kind === 'exec' ? streaming.exec(ref.id, target.command, target.io) : streaming.attach(ref.id, target.io);
}

/** SPDY both ways: the client's own upgrade (its offered protocol versions included) goes to the
 *  runtime, whose answer, 101 or not, goes back as it came. */
async function proxySpdy(req: IncomingMessage, url: string, socket: Duplex, head: Buffer): Promise<void> {
  const offered = req.headersDistinct['x-stream-protocol-version'] ?? [];
  const upstream = await requestUpgrade({ url, method: req.method ?? 'POST', headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1', 'x-stream-protocol-version': offered } });
  if (!upstream.upgraded) return refuseUpgrade(socket, upstream.status, upstream.body, String(upstream.headers['content-type'] ?? 'text/plain; charset=utf-8'));
  socket.write(switchingProtocolsHead(upstream.response));
  if (upstream.head.length) socket.write(upstream.head);
  if (head.length) upstream.socket.write(head);
  await splice(socket, upstream.socket);
}

function runtimeRefused(target: StreamTarget, answer: Extract<UpgradeResult, { upgraded: false }>): StreamRequestError {
  const why = answer.body.trim() || `status ${answer.status}`;
  return new StreamRequestError(502, `the container runtime refused the ${verbs[target.kind]} stream: ${why}`);
}
