// The peer check over real UDP sockets in this process's network namespace.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { PROBE_MAGIC, type ProbeTarget, type ProbeTransport } from './probe-transport.js';

function bind(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind({ address, port, exclusive: true }, () => {
      s.off('error', reject);
      // A send error on one answer must not take the responder down.
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

export function udpProbeTransport(): ProbeTransport {
  const responders = new Map<string, Socket>();
  return {
    async listen(addresses, port) {
      for (const [key, s] of responders) {
        if (!addresses.some((a) => `${a}:${port}` === key)) {
          s.close();
          responders.delete(key);
        }
      }
      for (const address of addresses) {
        const key = `${address}:${port}`;
        if (responders.has(key)) continue;
        try {
          const s = await bind(address, port);
          s.on('message', (msg, from) => {
            if (msg.subarray(0, PROBE_MAGIC.length).equals(PROBE_MAGIC)) s.send(msg, from.port, from.address);
          });
          responders.set(key, s);
        } catch {
          // The address is not on this host yet (the overlay is still coming up): next round.
        }
      }
    },

    probe(targets: ProbeTarget[], timeoutMs: number) {
      return new Promise((resolve) => {
        const answered = targets.map(() => false);
        if (targets.length === 0) return resolve(answered);
        const s = createSocket('udp4');
        const nonce = randomBytes(8);
        let left = targets.length;
        const finish = () => {
          clearTimeout(timer);
          s.close();
          resolve(answered);
        };
        const timer = setTimeout(finish, timeoutMs);
        s.on('error', () => undefined);
        s.on('message', (msg) => {
          const head = PROBE_MAGIC.length;
          if (msg.length < head + 12 || !msg.subarray(0, head).equals(PROBE_MAGIC) || !msg.subarray(head, head + 8).equals(nonce)) return;
          const i = msg.readUInt32BE(head + 8);
          // A truncated echo of a large probe is not an answer: the size is what is being tested.
          if (i < targets.length && !answered[i] && msg.length === Math.max(targets[i]!.size, head + 12)) {
            answered[i] = true;
            if (--left === 0) finish();
          }
        });
        s.bind(0, () => {
          targets.forEach((t, i) => {
            const msg = Buffer.alloc(Math.max(t.size, PROBE_MAGIC.length + 12));
            PROBE_MAGIC.copy(msg);
            nonce.copy(msg, PROBE_MAGIC.length);
            msg.writeUInt32BE(i, PROBE_MAGIC.length + 8);
            s.send(msg, t.port, t.address, () => undefined);
          });
        });
      });
    },

    async close() {
      for (const s of responders.values()) s.close();
      responders.clear();
    },
  };
}
