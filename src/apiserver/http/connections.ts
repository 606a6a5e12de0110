// Every connection the API server accepts is counted and timed, so that neither many sockets nor
// slow ones can hold the server's resources: a cap on open connections (in all and per client
// address), a deadline for the TLS handshake, and one for the first request on a new connection.
// It also knows every open socket, so that a stopping server can close them at once.
import type { Server as HttpsServer } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface ConnectionLimits {
  /** Open connections from all clients together. */
  maxConnections: number;
  /** Open connections from one client address. */
  maxConnectionsPerIp: number;
  /** From TCP accept to a finished TLS handshake. */
  handshakeTimeoutMs: number;
  /** From the handshake to the first request's headers. */
  firstRequestTimeoutMs: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  maxConnections: 8192,
  maxConnectionsPerIp: 2048,
  handshakeTimeoutMs: 10_000,
  firstRequestTimeoutMs: 38_000,
};

export interface ConnectionTracker {
  /** Open sockets right now (for tests and metrics). */
  readonly open: number;
  /** Destroys every open socket. */
  destroyAll(): void;
}

export function trackConnections(server: HttpsServer, limits: ConnectionLimits, warn: (msg: string, fields: Record<string, unknown>) => void): ConnectionTracker {
  const sockets = new Set<Socket>();
  const perIp = new Map<string, number>();
  // The TLS socket is a new object over the accepted one; the peer's address and port tie them.
  const handshakes = new Map<string, NodeJS.Timeout>();
  const peer = (s: Socket) => `${s.remoteAddress}|${s.remotePort}`;
  const served = new WeakSet<Socket>();
  // One line per address and minute is enough to see a flood without the log becoming one.
  const warnedAt = new Map<string, number>();
  const refuse = (socket: Socket, ip: string, why: string) => {
    socket.destroy();
    const now = Date.now();
    if ((warnedAt.get(ip) ?? 0) + 60_000 > now) return;
    warnedAt.set(ip, now);
    warn('refusing connections', { client: ip, reason: why });
  };

  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    if (sockets.size >= limits.maxConnections) return refuse(socket, ip, `${sockets.size} connections are open, the most this server takes`);
    const fromIp = perIp.get(ip) ?? 0;
    if (fromIp >= limits.maxConnectionsPerIp) return refuse(socket, ip, `${fromIp} connections from this address are open, the most one client may hold`);
    sockets.add(socket);
    perIp.set(ip, fromIp + 1);
    const key = peer(socket);
    const handshake = setTimeout(() => socket.destroy(), limits.handshakeTimeoutMs);
    handshake.unref();
    handshakes.set(key, handshake);
    socket.once('close', () => {
      clearTimeout(handshake);
      if (handshakes.get(key) === handshake) handshakes.delete(key);
      sockets.delete(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
  });
  // A connection that finished its handshake but never asks anything is closed; after the first
  // request, the keep-alive timeout takes over between requests.
  server.on('secureConnection', (tls: TLSSocket) => {
    const key = peer(tls);
    clearTimeout(handshakes.get(key));
    handshakes.delete(key);
    const idle = setTimeout(() => {
      if (!served.has(tls)) tls.destroy();
    }, limits.firstRequestTimeoutMs);
    idle.unref();
    tls.once('close', () => clearTimeout(idle));
  });
  const markServed = (req: IncomingMessage) => served.add(req.socket);
  server.on('request', markServed);
  server.on('upgrade', markServed);
  server.on('connect', markServed);

  return {
    get open() {
      return sockets.size;
    },
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}
