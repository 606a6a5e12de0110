// The HTTPS front: TLS with optional client certificates, authentication, authorization, then
// either a non-resource path (health, version, discovery, OpenAPI) or a resource request.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, errors } from './errors.js';
import { createAuthenticator, type TokenEntry, type UserInfo } from './authn.js';
import { forbiddenMessage, mastersAuthorizer, type Authorizer } from './authz.js';
import { BadPathError, parseRequestInfo, type RequestInfo } from './request-info.js';
import { sendError, sendText } from './http/respond.js';
import { handleResource } from './handlers/resource.js';
import { defaultWatchTuning, type WatchTuning } from './handlers/watch.js';
import type { ResourceContext } from './resources/context.js';
import { buildDiscoveryDocuments } from './discovery/documents.js';
import { respondWithDocument, type CachedDocument } from './openapi/etag.js';
import { buildOpenAPIDocuments } from './openapi/documents.js';
import { versionInfo } from './version.js';
import type { Duplex } from 'node:stream';
import type { JoinEndpoint } from './join/join-endpoint.js';
import type { TunnelRegistry } from './tunnels.js';
import { nodeNameOf } from './node-authorizer.js';
import { CACERTS_PATH, JOIN_PATH, TUNNEL_PATH } from '../join/protocol.js';

export interface ApiServerOptions {
  context: ResourceContext;
  tls: { certPem: string; keyPem: string; clientCaPem: string };
  tokens: TokenEntry[];
  bindAddress: string;
  port: number;
  /** host:port clients should use, for /api's serverAddressByClientCIDRs. */
  advertiseAddress: string;
  authorizer?: Authorizer;
  /** /cacerts and the agents' join, which authenticate with the join token instead. */
  join?: JoinEndpoint;
  /** Agents' tunnels (websocket upgrades by node certificates) and the dialer for pods/log. */
  tunnels?: TunnelRegistry;
  watchTuning?: WatchTuning;
  log: (line: string) => void;
}

export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version', '/healthz/', '/livez/', '/readyz/', '/version/']);

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const authenticator = createAuthenticator(opts.tokens);
  const authorizer = opts.authorizer ?? mastersAuthorizer;
  const discovery = buildDiscoveryDocuments(opts.context.registry.descriptors);
  const openapi = buildOpenAPIDocuments(opts.context.registry.descriptors);
  const version = JSON.stringify(versionInfo());
  const watchTuning = opts.watchTuning ?? defaultWatchTuning;
  const tunnels = opts.tunnels;

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
    throw errors.notFoundPath();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url ?? '/';
    // Only origin-form targets; and `//x` must stay a path, not become a host name.
    if (!target.startsWith('/')) throw errors.badRequest('the request target must be a path starting with /');
    const url = new URL(`https://localhost${target}`);
    if (opts.join && url.pathname === CACERTS_PATH) return opts.join.cacerts(req, res);
    if (opts.join && url.pathname === JOIN_PATH) return opts.join.join(req, res);
    const user: UserInfo | undefined = authenticator.authenticate(req);
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
    if (user && !(req.method === 'GET' && publicPaths.has(url.pathname))) {
      const decision = await authorizer.authorize(user, info);
      if (!decision.allowed) {
        throw errors.forbidden(
          decision.reason ? `${forbiddenMessage(user, info)}: ${decision.reason}` : forbiddenMessage(user, info),
          info.kind === 'resource' ? { group: info.group, resource: info.resource } : undefined,
          info.kind === 'resource' ? info.name : undefined,
        );
      }
    }
    if (info.kind === 'nonresource') return nonResource(req, res, url);
    await handleResource(opts.context, req, res, info, url.searchParams, watchTuning, { user: user!, authorizer }, tunnels ? (node, t) => tunnels.dial(node, t) : undefined);
  };

  const server = https.createServer(
    {
      cert: opts.tls.certPem,
      key: opts.tls.keyPem,
      ca: opts.tls.clientCaPem,
      requestCert: true,
      rejectUnauthorized: false,
      keepAliveTimeout: 65_000,
      // As Go's net/http (and so kube-apiserver): request line and headers up to 1 MiB.
      maxHeaderSize: 1 << 20,
    },
    (req, res) => {
      handle(req, res).catch((err) => sendError(req, res, err, opts.log));
    },
  );
  // A request Node cannot even parse (bad header, huge URL) still gets an HTTP answer when possible.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && err.code !== 'ECONNRESET') {
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      const status = new ApiError(tooLarge ? 431 : 400, tooLarge ? 'RequestHeaderFieldsTooLarge' : 'BadRequest', tooLarge ? 'the request line and headers are too large' : `the request could not be parsed: ${err.code ?? err.message}`).toStatus();
      // A HEAD answer carries no body; the method is all we can still read of the request.
      const isHead = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
      const json = JSON.stringify(status);
      const body = isHead ? '' : json;
      socket.end(`HTTP/1.1 ${status.code} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${body}`);
    } else socket.destroy();
  });
  // Upgrades: only the agents' tunnels so far (exec and port-forward will join them).
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const path = new URL(`https://localhost${req.url?.startsWith('/') ? req.url : '/'}`).pathname;
    if (!tunnels || path !== TUNNEL_PATH) return refuse(404, 'Not Found');
    const user = authenticator.authenticate(req);
    if (!user) return refuse(401, 'Unauthorized');
    const node = nodeNameOf(user);
    if (node === undefined) return refuse(403, 'Forbidden');
    tunnels.accept(req, socket, head, node);
  });
  // Watches stay open for their own timeout; never let Node cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
