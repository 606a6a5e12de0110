// A stand-alone admission webhook for tests, run as its own process: HTTPS on 127.0.0.1 with the
// certificate and key given in WEBHOOK_CERT / WEBHOOK_KEY (PEM files). What it answers depends on
// the path:
//   /allow                    allowed
//   /add-label/<key>/<value>  allowed, with a JSONPatch adding that label
//   /deny/<message>           refused with that message (code 403)
//   /slow                     never answers (the API server's timeout must end the call)
//   /garbage                  200 with a body that is not JSON
//   /reinvoke-first           labels `first-saw-second` true/false: whether label `second` is there
//   /reinvoke-second          adds label `second=yes`
// GET /log answers every review received so far, as a JSON array.
// It prints `listening <port>` once it accepts connections.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';

type Json = Record<string, any>;
const received: Json[] = [];

const patchFor = (object: Json | null, labels: Record<string, string>): string => {
  const ops: Json[] = [];
  if (!object?.metadata?.labels) ops.push({ op: 'add', path: '/metadata/labels', value: {} });
  for (const [k, v] of Object.entries(labels)) ops.push({ op: 'add', path: `/metadata/labels/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: v });
  return Buffer.from(JSON.stringify(ops)).toString('base64');
};

function answer(path: string, review: Json): Json | undefined {
  const req = review.request as Json;
  const base = { uid: req.uid, allowed: true };
  const [, action, ...rest] = path.split('/');
  switch (action) {
    case 'allow':
      return base;
    case 'add-label':
      return { ...base, patchType: 'JSONPatch', patch: patchFor(req.object, { [decodeURIComponent(rest[0]!)]: decodeURIComponent(rest[1]!) }), warnings: ['label added by test webhook'] };
    case 'deny':
      return { uid: req.uid, allowed: false, status: { code: 403, message: decodeURIComponent(rest.join('/')) } };
    case 'reinvoke-first':
      return { ...base, patchType: 'JSONPatch', patch: patchFor(req.object, { 'first-saw-second': req.object?.metadata?.labels?.second ? 'true' : 'false' }) };
    case 'reinvoke-second':
      return { ...base, patchType: 'JSONPatch', patch: patchFor(req.object, { second: 'yes' }) };
    default:
      return undefined;
  }
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]!;
  if (req.method === 'GET' && path === '/log') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let review: Json;
    try {
      review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end('bad review');
      return;
    }
    received.push({ path, query: (req.url ?? '').split('?')[1] ?? '', review });
    if (path === '/slow') return; // left open until the caller gives up
    if (path === '/garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('this is not an AdmissionReview');
      return;
    }
    const response = answer(path, review);
    if (!response) {
      res.writeHead(404).end('no such webhook');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response }));
  });
}

const server = createServer({ cert: readFileSync(process.env.WEBHOOK_CERT!), key: readFileSync(process.env.WEBHOOK_KEY!) }, handle);
server.listen(Number(process.env.WEBHOOK_PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
