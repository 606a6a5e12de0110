// The HTTPS front: TLS with optional client certificates, authentication, authorization, then
// either a non-resource path (health, version, discovery, OpenAPI) or a resource request.
import https from 'node:https';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, ClientGoneError, errors } from './errors.js';
import { defaultConnectionLimits, trackConnections, type ConnectionLimits } from './http/connections.js';
import { createAuthenticator, type BearerAuthenticator, type TokenEntry, type UserInfo } from './authn.js';
import { forbiddenMessage, mastersAuthorizer, type Authorizer } from './authz.js';
import { BadPathError, parseRequestInfo, type RequestInfo } from './request-info.js';
import { sendError, sendText } from './http/respond.js';
import { handleResource } from './handlers/resource.js';
import { handlePodStreamUpgrade, isPodStreamPath, type PodStreamDeps } from './handlers/pod-stream.js';
import { defaultWatchTuning, type WatchTuning } from './handlers/watch.js';
import type { ResourceContext } from './resources/context.js';
import { buildDiscoveryDocuments } from './discovery/documents.js';
import { respondWithDocument, type CachedDocument } from './openapi/etag.js';
import { buildOpenAPIDocuments } from './openapi/documents.js';
import { buildOpenAPIV2, OPENAPI_V2_PATH } from './openapi/v2-documents.js';
import { versionInfo } from './version.js';
import type { Duplex } from 'node:stream';
import type { JoinEndpoint } from './join/join-endpoint.js';
import type { TunnelRegistry } from './tunnels.js';
import { nodeNameOf } from './node-authorizer.js';
import { impersonate, wantsImpersonation } from './impersonation.js';
import { CACERTS_PATH, JOIN_PATH, TUNNEL_PATH } from '../join/protocol.js';
import { SERVER_JOIN_PATH } from '../join/protocol.js';
import { METRICS_GROUP } from '../metrics/resource-metrics.js';
import { createMetricsApi } from './metrics/handler.js';
import { setAuditId, type Auditor, type AuditRecord } from './audit/auditor.js';
import { tlsProfile } from './http/tls-profile.js';
import { metricsDescriptors } from './metrics/descriptors.js';
import { createDashboard } from '../dashboard/handler.js';
import { RequestMeasure, setServedResources } from './prometheus/request-metrics.js';
import { watchStorageSize } from './prometheus/storage-metrics.js';
import { METRICS_PATH, serveMetrics } from './prometheus/metrics-endpoint.js';
import { handleNodeProxy, isNodeProxyPath } from './prometheus/node-proxy.js';
import { controlPlaneRegistry } from '../instrumentation/registries.js';

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

