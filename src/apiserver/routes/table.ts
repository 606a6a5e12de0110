// The API server's routes in the order they are tried. `open` entries answer before any credential
// is read; the rest see the request after authentication and authorization.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.js';
import { sendText } from '../http/respond.js';
import type { JoinEndpoint } from '../join/join-endpoint.js';
import { CACERTS_PATH, JOIN_PATH } from '../../join/protocol.js';
import { SERVER_JOIN_PATH } from '../../join/protocol.js';
import { DASHBOARD_PATH, type Dashboard } from '../../dashboard/handler.js';
import { METRICS_GROUP } from '../../metrics/resource-metrics.js';
import type { MetricsApi } from '../metrics/handler.js';
import { METRICS_PATH } from '../prometheus/metrics-endpoint.js';
import { isNodeProxyPath } from '../prometheus/node-proxy.js';
import { OPENAPI_V2_PATH } from '../openapi/v2-documents.js';
import { sendDiscoveryRoot, sendDocument, sendOpenAPIV2, sendOpenAPIV3, type ServedDocuments } from './documents.js';
import { routeTable, type AdmittedRequest, type Route, type RouteTable } from './route.js';
import type { HealthChecks } from './health.js';

export interface RouteDeps {
  /** /cacerts and the agents' join, which check the join token themselves. */
  join?: JoinEndpoint;
  /** A server joining managed etcd; checks the server token itself. */
  serverJoin?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  dashboard: Dashboard;
  /** The /version body. */
  version: string;
  /** The documents for the registry as it is now (custom resources change it while serving). */
  documents(): ServedDocuments;
  advertiseAddress: string;
  metricsApi: MetricsApi;
  /** The Prometheus text of the control plane's registry. */
  prometheus(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  nodeProxy(r: AdmittedRequest): Promise<void>;
  resource(r: AdmittedRequest): Promise<void>;
  /** The named checks behind /healthz, /livez and /readyz; without them each answers "ok". */
  health?: HealthChecks;
}

// Exactly these paths, as written (a trailing slash allowed), are readable without credentials.
const PUBLIC_INFO = new Set(['/healthz', '/livez', '/readyz', '/version', '/healthz/', '/livez/', '/readyz/', '/version/']);
const HEALTH = /^\/(healthz|livez|readyz)(\/|$)/;

const nonResource = (r: AdmittedRequest) => r.info.kind === 'nonresource';
const ok = (r: AdmittedRequest) => sendText(r.req, r.res, 200, 'ok', 'text/plain; charset=utf-8');

export function buildRoutes(d: RouteDeps): RouteTable {
  const join = d.join;
  const version = (r: AdmittedRequest) => sendText(r.req, r.res, 200, d.version, 'application/json');
  const health = (r: AdmittedRequest) => (d.health ? d.health.answer(r.req, r.res, r.path, r.url) : ok(r));
  const routes: Route[] = [];
  if (join) {
    routes.push(
      { name: 'cacerts', access: 'open', match: (r) => r.url.pathname === CACERTS_PATH, handle: (r) => join.cacerts(r.req, r.res) },
      { name: 'join', access: 'open', match: (r) => r.url.pathname === JOIN_PATH, handle: (r) => join.join(r.req, r.res) },
    );
  }
  const serverJoin = d.serverJoin;
  if (serverJoin) routes.push({ name: 'server join', access: 'open', match: (r) => r.url.pathname === SERVER_JOIN_PATH, handle: (r) => serverJoin(r.req, r.res) });
  routes.push(
    // The page itself is public, like a login form; everything it shows comes through the API.
    {
      name: 'dashboard',
      access: 'open',
      match: (r) => r.url.pathname === DASHBOARD_PATH || r.url.pathname.startsWith(`${DASHBOARD_PATH}/`),
      handle: (r) => void d.dashboard.handle(r.req, r.res, r.url.pathname),
    },
    // Non-resource paths are read-only, known or not.
    {
      name: 'non-resource verbs',
      access: 'authorized',
      match: (r) => nonResource(r) && r.req.method !== 'GET' && r.req.method !== 'HEAD',
      handle: () => {
        throw errors.methodNotAllowed();
      },
    },
    {
      name: 'public info',
      access: 'public',
      match: (r) => PUBLIC_INFO.has(r.url.pathname),
      handle: (r) => (r.path === '/version' ? version(r) : health(r)),
    },
    { name: 'health', access: 'authorized', match: (r) => nonResource(r) && HEALTH.test(r.path), handle: health },
    { name: 'version', access: 'authorized', match: (r) => nonResource(r) && r.path === '/version', handle: version },
    {
      name: 'discovery roots',
      access: 'authorized',
      match: (r) => nonResource(r) && (r.path === '/api' || r.path === '/apis'),
      handle: (r) => sendDiscoveryRoot(r.req, r.res, d.documents(), r.path === '/api' ? 'api' : 'apis', d.advertiseAddress),
    },
    {
      name: 'discovery documents',
      access: 'authorized',
      match: (r) => nonResource(r) && (r.path === '/api/v1' || /^\/apis\/[^/]+(\/[^/]+)?$/.test(r.path)),
      handle: (r) => {
        const docs = d.documents().discovery;
        const [group, ver] = r.path.split('/').slice(2);
        sendDocument(r.req, r.res, r.path === '/api/v1' ? docs.resourceList('v1') : ver === undefined ? docs.apiGroup(group!) : docs.resourceList(`${group}/${ver}`));
      },
    },
    {
      name: 'openapi v3',
      access: 'authorized',
      match: (r) => nonResource(r) && (r.path === '/openapi/v3' || r.path.startsWith('/openapi/v3/')),
      handle: (r) => sendOpenAPIV3(r.req, r.res, d.documents(), r.path, r.url),
    },
    { name: 'prometheus', access: 'authorized', match: (r) => nonResource(r) && r.path === METRICS_PATH, handle: (r) => d.prometheus(r.req, r.res, r.url) },
    { name: 'openapi v2', access: 'authorized', match: (r) => nonResource(r) && r.path === OPENAPI_V2_PATH, handle: (r) => sendOpenAPIV2(r.req, r.res, d.documents()) },
    {
      name: 'unknown non-resource path',
      access: 'authorized',
      match: nonResource,
      handle: () => {
        throw errors.notFoundPath();
      },
    },
    {
      name: 'node proxy',
      access: 'authorized',
      match: ({ info, url }) => info.kind === 'resource' && info.group === '' && info.resource === 'nodes' && info.subresource === 'proxy' && isNodeProxyPath(url.pathname),
      handle: (r) => d.nodeProxy(r),
    },
    {
      name: 'metrics.k8s.io',
      access: 'authorized',
      match: ({ info }) => info.kind === 'resource' && info.group === METRICS_GROUP,
      handle: (r) => {
        if (r.info.kind === 'resource') return d.metricsApi.handle(r.req, r.res, r.info, r.url.searchParams);
      },
    },
    { name: 'resources', access: 'authorized', match: ({ info }) => info.kind === 'resource', handle: (r) => d.resource(r) },
  );
  return routeTable(routes);
}
