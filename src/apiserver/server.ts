// The HTTPS front: TLS with optional client certificates, authentication, authorization, then
// either a non-resource path (health, version, discovery, OpenAPI) or a resource request.
import https from 'node:https';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, ClientGoneError, errors } from './errors.js';
import { defaultConnectionLimits, trackConnections, type ConnectionLimits } from './http/connections.js';
import { readThroughStreams } from './http/tls-read-path.js';
import { createAuthenticator, type BearerAuthenticator, type TokenEntry, type UserInfo } from './authn.js';
import { forbiddenMessage, mastersAuthorizer, type Authorizer } from './authz.js';
import { BadPathError, parseRequestInfo, type RequestInfo, type ResourceRequest } from './request-info.js';
import { sendError } from './http/respond.js';
import { handleResource } from './handlers/resource.js';
import { handlePodStreamUpgrade, isPodStreamPath, type PodStreamDeps } from './handlers/pod-stream.js';
import { defaultWatchTuning, type WatchTuning } from './handlers/watch.js';
import type { ResourceContext } from './resources/context.js';
import { buildDiscoveryDocuments } from './discovery/documents.js';
import { buildOpenAPIDocuments } from './openapi/documents.js';
import { buildOpenAPIV2 } from './openapi/v2-documents.js';
import { versionInfo } from './version.js';
import type { Duplex } from 'node:stream';
import type { JoinEndpoint } from './join/join-endpoint.js';
import type { TunnelRegistry } from './tunnels.js';
import { nodeNameOf } from './node-authorizer.js';
import { impersonate, wantsImpersonation } from './impersonation.js';
import { TUNNEL_PATH } from '../join/protocol.js';
import { createMetricsApi } from './metrics/handler.js';
import { setAuditId, type Auditor, type AuditRecord } from './audit/auditor.js';
import { tlsProfile } from './http/tls-profile.js';
import { metricsDescriptors } from './metrics/descriptors.js';
import { createDashboard } from '../dashboard/handler.js';
import { RequestMeasure, setServedResources } from './prometheus/request-metrics.js';
import { watchStorageSize } from './prometheus/storage-metrics.js';
import { serveMetrics } from './prometheus/metrics-endpoint.js';
import { handleNodeProxy } from './prometheus/node-proxy.js';
import { controlPlaneRegistry } from '../instrumentation/registries.js';
import { buildRoutes } from './routes/table.js';
import { datastoreCheck, healthChecks } from './routes/health.js';
import { findAdmittedRoute, findOpenRoute, isPublicRequest, routeRequest } from './routes/route.js';
import { createWatchSockets, isWatchRequest } from './websocket/watch.js';
import { dispatchUpgrade, type UpgradeDeps, type UpgradeRoute } from './routes/upgrades.js';

export interface ApiServerOptions {
  context: ResourceContext;
  tls: { certPem: string; keyPem: string; clientCaPem: string };
  tokens: TokenEntry[];
  /** Tried in order for a bearer token the static table does not hold (ServiceAccount tokens). */
  bearerAuthenticators?: BearerAuthenticator[];
  bindAddress: string;
  port: number;
  /** host:port clients should use, for /api's serverAddressByClientCIDRs. */
  advertiseAddress: string;
  authorizer?: Authorizer;
  /** /cacerts and the agents' join, which authenticate with the join token instead. */
  join?: JoinEndpoint;
  /** A server joining managed etcd (SERVER_JOIN_PATH); authenticates with the server token itself. */
  serverJoin?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Agents' tunnels (websocket upgrades by node certificates) and the dialer for pods/log. */
  tunnels?: TunnelRegistry;
  watchTuning?: WatchTuning;
  /** Connection caps and deadlines; the defaults suit a real server. */
  limits?: Partial<ServerLimits>;
  log: (line: string) => void;
  /** Lines about normal events a client caused (a request it aborted), for --debug. */
  debug?: (line: string) => void;
  /** A line about something the operator may want to know (a client refused for its connections). */
  warn?: (msg: string, fields: Record<string, unknown>) => void;
  /** The audit log (--audit-log-path with --audit-policy-file); absent, nothing is recorded. */
  auditor?: Auditor;
}