const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/healthz/', '/livez/', '/readyz/', '/version/']);

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

  const sendDoc = (req: IncomingMessage, res: ServerResponse, doc: CachedDocument | undefined, contentType = 'application/json', extra?: Record<string, string>) => {
    if (!doc) throw errors.notFoundPath();
    const answer = respondWithDocument(doc, { ifNoneMatch: req.headers['if-none-match'], contentType, extraHeaders: extra });
    if (answer.status === 304) {
      res.writeHead(304, answer.headers);
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
    sendText(req, res, 200, answer.body!, answer.headers['Content-Type'] ?? contentType);
  };

  const nonResource = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed();
    current();
    if (path === '/healthz' || path === '/livez' || path === '/readyz' || /^\/(healthz|livez|readyz)\//.test(path)) {
      sendText(req, res, 200, 'ok', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/version') {
      sendText(req, res, 200, version, 'application/json');
      return;
    }
    if (path === '/api' || path === '/apis') {
      const answer = discovery.answer(path === '/api' ? 'api' : 'apis', { accept: req.headers.accept, serverAddress: opts.advertiseAddress });
      for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
      sendText(req, res, 200, answer.body, answer.headers['Content-Type']);
      return;
    }
    if (path === '/api/v1') return sendDoc(req, res, discovery.resourceList('v1'));
    let m = /^\/apis\/([^/]+)$/.exec(path);
    if (m) return sendDoc(req, res, discovery.apiGroup(m[1]));
    m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) return sendDoc(req, res, discovery.resourceList(`${m[1]}/${m[2]}`));
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
      const answer = openapi.answer({ path, hash: url.searchParams.get('hash'), ifNoneMatch: req.headers['if-none-match'] });
      if (answer.body === undefined) {
        res.writeHead(answer.status, answer.headers);
        res.end();
      } else {
        for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
        sendText(req, res, answer.status, answer.body, answer.headers['Content-Type'] ?? 'application/json');
      }
      return;
    }
    if (path === METRICS_PATH) return serveMetrics(controlPlaneRegistry, req, res, url);
    if (path === OPENAPI_V2_PATH) {
      const answer = openapiV2.answer({ accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] });
      for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
      if (answer.body === undefined) {
        res.writeHead(answer.status);
        res.end();
      } else sendText(req, res, answer.status, answer.body, answer.headers['Content-Type']!);
      return;
    }
    throw errors.notFoundPath();
  };

  const auditor = opts.auditor;
  const handle = async (req: IncomingMessage, res: ServerResponse, measure: RequestMeasure, audit: AuditRecord | undefined) => {
    // Go refuses an HTTP/1.1 request without Host too; here the client gets to read why.
    if (req.httpVersion === '1.1' && !req.headers.host) throw errors.badRequest('missing required Host header');
    const target = req.url ?? '/';
    // Only origin-form targets; and `//x` must stay a path, not become a host name.
    if (!target.startsWith('/')) throw errors.badRequest('the request target must be a path starting with /');
    const url = new URL(`https://localhost${target}`);
    if (opts.join && url.pathname === CACERTS_PATH) return opts.join.cacerts(req, res);
    if (opts.join && url.pathname === JOIN_PATH) return opts.join.join(req, res);
    if (opts.serverJoin && url.pathname === SERVER_JOIN_PATH) return opts.serverJoin(req, res);
    // The page itself is public, like a login form; everything it shows comes through the API below.
    if (dashboard.handle(req, res, url.pathname)) return;
    let user: UserInfo | undefined = authenticator.authenticate(req);
    const authenticated = user;
    if (user && wantsImpersonation(req)) user = await impersonate(req, user, authorizer);
    audit?.identify(authenticated, user);
    if (!user) {
      if (!(req.method === 'GET' && publicPaths.has(url.pathname))) throw errors.unauthorized();
    }
    let info: RequestInfo;
    try {
      info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    } catch (err) {
      if (err instanceof BadPathError) throw errors.badRequest(err.message);
      throw err;
    }
    measure.info = info;
    audit?.received(info);
    if (user && !(req.method === 'GET' && publicPaths.has(url.pathname))) {
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
    if (info.kind === 'nonresource') return nonResource(req, res, url);
    if (info.group === '' && info.resource === 'nodes' && info.subresource === 'proxy' && isNodeProxyPath(url.pathname)) {
      return handleNodeProxy(req, res, url, nodeExists, tunnels ? (node, t) => tunnels.dial(node, t) : undefined);
    }
    if (info.group === METRICS_GROUP) return metrics.handle(req, res, info, url.searchParams);
    await handleResource(opts.context, req, res, info, url.searchParams, watchTuning, { user: user!, authorizer, staticToken: authenticator.staticToken }, tunnels ? (node, t) => tunnels.dial(node, t) : undefined);
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
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (err: ApiError) => socket.end(rawAnswer(err, false));
    const path = new URL(`https://localhost${req.url?.startsWith('/') ? req.url : '/'}`).pathname;
    if (isPodStreamPath(path)) {
      const audit = auditor?.beginUpgrade(req, socket);
      if (!audit) return handlePodStreamUpgrade(podStreams, req, socket, head);
      audit.identify(authenticator.authenticate(req));
      audit.received();
      return handlePodStreamUpgrade({ ...podStreams, authorizer: audit.recording(authorizer) }, req, socket, head);
    }
    if (!tunnels || path !== TUNNEL_PATH) return refuse(errors.notFoundPath());
    const user = authenticator.authenticate(req);
    if (!user) return refuse(errors.unauthorized());
    const node = nodeNameOf(user);
    if (node === undefined) return refuse(errors.forbidden(`only nodes open tunnels; ${user.name} is not a node`));
    tunnels.accept(req, socket, head, node);
  });
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
