// Asks one node's kubelet for its Summary through the node's tunnel (as pods/log does), within a
// deadline: a node that is slow or gone must only be missing from the answer, never stall it.
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { SUMMARY_PATH, type Summary } from '../../metrics/summary.js';

export type NodeDialer = (node: string, target: string) => Promise<Duplex>;

/** Summaries are small (about 1 KiB a pod); a kubelet sending more than this is broken. */
const MAX_BYTES = 16 << 20;

export async function fetchSummary(dial: NodeDialer, node: string, timeoutMs: number): Promise<Summary> {
  let expired = false;
  let stream: Duplex | undefined;
  let timer: NodeJS.Timeout | undefined;
  const dialed = dial(node, 'kubelet').then((s) => {
    // A dial that completes after the deadline is closed at once.
    if (expired) s.destroy();
    return (stream = s);
  });
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      stream?.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const answer = dialed.then(
    (s) =>
      new Promise<Summary>((resolve, reject) => {
        const req = request({ createConnection: () => s as never, path: SUMMARY_PATH, method: 'GET', headers: { host: 'kubelet', connection: 'close', accept: 'application/json' } }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BYTES) req.destroy(new Error(`the summary is larger than ${MAX_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`the kubelet answered ${res.statusCode}: ${body.trim()}`));
            try {
              resolve(JSON.parse(body) as Summary);
            } catch (err) {
              reject(new Error(`the kubelet's summary is not JSON: ${(err as Error).message}`));
            }
          });
        });
        req.on('error', reject);
        req.end();
      }),
  );
  try {
    return await Promise.race([answer, timedOut]);
  } finally {
    clearTimeout(timer);
    stream?.destroy();
  }
}
