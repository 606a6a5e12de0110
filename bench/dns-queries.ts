// `node dist/bench/dns-queries.js [seconds]`: queries per second and latency of a Service A lookup
// against the node DNS server on 127.0.0.1. The server runs on the main thread (one core); the
// client runs in a worker thread, keeping a fixed number of UDP queries in flight. Two runs: as
// shipped (encoded answers cached per name and type), and with the cache defeated (every answer
// encoded anew), to show what the cache buys. Prints a table, then one JSON line.
import { createSocket } from 'node:dgram';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { MemoryInformer } from '../src/client/informer.js';
import type { KObject } from '../src/registry/types.js';
import { encodeMessage } from '../src/dns/encode.js';
import { rrType } from '../src/dns/message.js';
import { createClusterRecords, type DnsRecords } from '../src/dns/records.js';
import { startDnsServer } from '../src/dns/server.js';

const IN_FLIGHT = Number(process.env.DNS_BENCH_IN_FLIGHT ?? 32);
const WARMUP_MS = 1000;

interface ClientResult {
  answered: number;
  /** Queries never answered (dropped by a full socket buffer), replaced after a second. */
  lost: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

function client(o: { port: number; ms: number }): Promise<ClientResult> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    let nextId = 0;
    let measuring = false;
    let answered = 0;
    let lost = 0;
    let started = 0;
    const query = (id: number) =>
      encodeMessage({ id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name: 'web.default.svc.cluster.local', type: rrType.A, class: 1 }], answers: [], authority: [], additional: [] });
    const template = query(0);
    const send = () => {
      const id = nextId++ & 0xffff;
      const msg = Buffer.from(template);
      msg.writeUInt16BE(id, 0);
      sentAt.set(id, performance.now());
      socket.send(msg, o.port, '127.0.0.1');
    };
    socket.on('message', (msg) => {
      const id = msg.readUInt16BE(0);
      const at = sentAt.get(id);
      if (at === undefined) return;
      sentAt.delete(id);
      if (measuring) {
        answered++;
        latencies.push(performance.now() - at);
      }
      send();
    });
    // A lost datagram would shrink the window for good: one unanswered for a second is replaced.
    const topUp = setInterval(() => {
      const now = performance.now();
      for (const [id, at] of sentAt) if (now - at > 1000) sentAt.delete(id), lost++, send();
    }, 200);
    socket.bind(0, '127.0.0.1', () => {
      for (let i = 0; i < IN_FLIGHT; i++) send();
      setTimeout(() => {
        measuring = true;
        started = performance.now();
        setTimeout(() => {
          measuring = false;
          const seconds = (performance.now() - started) / 1000;
          clearInterval(topUp);
          socket.close();
          latencies.sort((a, b) => a - b);
          const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN) * 1000) / 1000;
          resolve({ answered, lost, seconds, p50Ms: at(0.5), p99Ms: at(0.99) });
        }, o.ms);
      }, WARMUP_MS);
    });
  });
}

/** Records whose generation moves on every question: the server's answer cache never hits. */
function uncached(records: DnsRecords): DnsRecords {
  let generation = 0;
  return { get generation() { return generation; }, answer: (name, type) => (generation++, records.answer(name, type)) };
}

async function run(records: DnsRecords, ms: number): Promise<ClientResult> {
  const server = await startDnsServer({ records, listen: { address: '127.0.0.1', port: 0 }, upstream: [], log: { debug: () => undefined, warn: () => undefined } });
  try {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { port: server.port, ms } });
    return await new Promise<ClientResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const ms = Number(process.argv[2] ?? 5) * 1000;
  // A cluster of some size, so the lookup is not into an empty index.
  const services = new MemoryInformer<KObject>(
    Array.from({ length: 2000 }, (_, i) => ({ metadata: { name: i === 0 ? 'web' : `svc-${i}`, namespace: i % 2 ? 'default' : 'other' }, spec: { clusterIP: `10.43.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80 }] } })),
  );
  const records = createClusterRecords({ services, endpointSlices: new MemoryInformer() });
  const rows: Array<[string, ClientResult]> = [['cached answers (as shipped)', await run(records, ms)], ['no answer cache', await run(uncached(records), ms)]];
  records.stop();
  console.log('DNS A lookup over UDP, 127.0.0.1, %d in flight, %d s each', IN_FLIGHT, ms / 1000);
  for (const [name, r] of rows) console.log(`  ${name.padEnd(28)} ${Math.round(r.answered / r.seconds).toString().padStart(7)} q/s   p50 ${r.p50Ms} ms   p99 ${r.p99Ms} ms   lost ${r.lost}`);
  console.log(JSON.stringify(Object.fromEntries(rows.map(([name, r]) => [name, { qps: Math.round(r.answered / r.seconds), p50Ms: r.p50Ms, p99Ms: r.p99Ms, lost: r.lost }]))));
}

if (isMainThread) await main();
else parentPort!.postMessage(await client(workerData as { port: number; ms: number }));