export interface ServerLimits extends ConnectionLimits {
  /** A request's headers and body must have arrived within this time (watches and logs may then
   *  stream for as long as they ask). kube-apiserver's --request-timeout. */
  requestTimeoutMs: number;
}

export const defaultServerLimits: ServerLimits = { ...defaultConnectionLimits, requestTimeoutMs: 60_000 };

export interface ApiServer {
  readonly port: number;
  /** Sockets open right now, tunnels included. */
  readonly openConnections: number;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const authenticator = createAuthenticator(opts.tokens, [...(opts.bearerAuthenticators ?? []), ...serviceAccountBearer(opts.context)]);
  const authorizer = opts.authorizer ?? mastersAuthorizer;
  // metrics.k8s.io is listed beside the stored kinds but served from the kubelets (metrics/).
  const served = [...opts.context.registry.descriptors, ...metricsDescriptors];
  let discovery = buildDiscoveryDocuments(served);
  let openapi = buildOpenAPIDocuments(served);
  let openapiV2 = buildOpenAPIV2(served);
  // Custom resources change the registry while the server runs: the documents follow on next read.
  let builtAt = opts.context.registry.revision;
  const current = () => {
    if (opts.context.registry.revision !== builtAt) {
      builtAt = opts.context.registry.revision;
      const now = [...opts.context.registry.descriptors, ...metricsDescriptors];
      discovery = buildDiscoveryDocuments(now);
      openapi = buildOpenAPIDocuments(now);
      openapiV2 = buildOpenAPIV2(now);
    }
  };
  const version = JSON.stringify(versionInfo());
  const watchTuning = opts.watchTuning ?? defaultWatchTuning;
  const tunnels = opts.tunnels;
  const metrics = createMetricsApi({ ctx: opts.context, dial: tunnels ? (node, t) => tunnels.dial(node, t) : undefined, log: opts.log });
  const dashboard = createDashboard();
  const servedResources = new Set(served.map((d) => `${d.group}/${d.version}/${d.plural}`));
  setServedResources((g, v, r) => servedResources.has(`${g}/${v}/${r}`));
  watchStorageSize(opts.context.store.backend);
  const nodes = opts.context.registry.descriptors.find((d) => d.group === '' && d.plural === 'nodes');
  const nodeExists = async (name: string) => nodes !== undefined && (await opts.context.store.tryGet(nodes, undefined, name)) !== undefined;

  const routes = buildRoutes({
    join: opts.join,
    serverJoin: opts.serverJoin,
    dashboard,
    version,
    documents: () => {
      current();
      return { discovery, openapi, openapiV2 };
    },
    advertiseAddress: opts.advertiseAddress,
    metricsApi: metrics,
    prometheus: (req, res, url) => serveMetrics(controlPlaneRegistry, req, res, url),
    nodeProxy: ({ req, res, url }) => handleNodeProxy(req, res, url, nodeExists, tunnels ? (node, t) => tunnels.dial(node, t) : undefined),
    health: healthChecks(datastoreCheck(() => opts.context.store.backend.currentRevision())),
    resource: ({ req, res, url, info, user }) =>
      handleResource(opts.context, req, res, info as ResourceRequest, url.searchParams, watchTuning, { user: user!, authorizer, staticToken: authenticator.staticToken }, tunnels ? (node, t) => tunnels.dial(node, t) : undefined),
  });

