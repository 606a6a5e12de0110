import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildRoutes, type RouteDeps } from './table.js';
import { findAdmittedRoute, findOpenRoute, isPublicRequest, routeRequest, type RouteTable } from './route.js';
import { parseRequestInfo } from '../request-info.js';
import { ApiError } from '../errors.js';
import type { JoinEndpoint } from '../join/join-endpoint.js';

const noop = async () => undefined;
const deps = (join?: JoinEndpoint): RouteDeps => ({
  join,
  dashboard: { handle: () => true },
  version: '{}',
  documents: () => {
    throw new Error('not in these tests');
  },
  advertiseAddress: '127.0.0.1:6443',
  metricsApi: { handle: noop } as unknown as RouteDeps['metricsApi'],
  prometheus: noop,
  nodeProxy: noop,
  resource: noop,
});
const join = { cacerts: noop, join: noop } as unknown as JoinEndpoint;

function request(method: string, target: string) {
  const req = { method, url: target, headers: {} } as IncomingMessage;
  return routeRequest(req, {} as ServerResponse, new URL(`https://localhost${target}`));
}

/** The entry that answers, as the server looks it up: open ones first, then after admission. */
function routeFor(routes: RouteTable, method: string, target: string): string | undefined {
  const r = request(method, target);
  const open = findOpenRoute(routes, r);
  if (open) return open.name;
  return findAdmittedRoute(routes, { ...r, info: parseRequestInfo(method, r.url.pathname, r.url.searchParams) })?.name;
}

describe('the API server route table', () => {
  const routes = buildRoutes(deps(join));

  it('sends each path to its entry', () => {
    const cases: [string, string, string][] = [
      ['GET', '/cacerts', 'cacerts'],
      ['POST', '/v1-k3ts/join', 'join'],
      ['GET', '/dashboard', 'dashboard'],
      ['GET', '/dashboard/app.js', 'dashboard'],
      ['POST', '/dashboard/', 'dashboard'],
      ['GET', '/healthz', 'public info'],
      ['GET', '/version/', 'public info'],
      ['GET', '/healthz/etcd', 'health'],
      ['GET', '/livez//', 'health'],
      ['GET', '/version//', 'version'],
      ['GET', '/api', 'discovery roots'],
      ['GET', '/apis/', 'discovery roots'],
      ['GET', '/api/v1', 'discovery documents'],
      ['GET', '/apis/apps', 'discovery documents'],
      ['GET', '/apis/apps/v1', 'discovery documents'],
      ['GET', '/openapi/v3/apis/apps/v1?hash=x', 'openapi v3'],
      ['GET', '/openapi/v2', 'openapi v2'],
      ['GET', '/metrics', 'prometheus'],
      ['GET', '/dashboardx', 'unknown non-resource path'],
      ['GET', '/api/v2beta', 'unknown non-resource path'],
      ['POST', '/healthz', 'non-resource verbs'],
      ['DELETE', '/metrics', 'non-resource verbs'],
      ['GET', '/api/v1/nodes/n1/proxy/metrics', 'node proxy'],
      ['GET', '/apis/metrics.k8s.io/v1beta1/nodes', 'metrics.k8s.io'],
      ['GET', '/api/v1/pods', 'resources'],
      ['GET', '/api/v1/nodes/n1/status', 'resources'],
      ['POST', '/apis/apps/v1/namespaces/default/deployments', 'resources'],
    ];
    for (const [method, target, name] of cases) assert.equal(routeFor(routes, method, target), name, `${method} ${target}`);
  });

  it('the join paths exist only when the server takes joins', () => {
    const withoutJoin = buildRoutes(deps());
    assert.equal(routeFor(withoutJoin, 'GET', '/cacerts'), 'unknown non-resource path');
    assert.equal(findOpenRoute(withoutJoin, request('GET', '/cacerts')), undefined);
  });

  it('only GETs of the exact health and version paths need no credentials', () => {
    for (const target of ['/healthz', '/livez/', '/readyz', '/version']) assert.equal(isPublicRequest(routes, request('GET', target)), true, target);
    for (const [method, target] of [
      ['HEAD', '/healthz'],
      ['POST', '/version'],
      ['GET', '/healthz/etcd'],
      ['GET', '/healthz//'],
      ['GET', '/api'],
      ['GET', '/metrics'],
      ['GET', '/api/v1/namespaces'],
    ]) {
      assert.equal(isPublicRequest(routes, request(method!, target!)), false, `${method} ${target}`);
    }
  });

  it('answers a non-resource verb other than GET or HEAD with 405, an unknown path with 404', () => {
    const post = request('POST', '/version');
    const route = findAdmittedRoute(routes, { ...post, info: parseRequestInfo('POST', '/version', post.url.searchParams) })!;
    assert.throws(() => route.handle({ ...post, info: parseRequestInfo('POST', '/version', post.url.searchParams) }), (e: unknown) => e instanceof ApiError && e.code === 405);
    const unknown = request('GET', '/nope');
    const info = parseRequestInfo('GET', '/nope', unknown.url.searchParams);
    assert.throws(() => findAdmittedRoute(routes, { ...unknown, info })!.handle({ ...unknown, info }), (e: unknown) => e instanceof ApiError && e.code === 404);
  });

  it('has unique names and ends with the resource catch-all', () => {
    const names = routes.routes.map((r) => r.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(names.at(-1), 'resources');
  });
});
