#!/usr/bin/env node
// Load for the seed-002 app: keeps N requests in flight against one or more URLs (e.g. the NodePort
// on every node) and prints, every few seconds, requests per second and which node answered how
// often — the numbers to watch beside `kubectl get hpa -w` while the autoscaler adds replicas.
//
//   node examples/seed002-app/load.mjs http://10.45.141.11:30080/ http://10.45.141.12:30080/ \
//        --concurrency 32 --seconds 120
//
// Also a module: startLoad({ urls, concurrency }) returns { stop(), stats() } for tests.
import { get } from 'node:http';
import { pathToFileURL } from 'node:url';

const agent = undefined; // one connection per request: each visit is a new CGI process, as real visitors

function once(url, timeoutMs) {
  return new Promise((resolve) => {
    const req = get(url, { agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c) => (body += c));
      res.on('end', () => resolve(/^Hello from (\S+),/.exec(body)?.[1] ?? `HTTP ${res.statusCode}`));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', (err) => resolve(`error: ${err.code ?? err.message}`));
  });
}

export function startLoad({ urls, concurrency = 16, timeoutMs = 5000 }) {
  let stopped = false;
  let next = 0;
  const byNode = new Map();
  let total = 0;
  const worker = async () => {
    while (!stopped) {
      const node = await once(urls[next++ % urls.length], timeoutMs);
      total++;
      byNode.set(node, (byNode.get(node) ?? 0) + 1);
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    stats: () => ({ total, byNode: Object.fromEntries(byNode) }),
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

function parseArgs(argv) {
  const o = { urls: [], concurrency: 16, seconds: 60 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--concurrency') o.concurrency = Number(argv[++i]);
    else if (a === '--seconds') o.seconds = Number(argv[++i]);
    else if (/^https?:\/\//.test(a)) o.urls.push(a);
    else throw new Error(`unknown argument ${a}; usage: load.mjs URL... [--concurrency N] [--seconds S]`);
  }
  if (o.urls.length === 0) throw new Error('give at least one URL, e.g. http://<node-ip>:30080/');
  if (!(o.concurrency >= 1) || !(o.seconds >= 1)) throw new Error('--concurrency and --seconds must be positive numbers');
  return o;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`load.mjs: ${err.message}`);
    process.exit(2);
  }
  const load = startLoad(o);
  let last = 0;
  const every = 5;
  const timer = setInterval(() => {
    const s = load.stats();
    console.log(`${((s.total - last) / every).toFixed(0)} req/s  ${JSON.stringify(s.byNode)}`);
    last = s.total;
  }, every * 1000);
  setTimeout(async () => {
    clearInterval(timer);
    await load.stop();
    console.log(`done: ${load.stats().total} requests`);
  }, o.seconds * 1000);
}
