// The agent keeps one tunnel to every server it knows, so whichever server a user talks to can reach
// this node's kubelet. Each tunnel reconnects on its own with a growing, jittered delay.
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { TUNNEL_PATH } from '../join/protocol.js';
import { createTunnelSession } from '../tunnel/session.js';
import type { NodeCredentials } from './credentials.js';

export interface TunnelClientOptions {
  credentials: NodeCredentials;
  /** Where each named target of an incoming stream lives: e.g. kubelet → its unix socket. */
  targets: Record<string, string>;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  log?(msg: string, fields?: Record<string, unknown>): void;
}

export interface TunnelClients {
  setServers(urls: string[]): void;
  close(): void;
}

export function startTunnelClients(o: TunnelClientOptions): TunnelClients {
  const minDelay = o.minBackoffMs ?? 500;
  const maxDelay = o.maxBackoffMs ?? 30_000;
  const tunnels = new Map<string, { stop(): void }>();

  const onOpen = async (target: string, stream: Duplex) => {
    const path = o.targets[target];
    if (!path) throw new Error(`no such target on this node: ${target}`);
    await new Promise<void>((resolve, reject) => {
      const sock = connect(path);
      sock.once('connect', () => {
        sock.off('error', reject);
        sock.pipe(stream).pipe(sock);
        const done = () => {
          sock.destroy();
          stream.destroy();
        };
        sock.on('error', done);
        stream.on('error', done);
        sock.on('close', () => stream.end());
        resolve();
      });
      sock.once('error', reject);
    });
  };

  const keep = (server: string) => {
    let stopped = false;
    let ws: WebSocket | undefined;
    let open = false;
    let delay = minDelay;
    let timer: NodeJS.Timeout | undefined;
    const dial = () => {
      if (stopped) return;
      const url = new URL(TUNNEL_PATH, server.replace(/^https:/, 'wss:'));
      ws = new WebSocket(url, { ca: o.credentials.caPem, cert: o.credentials.certPem, key: o.credentials.keyPem, handshakeTimeout: 10_000 });
      const session = createTunnelSession(ws, { onOpen });
      ws.on('open', () => {
        open = true;
        delay = minDelay;
        o.log?.('tunnel connected', { server });
      });
      ws.on('error', () => undefined); // 'close' follows and schedules the retry
      let goingAway = false;
      ws.on('close', (code) => (goingAway = code === 1001));
      void session.closed.then(() => {
        if (open) o.log?.(goingAway ? 'server is shutting down, reconnecting' : 'tunnel lost, reconnecting', { server });
        open = false;
        if (stopped) return;
        const wait = Math.round(delay * (0.75 + Math.random() / 2));
        delay = Math.min(delay * 2, maxDelay);
        timer = setTimeout(dial, wait);
        timer.unref();
      });
    };
    dial();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
        ws?.terminate();
      },
    };
  };

  return {
    setServers(urls) {
      const want = new Set(urls);
      for (const [url, t] of tunnels) if (!want.has(url)) (t.stop(), tunnels.delete(url));
      for (const url of want) if (!tunnels.has(url)) tunnels.set(url, keep(url));
    },
    close() {
      for (const t of tunnels.values()) t.stop();
      tunnels.clear();
    },
  };
}
