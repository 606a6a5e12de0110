// GET /api/v1/nodes/<node>/proxy/<path>: the node's kubelet API through its tunnel, so Prometheus
// and `kubectl get --raw` reach every node's /metrics through the API server alone. Authorized as
// `get nodes/proxy` before it gets here. Only the kubelet's read-only paths pass: the proxy must not
// become a way around pods/exec or pods/log's own authorization.
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../errors.js';

export type NodeDialer = (node: string, target: string) => Promise<Duplex>;

const PROXY_PATH = /^\/api\/v1\/nodes\/([^/]+)\/proxy(\/.*)?$/;

/** Kubelet API paths a node proxy may read. */
const allowed = (path: string) => path === '/metrics' || path === '/healthz' || path === '/pods' || path === '/pods/' || path === '/stats/summary';

export function isNodeProxyPath(pathname: string): boolean {
  return PROXY_PATH.test(pathname);
}

export async function handleNodeProxy(req: IncomingMessage, res: ServerResponse, url: URL, nodeExists: (name: string) => Promise<boolean>, dial: NodeDialer | undefined): Promise<void> {
  const m = PROXY_PATH.exec(url.pathname)!;
  // A port after the name (`node:10250`) names the kubelet's port upstream; there is only one here.
  const node = decodeURIComponent(m[1]!).replace(/:\d+$/, '');
  const path = m[2] ?? '/';
  if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed();
  if (!(await nodeExists(node))) throw errors.notFound({ group: '', resource: 'nodes' }, node);
  if (!allowed(path)) throw errors.notFoundPath();
  if (!dial) throw new ApiError(503, 'ServiceUnavailable', 'this server cannot reach kubelets');
  let stream: Duplex;
  try {
    stream = await dial(node, 'kubelet');
  } catch (err) {
    throw new ApiError(503, 'ServiceUnavailable', `error trying to reach node "${node}": ${(err as Error).message}`);
  }
  await new Promise<void>((resolve, reject) => {
    const upstream = request(
      { createConnection: () => stream as never, path: `${path}${url.search}`, method: req.method, headers: { host: 'kubelet', connection: 'close', ...(req.headers.accept ? { accept: req.headers.accept } : {}) } },
      (answer) => {
        const headers: Record<string, string> = { 'Cache-Control': 'no-cache, private' };
        const type = answer.headers['content-type'];
        if (type) headers['Content-Type'] = type;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', () => resolve());
      },
    );
    upstream.on('error', (err) => {
      stream.destroy();
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(new ApiError(503, 'ServiceUnavailable', `error trying to reach node "${node}": ${err.message}`));
    });
    res.on('close', () => upstream.destroy());
    upstream.end();
  });
}
