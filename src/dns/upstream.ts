// Forwarding a query to the host's resolvers, one after the other until one answers. Each attempt
// uses a fresh socket (a new random source port) and a new random id, and a reply counts only if it
// comes from the server asked with that id and the same question: an off-path attacker would have
// to guess both port and id (RFC 5452).
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';

export interface Upstream {
  host: string;
  port: number;
}

/** 'ip', 'ip:port', '[v6]:port' or a bare IPv6 address. */
export function parseUpstream(text: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  if (isIPv6(text)) return { host: text, port: 53 };
  const [host, port, extra] = text.split(':');
  if (!host || extra !== undefined || (port !== undefined && !/^\d+$/.test(port))) throw new Error(`invalid DNS upstream ${JSON.stringify(text)} (expected ip or ip:port)`);
  return { host, port: Number(port ?? 53) };
}

export interface ForwardOptions {
  upstreams: Upstream[];
  timeoutMs: number;
  transport: 'udp' | 'tcp';
  /** Where the question ends in the query: the reply must carry the same bytes before it. */
  questionEnd: number;
}

/** The first answer any upstream gives, its id set back to the query's; undefined when none did. */
export async function forward(query: Buffer, o: ForwardOptions): Promise<Buffer | undefined> {
  for (const u of o.upstreams) {
    const sent = Buffer.from(query);
    sent.writeUInt16BE(randomInt(0x10000), 0);
    try {
      const reply = await (o.transport === 'udp' ? exchangeUdp : exchangeTcp)(sent, u, o.timeoutMs, (r) => matches(r, sent, o.questionEnd));
      reply.writeUInt16BE(query.readUInt16BE(0), 0);
      return reply;
    } catch {
      // timed out, refused or unreachable: the next one
    }
  }
  return undefined;
}

function matches(reply: Buffer, sent: Buffer, questionEnd: number): boolean {
  return reply.length >= questionEnd && reply.readUInt16BE(0) === sent.readUInt16BE(0) && (reply[2]! & 0x80) !== 0 && reply.compare(sent, 4, 6, 4, 6) === 0 && reply.compare(sent, 12, questionEnd, 12, questionEnd) === 0;
}

function exchangeUdp(query: Buffer, u: Upstream, timeoutMs: number, ok: (r: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(u.host) ? 'udp6' : 'udp4');
    let finished = false;
    const done = (err: Error | undefined, reply?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${u.host}:${u.port} in ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg, from) => {
      if (from.address === u.host && from.port === u.port && ok(msg)) done(undefined, msg);
    });
    socket.send(query, u.port, u.host, (err) => err && done(err));
  });
}

function exchangeTcp(query: Buffer, u: Upstream, timeoutMs: number, ok: (r: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.host, port: u.port });
    let buffered = Buffer.alloc(0);
    let finished = false;
    const done = (err: Error | undefined, reply?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${u.host}:${u.port} in ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('close', () => done(new Error(`${u.host}:${u.port} closed the connection`)));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const len = buffered.readUInt16BE(0);
      if (buffered.length < 2 + len) return;
      const reply = Buffer.from(buffered.subarray(2, 2 + len));
      done(ok(reply) ? undefined : new Error(`${u.host}:${u.port} answered another question`), reply);
    });
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(query.length);
    socket.write(Buffer.concat([prefix, query]));
  });
}