  const auditor = opts.auditor;
  const handle = async (req: IncomingMessage, res: ServerResponse, measure: RequestMeasure, audit: AuditRecord | undefined) => {
    // Go refuses an HTTP/1.1 request without Host too; here the client gets to read why.
    if (req.httpVersion === '1.1' && !req.headers.host) throw errors.badRequest('missing required Host header');
    const target = req.url ?? '/';
    // Only origin-form targets; and `//x` must stay a path, not become a host name.
    if (!target.startsWith('/')) throw errors.badRequest('the request target must be a path starting with /');
    const url = new URL(`https://localhost${target}`);
    const routed = routeRequest(req, res, url);
    const open = findOpenRoute(routes, routed);
    if (open) return open.handle(routed);
    let user: UserInfo | undefined = authenticator.authenticate(req);
    const authenticated = user;
    if (user && wantsImpersonation(req)) user = await impersonate(req, user, authorizer);
    audit?.identify(authenticated, user);
    const isPublic = isPublicRequest(routes, routed);
    if (!user && !isPublic) throw errors.unauthorized();
    let info: RequestInfo;
    try {
      info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    } catch (err) {
      if (err instanceof BadPathError) throw errors.badRequest(err.message);
      throw err;
    }
    measure.info = info;
    audit?.received(info);
    if (user && !isPublic) {
      const decision = await authorizer.authorize(user, info);
      audit?.authorized(decision);
      if (!decision.allowed) {
        throw errors.forbidden(
          decision.reason ? `${forbiddenMessage(user, info)}: ${decision.reason}` : forbiddenMessage(user, info),
          info.kind === 'resource' ? { group: info.group, resource: info.resource } : undefined,
          info.kind === 'resource' ? info.name : undefined,
        );
      }
    }
    measure.admitted(info);
    const admitted = { req, res, url, path: routed.path, info, user };
    const route = findAdmittedRoute(routes, admitted);
    if (!route) throw errors.notFoundPath();
    await route.handle(admitted);
  };

