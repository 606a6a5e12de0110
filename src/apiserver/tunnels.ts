// The server's end of the agents' tunnels: one websocket per connected node, opened by the agent
// (so agents need no inbound port), through which the server dials the node's kubelet API.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createTunnelSession, type TunnelSession } from '../tunnel/session.js';

export type Dialer = (target: string) => Promise<Duplex>;

export interface TunnelRegistry {
  /** Takes over an authenticated upgrade request from node `node`. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, node: string): void;
  /** A node served in this process (the server's own agent) is dialled directly. */
  registerLocal(node: string, dial: Dialer): () => void;
  dial(node: string, target: string): Promise<Duplex>;
  /** Tells every agent the server is going (close code 1001, so it fails over at once) and waits
   *  a moment for their goodbyes; a silent peer is cut off. */
  close(): Promise<void>;
}

export function createTunnelRegistry(opts: { pingIntervalMs?: number; onChange?(node: string, connected: boolean): void } = {}): TunnelRegistry {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 << 20 });
  const sessions = new Map<string, { ws: WebSocket; session: TunnelSession }>();
  const local = new Map<string, Dialer>();
  const alive = new WeakSet<WebSocket>();
  // A dead peer behind a silent network is noticed by missed pongs, not by TCP.
  const pinger = setInterval(() => {
    for (const { ws } of sessions.values()) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, opts.pingIntervalMs ?? 15_000);
  pinger.unref();

  return {
    accept(req, socket, head, node) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        sessions.get(node)?.ws.close(4000, 'replaced by a newer connection from the same node');
        const session = createTunnelSession(ws);
        sessions.set(node, { ws, session });
        alive.add(ws);
        ws.on('pong', () => alive.add(ws));
        opts.onChange?.(node, true);
        void session.closed.then(() => {
          if (sessions.get(node)?.ws === ws) {
            sessions.delete(node);
            opts.onChange?.(node, false);
          }
        });
      });
    },
    registerLocal(node, dial) {
      local.set(node, dial);
      return () => {
        if (local.get(node) === dial) local.delete(node);
      };
    },
    async dial(node, target) {
      const direct = local.get(node);
      if (direct) return direct(target);
      const s = sessions.get(node);
      if (!s) throw new Error(`node "${node}" has no tunnel to this server: its agent is stopped or reconnecting`);
      return s.session.open(target);
    },
    async close() {
      clearInterval(pinger);
      const open = [...sessions.values()];
      sessions.clear();
      const goodbyes = open.map(({ ws }) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve()))));
      for (const { session } of open) session.close(1001, 'the server is shutting down');
      const waited = setTimeout(() => {
        for (const { ws } of open) ws.terminate();
      }, 300);
      await Promise.all(goodbyes);
      clearTimeout(waited);
      wss.close();
    },
  };
}
