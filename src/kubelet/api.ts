// The kubelet's HTTP API, as the API server reaches it through the agent's tunnel: health, the pods
// it runs, container logs (kubectl logs, with -f, --previous, --tail, --timestamps, --since,
// --limit-bytes), each container's resolved environment (what the downward API gave it), and the
// exec, attach and port-forward upgrades, and resource usage (/stats/summary, see metrics/summary.ts).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Kubelet } from './kubelet.js';
import type { LogOptions } from '../runtime/types.js';
import { SUMMARY_PATH } from '../metrics/summary.js';
import { nodeRegistry } from '../instrumentation/registries.js';
import { createStreamingHandler, type StreamingOptions, type UpgradeHandler } from './streaming/handler.js';

const text = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
};

const json = (res: ServerResponse, body: unknown) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const isTrue = (v: string | null) => v === 'true' || v === '1';

export function createKubeletApi(kubelet: Kubelet): RequestListener {
  return (req, res) => {
    serve(kubelet, req, res).catch((err) => {
      if (!res.headersSent) text(res, 500, `${(err as Error)?.message ?? String(err)}\n`);
      else res.destroy();
    });
  };
}

/** The API's upgrade requests (exec, attach, port-forward; see streaming/), for the server's
 *  'upgrade' event: Node hands those to no request listener. */
export function createKubeletUpgradeHandler(kubelet: Kubelet, opts: StreamingOptions = {}): UpgradeHandler {
  return createStreamingHandler(kubelet, opts);
}

async function serve(kubelet: Kubelet, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://kubelet');
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed\n');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (url.pathname === '/healthz') return text(res, 200, 'ok');
  // This node's kubelet, service proxy and overlay metrics (and the process'), for Prometheus
  // through the API server's nodes/<n>/proxy/metrics.
  if (url.pathname === '/metrics') {
    const body = await nodeRegistry.metrics();
    res.writeHead(200, { 'content-type': nodeRegistry.contentType });
    return void res.end(req.method === 'HEAD' ? undefined : body);
  }
  if (url.pathname === '/pods' || url.pathname === '/pods/') {
    return json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: kubelet.pods() });
  }
  if (url.pathname === SUMMARY_PATH) {
    const summary = kubelet.summary();
    if (!summary) return text(res, 501, 'this node\'s container runtime reports no resource usage\n');
    return json(res, await summary);
  }
  if (parts[0] === 'containerLogs' && parts.length === 4) return logs(kubelet, parts as [string, string, string, string], url.searchParams, req, res);
  if (parts[0] === 'containerEnv' && parts.length === 4) {
    const [, namespace, pod, container] = parts as [string, string, string, string];
    const created = kubelet.containerEnv(namespace, pod, container);
    if (typeof created === 'string') return text(res, 404, `${created}\n`);
    return json(res, created);
  }
  return text(res, 404, '404 page not found\n');
}

async function logs(kubelet: Kubelet, parts: [string, string, string, string], q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [, namespace, pod, container] = parts;
  const ref = kubelet.findContainer(namespace, pod, container, { previous: isTrue(q.get('previous')) });
  if (typeof ref === 'string') return text(res, 404, `${ref}\n`);
  const opts: LogOptions = { timestamps: isTrue(q.get('timestamps')), follow: isTrue(q.get('follow')) };
  const tail = q.get('tailLines');
  if (tail !== null && /^-?\d+$/.test(tail) && Number(tail) >= 0) opts.tailLines = Number(tail);
  const sinceSeconds = q.get('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds && /^\d+$/.test(sinceSeconds)) opts.sinceMs = Date.now() - Number(sinceSeconds) * 1000;
  else if (sinceTime && !Number.isNaN(Date.parse(sinceTime))) opts.sinceMs = Date.parse(sinceTime);
  const limit = q.get('limitBytes');
  let budget = limit && /^\d+$/.test(limit) ? Number(limit) : Infinity;

  // The reader stops when the client goes away, not only when the container exits.
  const gone = new AbortController();
  res.on('close', () => gone.abort());
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', ...(opts.follow ? { 'transfer-encoding': 'chunked' } : {}) });
  if (req.method === 'HEAD') return void res.end();
  for await (const line of kubelet.runtime.readLog(ref.id, opts, gone.signal)) {
    const chunk = Buffer.from(line);
    if (chunk.length >= budget) {
      res.write(chunk.subarray(0, budget));
      budget = 0;
      break;
    }
    budget -= chunk.length;
    if (!res.write(chunk)) await new Promise<void>((resolve) => {
      res.once('drain', resolve);
      gone.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    if (gone.signal.aborted) break;
  }
  res.end();
}