  // The handshake gets no more time than a whole request. A connection that has sent nothing after
  // it is closed just after Node would have answered a request whose headers stalled, so that a
  // stalled request gets its 408 first.
  const requestTimeoutMs = opts.limits?.requestTimeoutMs ?? defaultServerLimits.requestTimeoutMs;
  const headersTimeoutMs = Math.min(32_000, requestTimeoutMs);
  const checkIntervalMs = Math.min(5_000, Math.max(100, Math.floor(requestTimeoutMs / 4)));
  const limits: ServerLimits = {
    ...defaultServerLimits,
    handshakeTimeoutMs: Math.min(defaultServerLimits.handshakeTimeoutMs, requestTimeoutMs),
    firstRequestTimeoutMs: headersTimeoutMs + checkIntervalMs + 1000,
    ...opts.limits,
  };
  const server = https.createServer(
    {
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ca: opts.tls.clientCaPem,
      ...tlsProfile,
      requestCert: true,
      rejectUnauthorized: false,
      keepAliveTimeout: 65_000,
      // As Go's net/http (and so kube-apiserver): request line and headers up to 1 MiB.
      maxHeaderSize: 1 << 20,
      // A missing Host is answered with a Status by the handler, not by Node's bare 400.
      requireHostHeader: false,
      // How often Node looks for requests past their header deadline.
      connectionsCheckingInterval: checkIntervalMs,
    },
    (req, res) => {
      inflight++;
      armBodyDeadline(req, res, limits.requestTimeoutMs);
      const measure = new RequestMeasure(req);
      const audit = auditor?.begin(req, res);
      if (!audit) setAuditId(req, res);
      handle(req, res, measure, audit)
        .catch((err) => {
          audit?.failed(err);
          answerError(req, res, err);
        })
        .finally(() => {
          measure.finished(res);
          inflight--;
          if (inflight === 0) drained?.();
        });
    },
  );
  let inflight = 0;
  let drained: (() => void) | undefined;
  const answerError = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    if (err instanceof ClientGoneError) {
      opts.debug?.(`${req.method} ${req.url}: ${err.message}`);
      return;
    }
    sendError(req, res, err, opts.log);
  };
  // Headers must arrive within the request timeout too (at most 32 s, as kube-apiserver's).
  server.headersTimeout = headersTimeoutMs;
  // Node's own request timeout would answer 408 without a Status; armBodyDeadline answers first.
  server.requestTimeout = limits.requestTimeoutMs + 1000;
  readThroughStreams(server);
  const connections = trackConnections(server, limits, opts.warn ?? (() => undefined));

  // A request Node cannot even parse (bad header, huge URL, headers too slow) still gets a Status.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const answer =
      err.code === 'HPE_HEADER_OVERFLOW' ? new ApiError(431, 'RequestHeaderFieldsTooLarge', 'the request line and headers are too large')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new ApiError(408, 'Timeout', `the request headers did not arrive within ${server.headersTimeout} ms`)
      : errors.badRequest(`the request could not be parsed: ${err.code ?? err.message}`);
    // A HEAD answer carries no body; the method is all we can still read of the request.
    const isHead = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(rawAnswer(answer, isHead));
  });
  // Upgrades: the agents' tunnels, and exec, attach and port-forward (sent on through them).
  const podStreams: PodStreamDeps = { ctx: opts.context, authenticator, authorizer, dial: tunnels ? (node, t) => tunnels.dial(node, t) : undefined, log: opts.log };
  const watchSockets = createWatchSockets({ ctx: opts.context, authenticator, authorizer, watchTuning, log: opts.log });
  const upgradeRoutes: UpgradeRoute[] = [
    {
      name: 'pod streams',
      access: 'own',
      match: (url) => isPodStreamPath(url.pathname),
      handle: (req, socket, head) => {
        const audit = auditor?.beginUpgrade(req, socket);
        if (!audit) return handlePodStreamUpgrade(podStreams, req, socket, head);
        audit.identify(authenticator.authenticate(req));
        audit.received();
        handlePodStreamUpgrade({ ...podStreams, authorizer: audit.recording(authorizer) }, req, socket, head);
      },
    },
    { name: 'watch', access: 'own', match: isWatchRequest, handle: (req, socket, head) => watchSockets.handleUpgrade(req, socket, head, auditor?.beginUpgrade(req, socket)) },
  ];
  if (tunnels) {
    upgradeRoutes.push({
      name: 'tunnel',
      access: 'authenticated',
      match: (url) => url.pathname === TUNNEL_PATH,
      handle: (req, socket, head, user) => {
        const node = nodeNameOf(user!);
        if (node === undefined) throw errors.forbidden(`only nodes open tunnels; ${user!.name} is not a node`);
        tunnels.accept(req, socket, head, node);
      },
    });
  }
  const upgradeDeps: UpgradeDeps = {
    authenticate: (req) => authenticator.authenticate(req),
    refuse: (socket, err) => socket.end(rawAnswer(err, false)),
    unauthorized: () => errors.unauthorized(),
    notFound: () => errors.notFoundPath(),
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => dispatchUpgrade(upgradeRoutes, upgradeDeps, req, socket, head));
  // CONNECT is no verb of this API; without this listener Node would drop the connection silently.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    socket.end(rawAnswer(errors.methodNotAllowed(), false));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bindAddress, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get openConnections() {
      return connections.open;
    },
    async close() {
      // Stop accepting, let requests in progress answer for a moment, then close every socket:
      // idle keep-alives, watches and tunnels would otherwise hold the process for minutes.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inflight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, 500).unref();
        });
      }
      server.closeAllConnections();
      connections.destroyAll();
      await closed;
    },
  };
}

/** ServiceAccount tokens, when the control plane signs them. */
function serviceAccountBearer(ctx: ResourceContext): BearerAuthenticator[] {
  const sa = ctx.serviceAccountTokens;
  return sa ? [(token) => sa.authenticator.authenticateToken(token)?.user] : [];
}

/** An answer written straight to a socket that HTTP handling never got to (or gave up on). */
function rawAnswer(err: ApiError, headOnly: boolean): string {
  const json = JSON.stringify(err.toStatus());
  const head = `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json`;
  return `${head}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${headOnly ? '' : json}`;
}

/**
 * A request body (or the rest of the headers' request) that has not fully arrived within the request
 * timeout is answered 408 if nothing was answered yet, and its connection closed: a client trickling
 * bytes must not hold a socket and a handler forever.
 */
function armBodyDeadline(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    res.setHeader('Connection', 'close');
    res.once('finish', () => req.socket.destroy());
    sendError(req, res, new ApiError(408, 'Timeout', `the request body did not arrive within ${ms / 1000}s`));
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
}
