// What looking a request up in the route table costs, in this process: the open entries, the
// public check and the admitted entries for a resource GET (the most common request, found by the
// last entry) and for /healthz. CPU time, median of 5 batches after a warm-up, in microseconds.
//   npx tsc -p tsconfig.json && node dist/bench/route-table.js
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildRoutes, type RouteDeps } from '../src/apiserver/routes/table.js';
import { findAdmittedRoute, findOpenRoute, isPublicRequest, routeRequest } from '../src/apiserver/routes/route.js';
import { parseRequestInfo } from '../src/apiserver/request-info.js';
import type { JoinEndpoint } from '../src/apiserver/join/join-endpoint.js';
import { median, round2 } from './stats.js';

const noop = async () => undefined;
const routes = buildRoutes({
  join: { cacerts: noop, join: noop } as unknown as JoinEndpoint,
  dashboard: { handle: () => true },
  version: '{}',
  documents: () => {
    throw new Error('unused');
  },
  advertiseAddress: '127.0.0.1:6443',
  metricsApi: { handle: noop } as unknown as RouteDeps['metricsApi'],
  prometheus: noop,
  nodeProxy: noop,
  resource: noop,
});

function micros(target: string): number {
  const req = { method: 'GET', url: target, headers: {} } as IncomingMessage;
  const res = {} as ServerResponse;
  const batch = 200_000;
  const results: number[] = [];
  let found = 0;
  for (let b = 0; b < 6; b++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) {
      const url = new URL(`https://localhost${target}`);
      const r = routeRequest(req, res, url);
      if (findOpenRoute(routes, r)) continue;
      isPublicRequest(routes, r);
      const info = parseRequestInfo('GET', url.pathname, url.searchParams);
      if (findAdmittedRoute(routes, { req, res, url, path: r.path, info })) found++;
    }
    const used = process.cpuUsage(t0);
    if (b > 0) results.push((used.user + used.system) / batch);
  }
  if (found === 0) throw new Error('nothing routed');
  return round2(median(results));
}

function baseline(target: string): number {
  // The same URL and request-info parsing without the table: what any routing pays anyway.
  const batch = 200_000;
  const results: number[] = [];
  for (let b = 0; b < 6; b++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) {
      const url = new URL(`https://localhost${target}`);
      parseRequestInfo('GET', url.pathname, url.searchParams);
    }
    const used = process.cpuUsage(t0);
    if (b > 0) results.push((used.user + used.system) / batch);
  }
  return round2(median(results));
}

const rows = ['/api/v1/namespaces/default/configmaps/target', '/healthz', '/apis/apps/v1'].map((target) => {
  const total = micros(target);
  const parse = baseline(target);
  return { target, microsWithTable: total, microsUrlAndParseOnly: parse, tableMicros: round2(total - parse) };
});
console.log(JSON.stringify({ rows }, null, 2));
