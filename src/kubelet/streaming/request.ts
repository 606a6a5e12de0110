// What an exec, attach or port-forward upgrade request on the kubelet API asks for: the target
// (path and query, as the API server forwards them) and the transport the client speaks (its
// Upgrade header and offered protocols).
import type { IncomingMessage } from 'node:http';
import type { StreamRequest } from '../../runtime/types.js';

export const WS_V5 = 'v5.channel.k8s.io';
export const WS_V4 = 'v4.channel.k8s.io';
/** kubectl ≥ 1.31's port-forward: SPDY frames carried in websocket binary messages. */
export const WS_TUNNELED_SPDY = 'SPDY/3.1+portforward.k8s.io';

export type StreamTarget =
  | { kind: 'exec'; namespace: string; pod: string; container: string; command: string[]; io: StreamRequest }
  | { kind: 'attach'; namespace: string; pod: string; container: string; io: StreamRequest }
  | { kind: 'portForward'; namespace: string; pod: string; ports: number[] };

export type Transport =
  /** SPDY/3.1 end to end: the runtime speaks it too, so the bytes pass as they are. */
  | { kind: 'spdy' }
  /** A websocket channel protocol (v5 has the half-close control channel, v4 has not). */
  | { kind: 'websocket'; protocol: typeof WS_V5 | typeof WS_V4 }
  | { kind: 'websocket-spdy' };

/** A request refused before any upgrade: answered as plain HTTP with this status and text. */
export class StreamRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'StreamRequestError';
  }
}

const isTrue = (v: string | null) => v === 'true' || v === '1';

export function parseStreamRequest(req: IncomingMessage): { target: StreamTarget; transport: Transport } {
  if (req.method !== 'GET' && req.method !== 'POST') throw new StreamRequestError(405, `${req.method} is not allowed here; use GET or POST`);
  const url = new URL(req.url ?? '/', 'http://kubelet');
  let parts: string[];
  try {
    parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new StreamRequestError(400, 'the request path is not valid percent-encoded UTF-8');
  }
  const q = url.searchParams;
  const [kind, namespace, pod, container] = parts;
  let target: StreamTarget;
  if ((kind === 'exec' || kind === 'attach') && parts.length === 4) {
    const io: StreamRequest = { stdin: isTrue(q.get('stdin')), stdout: isTrue(q.get('stdout')), stderr: isTrue(q.get('stderr')), tty: isTrue(q.get('tty')) };
    if (!io.stdin && !io.stdout && !io.stderr) throw new StreamRequestError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    // A terminal merges stderr into stdout: there is no separate stderr stream to ask for.
    if (io.tty) io.stderr = false;
    if (kind === 'exec') {
      const command = q.getAll('command');
      if (command.length === 0) throw new StreamRequestError(400, 'you must specify a command to run');
      target = { kind, namespace: namespace!, pod: pod!, container: container!, command, io };
    } else target = { kind, namespace: namespace!, pod: pod!, container: container!, io };
  } else if (kind === 'portForward' && parts.length === 3) {
    const ports: number[] = [];
    for (const p of q.getAll('port')) {
      const n = Number(p);
      if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new StreamRequestError(400, `invalid port ${JSON.stringify(p)}: a port is a number from 1 to 65535`);
      ports.push(n);
    }
    target = { kind, namespace: namespace!, pod: pod!, ports };
  } else {
    throw new StreamRequestError(404, `no stream endpoint at ${url.pathname}`);
  }
  return { target, transport: transportOf(req, target.kind) };
}

function transportOf(req: IncomingMessage, kind: StreamTarget['kind']): Transport {
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'spdy/3.1') return { kind: 'spdy' };
  if (upgrade !== 'websocket') throw new StreamRequestError(400, `${kind} needs a connection upgrade to SPDY/3.1 or websocket`);
  const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (kind === 'portForward') {
    if (offered.includes(WS_TUNNELED_SPDY)) return { kind: 'websocket-spdy' };
    throw new StreamRequestError(400, `port-forward over websocket needs the subprotocol ${WS_TUNNELED_SPDY} (offered: ${offered.join(', ') || 'none'})`);
  }
  if (offered.includes(WS_V5)) return { kind: 'websocket', protocol: WS_V5 };
  if (offered.includes(WS_V4)) return { kind: 'websocket', protocol: WS_V4 };
  throw new StreamRequestError(400, `${kind} over websocket needs the subprotocol ${WS_V5} or ${WS_V4} (offered: ${offered.join(', ') || 'none'})`);
}
