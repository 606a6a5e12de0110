// The API server's request metrics under upstream's names and labels. Each request costs one map
// lookup of a pre-bound child per metric: labels are joined into one key here instead of letting
// prom-client hash a label object on every observation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram } from 'prom-client';
import { controlPlaneRegistry } from '../../instrumentation/registries.js';
import type { RequestInfo } from '../request-info.js';

const registers = [controlPlaneRegistry];
const labelNames = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

const total = new Counter({
  name: 'apiserver_request_total',
  help: 'Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code.',
  labelNames: [...labelNames, 'code'],
  registers,
});
const duration = new Histogram({
  name: 'apiserver_request_duration_seconds',
  help: 'Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component (long-running requests excluded).',
  labelNames: [...labelNames],
  // Upstream's buckets: what SLO dashboards written for kube-apiserver expect.
  buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
  registers,
});
const inflight = new Gauge({
  name: 'apiserver_current_inflight_requests',
  help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
  labelNames: ['request_kind'],
  registers,
});
const longrunning = new Gauge({
  name: 'apiserver_longrunning_requests',
  help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
  labelNames: [...labelNames],
  registers,
});

const readOnly = inflight.labels('readOnly');
const mutating = inflight.labels('mutating');

/** Upstream reports verbs in capitals, with LIST/WATCH told apart from GET and APPLY from PATCH. */
function metricVerb(req: IncomingMessage, info: RequestInfo | undefined): string {
  const method = req.method ?? 'GET';
  if (!info) return method;
  if (info.kind === 'resource') {
    if (info.verb === 'list') return 'LIST';
    if (info.verb === 'watch') return 'WATCH';
    if (info.verb === 'patch' && req.headers['content-type']?.startsWith('application/apply-patch')) return 'APPLY';
    if (isConnect(info)) return 'CONNECT';
  }
  return method === 'HEAD' ? 'GET' : method;
}

const connectSubresources = new Set(['proxy', 'exec', 'attach', 'portforward']);
const isConnect = (info: RequestInfo) => info.kind === 'resource' && info.subresource !== undefined && connectSubresources.has(info.subresource);

/** Watches, followed logs and proxied streams: counted by apiserver_longrunning_requests instead of
 *  the in-flight gauge and the latency histogram (their duration is the client's choice). */
function isLongRunning(info: RequestInfo | undefined, url: string): boolean {
  if (!info || info.kind !== 'resource') return false;
  if (info.verb === 'watch') return true;
  if (info.subresource === 'log') return /[?&]follow=(true|1)(&|$)/.test(url);
  return isConnect(info) && info.subresource !== 'proxy';
}

interface Children {
  total: Map<number, { inc(): void }>;
  duration: { observe(v: number): void };
  longrunning: { inc(): void; dec(): void };
  labels: string[];
}
const children = new Map<string, Children>();

/** Only resources the server serves get a label of their own: a client asking for made-up names
 *  must not grow the exposition without bound. */
let served: (group: string, version: string, resource: string) => boolean = () => true;
export function setServedResources(isServed: typeof served): void {
  served = isServed;
}

function childrenFor(verb: string, info: RequestInfo | undefined): Children {
  const r = info?.kind === 'resource' && served(info.group, info.version, info.resource) ? info : undefined;
  const scope = !r ? '' : r.name !== undefined ? 'resource' : r.namespace !== undefined ? 'namespace' : 'cluster';
  const labels = [verb, r?.group ?? '', r?.version ?? '', r?.resource ?? '', r?.subresource ?? '', scope, 'apiserver'];
  const key = labels.join('\0');
  let c = children.get(key);
  if (!c) {
    c = { total: new Map(), duration: duration.labels(...labels), longrunning: longrunning.labels(...labels), labels };
    children.set(key, c);
  }
  return c;
}

/** One request being measured; the server tells it what the request is once it has parsed it. */
export class RequestMeasure {
  info: RequestInfo | undefined;
  private readonly start = performance.now();
  private readonly gauge: { inc(): void; dec(): void };
  private long: Children | undefined;

  constructor(private readonly req: IncomingMessage) {
    this.gauge = req.method === 'GET' || req.method === 'HEAD' ? readOnly : mutating;
    this.gauge.inc();
  }

  /** Called once authorized: a long-running request leaves the in-flight count for the other gauge. */
  admitted(info: RequestInfo): void {
    this.info = info;
    if (!isLongRunning(info, this.req.url ?? '')) return;
    this.gauge.dec();
    this.long = childrenFor(metricVerb(this.req, info), info);
    this.long.longrunning.inc();
  }

  finished(res: ServerResponse): void {
    const c = this.long ?? childrenFor(metricVerb(this.req, this.info), this.info);
    if (this.long) this.long.longrunning.dec();
    else {
      this.gauge.dec();
      c.duration.observe((performance.now() - this.start) / 1000);
    }
    const code = res.statusCode;
    let t = c.total.get(code);
    if (!t) c.total.set(code, (t = total.labels(...c.labels, String(code))));
    t.inc();
  }
}
