// A node's DNS server: one UDP socket and one TCP listener on the same address and port. UDP
// answers go out as they are ready; TCP carries two-byte length-prefixed messages, several per
// connection, answered in whatever order they complete (RFC 7766 6.2.1.1).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { createResponder, type Responder } from './responder.js';
import type { DnsRecords } from './records.js';
import { parseUpstream } from './upstream.js';

export { defaultDnsPort } from './port.js';

const tcpIdleMs = 10_000;
const maxTcpConnections = 1000;

export interface DnsLog {
  debug(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface DnsServerOptions {
  records: DnsRecords;
  /** Port 0 picks a free port, the same for UDP and TCP. */
  listen: { address: string; port: number };
  /** Resolvers for names outside the cluster: 'ip' or 'ip:port', asked in order. */
  upstream: string[];
  log: DnsLog;
  /** Per upstream attempt; 2 s by default. */
  upstreamTimeoutMs?: number;
}

export interface DnsServer {
  address: string;
  port: number;
  stop(): Promise<void>;
}

export async function startDnsServer(o: DnsServerOptions): Promise<DnsServer> {
  const respond = createResponder({ records: o.records, upstreams: o.upstream.map(parseUpstream), upstreamTimeoutMs: o.upstreamTimeoutMs ?? 2000 });
  // With port 0 the kernel picks the UDP port; that port may be taken for TCP, so try a few.
  for (let attempt = 0; ; attempt++) {
    const udp = await bindUdp(o.listen.address, o.listen.port);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(o.listen.address, port);
      return serve(udp, tcp, respond, o.log, o.listen.address, port);
    } catch (err) {
      udp.close();
      if (o.listen.port !== 0 || attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}

function bindUdp(address: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

function listenTcp(address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.maxConnections = maxTcpConnections;
    server.once('error', reject);
    server.listen({ host: address, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function serve(udp: UdpSocket, tcp: Server, respond: Responder, log: DnsLog, address: string, port: number): DnsServer {
  const connections = new Set<Socket>();
  // A forward still under way when the server stops must not send on the closed socket.
  let stopped = false;
  const fail = (where: string) => (err: unknown) => log.debug(`dns: ${where} failed`, { error: String(err) });

  udp.on('error', (err) => log.warn('dns: UDP socket error', { error: String(err) }));
  udp.on('message', (msg, from) => {
    const send = (out: Buffer | undefined) => {
      if (out && !stopped) udp.send(out, from.port, from.address, (err) => err && fail('UDP send')(err));
    };
    try {
      const out = respond(msg, 'udp');
      if (out instanceof Promise) out.then(send).catch(fail('UDP query'));
      else send(out);
    } catch (err) {
      fail('UDP query')(err);
    }
  });

  tcp.on('connection', (socket) => {
    connections.add(socket);
    socket.setTimeout(tcpIdleMs, () => socket.destroy());
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    const send = (out: Buffer | undefined) => {
      if (!out || socket.destroyed) return;
      const prefix = Buffer.allocUnsafe(2);
      prefix.writeUInt16BE(out.length);
      socket.write(Buffer.concat([prefix, out]));
    };
    socket.on('data', (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        try {
          const out = respond(msg, 'tcp');
          if (out instanceof Promise) out.then(send).catch(fail('TCP query'));
          else send(out);
        } catch (err) {
          fail('TCP query')(err);
        }
      }
    });
  });
  tcp.on('error', (err) => log.warn('dns: TCP listener error', { error: String(err) }));

  return {
    address,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        for (const c of connections) c.destroy();
        udp.close();
        tcp.close(() => resolve());
      }),
  };
}
