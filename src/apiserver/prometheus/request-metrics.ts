// The API server's request metrics under upstream's names and labels. Each request costs one map
// lookup of a bound series and a few additions to plain numbers (instrumentation/bound-metrics.ts);
// the gauges are plain counts too, copied into prom-client's gauges only when scraped.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge } from 'prom-client';
import { controlPlaneRegistry } from '../../instrumentation/registries.js';
import { BoundCounter, BoundHistogram } from '../../instrumentation/bound-metrics.js';
import type { RequestInfo } from '../request-info.js';

const registers = [controlPlaneRegistry];
const labelNames = ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

const total = new BoundCounter({
  name: 'apiserver_request_total',
  help: 'Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code.',
  labelNames: [...labelNames, 'code'],
  registers,
});
const duration = new BoundHistogram({
  name: 'apiserver_request_duration_seconds',
  help: 'Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component (long-running requests excluded).',
  labelNames: [...labelNames],
  // Upstream's buckets: what SLO dashboards written for kube-apiserver expect.
  buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
  registers,
});
/** A count kept in a plain number, read by its gauge when scraped. */
interface Count {
  n: number;
}
const readOnly: Count = { n: 0 };
const mutating: Count = { n: 0 };
new Gauge({
  name: 'apiserver_current_inflight_requests',
  help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
  labelNames: ['request_kind'],
  registers,
  collect() {
    this.set({ request_kind: 'readOnly' }, readOnly.n);
    this.set({ request_kind: 'mutating' }, mutating.n);
  },
});
new Gauge({
  name: 'apiserver_longrunning_requests',
  help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
  labelNames: [...labelNames],
  registers,
  collect() {
    this.reset();
    for (const c of children.values()) {
      if (c.longrunning.n === 0 && !c.longrunningSeen) continue;
      this.set(Object.fromEntries(labelNames.map((name, i) => [name, c.labels[i]!])), c.longrunning.n);
    }
  },
});

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
  /** Made on first use: long-running requests' labels get no latency series. */
  duration?: { observe(v: number): void };
  longrunning: Count;
  /** Once a long-running request had these labels, the series stays (at 0 when none is open). */
  longrunningSeen: boolean;
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
    c = { total: new Map(), longrunning: { n: 0 }, longrunningSeen: false, labels };
    children.set(key, c);
  }
  return c;
}

/** One request being measured; the server tells it what the request is once it has parsed it. */
export class RequestMeasure {
  info: RequestInfo | undefined;
  private readonly start = performance.now();
  private readonly gauge: Count;
  private long: Children | undefined;

  constructor(private readonly req: IncomingMessage) {
    this.gauge = req.method === 'GET' || req.method === 'HEAD' ? readOnly : mutating;
    this.gauge.n++;
  }

  /** Called once authorized: a long-running request leaves the in-flight count for the other gauge. */
  admitted(info: RequestInfo): void {
    this.info = info;
    if (!isLongRunning(info, this.req.url ?? '')) return;
    this.gauge.n--;
    this.long = childrenFor(metricVerb(this.req, info), info);
    this.long.longrunning.n++;
    this.long.longrunningSeen = true;
  }

  finished(res: ServerResponse): void {
    const c = this.long ?? childrenFor(metricVerb(this.req, this.info), this.info);
    if (this.long) this.long.longrunning.n--;
    else {
      this.gauge.n--;
      (c.duration ??= duration.labels(...c.labels)).observe((performance.now() - this.start) / 1000);
    }
    const code = res.statusCode;
    let t = c.total.get(code);
    if (!t) c.total.set(code, (t = total.labels(...c.labels, String(code))));
    t.inc();
  }
}
