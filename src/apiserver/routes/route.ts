// One entry of the API server's route table: what it answers and who may reach it. The table is
// read top to bottom and the first entry that matches answers, so a new path is one more entry
// (and a test of where it sits) instead of another branch in the request handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../request-info.js';
import type { UserInfo } from '../authn.js';

/**
 * - `open`: answered before authentication. The handler checks a credential of its own (the join
 *   token) or serves nothing that needs one (the dashboard's static files).
 * - `public`: a GET needs no credentials (health, version), as upstream's system:public-info-viewer;
 *   other verbs and authenticated callers go through authorization like any request.
 * - `authorized`: authenticated, then authorized on the request's attributes.
 */
export type Access = 'open' | 'public' | 'authorized';

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The path without trailing slashes ('/' stays '/'). */
  path: string;
}

/** What `authorized` and `public` entries see: the request after authorization. */
export interface AdmittedRequest extends RouteRequest {
  info: RequestInfo;
  /** Absent only for an anonymous GET of a `public` entry. */
  user?: UserInfo;
}

interface RouteBase<R> {
  /** For logs and tests. */
  name: string;
  match(r: R): boolean;
  handle(r: R): void | Promise<void>;
}

export interface OpenRoute extends RouteBase<RouteRequest> {
  access: 'open';
}

export interface AdmittedRoute extends RouteBase<AdmittedRequest> {
  access: 'public' | 'authorized';
}

export type Route = OpenRoute | AdmittedRoute;

export function routeRequest(req: IncomingMessage, res: ServerResponse, url: URL): RouteRequest {
  const p = url.pathname;
  return { req, res, url, path: p.endsWith('/') ? p.replace(/\/+$/, '') || '/' : p };
}

/** The entries split by access once, in table order, so a request scans only those that apply. */
export interface RouteTable {
  readonly routes: readonly Route[];
  readonly open: readonly OpenRoute[];
  readonly public: readonly AdmittedRoute[];
  readonly admitted: readonly AdmittedRoute[];
}

export function routeTable(routes: readonly Route[]): RouteTable {
  const admitted = routes.filter((r): r is AdmittedRoute => r.access !== 'open');
  return {
    routes,
    open: routes.filter((r): r is OpenRoute => r.access === 'open'),
    public: admitted.filter((r) => r.access === 'public'),
    admitted,
  };
}

/** The first `open` entry for this request, looked up before any credential is read. */
export function findOpenRoute(table: RouteTable, r: RouteRequest): OpenRoute | undefined {
  for (const route of table.open) if (route.match(r)) return route;
  return undefined;
}

/**
 * Whether a request needs no credentials: a GET of a `public` entry. Public entries match on the
 * path alone, so this is known before the request's attributes are parsed (an anonymous caller
 * gets 401 before it could learn anything from a 400 about its path).
 */
export function isPublicRequest(table: RouteTable, r: RouteRequest): boolean {
  if (r.req.method !== 'GET') return false;
  for (const route of table.public) if (route.match(r as AdmittedRequest)) return true;
  return false;
}

/** The first `public` or `authorized` entry that matches the admitted request. */
export function findAdmittedRoute(table: RouteTable, r: AdmittedRequest): AdmittedRoute | undefined {
  for (const route of table.admitted) if (route.match(r)) return route;
  return undefined;
}
