// GET pods/<name>/log: the API server finds the pod's node and asks that node's kubelet through the
// agent's tunnel (or directly, for the server's own node), streaming the answer back as it comes.
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../errors.js';
import type { ReadRequest } from './read.js';

export type NodeDialer = (node: string, target: string) => Promise<Duplex>;

const passThrough = ['follow', 'tailLines', 'timestamps', 'previous', 'sinceSeconds', 'sinceTime', 'limitBytes'];

export async function handlePodLog(r: ReadRequest, name: string, dial: NodeDialer | undefined): Promise<void> {
  const pod = await r.ctx.store.get(r.d, r.namespace, name);
  const spec = (pod.spec ?? {}) as { nodeName?: string; containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }>; ephemeralContainers?: Array<{ name: string }> };
  const names = (spec.containers ?? []).map((c) => c.name);
  const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name), ...(spec.ephemeralContainers ?? []).map((c) => c.name)];
  let container = r.query.get('container') ?? '';
  if (!container) {
    if (names.length !== 1) {
      throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${spec.initContainers?.length ? ` or one of the init containers: [${spec.initContainers.map((c) => c.name).join(' ')}]` : ''}`);
    }
    container = names[0]!;
  } else if (!all.includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  }
  if (!spec.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  if (!dial) throw new ApiError(503, 'ServiceUnavailable', 'this server cannot reach kubelets');
  let stream: Duplex;
  try {
    stream = await dial(spec.nodeName, 'kubelet');
  } catch (err) {
    throw new ApiError(502, 'InternalError', `cannot reach the kubelet of node "${spec.nodeName}": ${(err as Error).message}`);
  }
  const query = new URLSearchParams();
  for (const key of passThrough) {
    const v = r.query.get(key);
    if (v !== null) query.set(key, v);
  }
  const path = `/containerLogs/${encodeURIComponent(r.namespace!)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}${query.size ? `?${query}` : ''}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = request({ createConnection: () => stream as never, path, method: 'GET', headers: { host: 'kubelet', connection: 'close' } }, (res) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8').trim();
          const code = res.statusCode ?? 500;
          reject(new ApiError(code, code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError', text || `the kubelet answered ${code}`));
        });
        return;
      }
      r.res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
      res.pipe(r.res);
      res.on('end', resolve);
      res.on('error', resolve);
    });
    upstream.on('error', (err) => {
      if (r.res.headersSent) {
        r.res.end();
        resolve();
      } else reject(new ApiError(502, 'InternalError', `the kubelet of node "${spec.nodeName}" failed: ${err.message}`));
    });
    // A client that stops reading (kubectl logs -f, Ctrl-C) ends the upstream request too.
    r.res.on('close', () => upstream.destroy());
    upstream.end();
  });
}
