// Watches over a WebSocket, as kube-apiserver serves `?watch=true` with Upgrade: websocket: the
// request is authenticated (the bearer token may ride in a subprotocol, see bearer-protocol.ts) and
// authorized as the same watch over HTTP, and anything refused is an HTTP answer with a Status before
// the handshake. After it, each watch event is one message, a text frame of the event's JSON, as
// upstream frames JSON (the subprotocol names only what the client may read; upstream's watch does
// not re-encode for it). The server reads nothing from the client; a close from either side ends
// the watch.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, errors } from '../errors.js';
import type { Authenticator } from '../authn.js';
import { forbiddenMessage, type Authorizer } from '../authz.js';
import { impersonate, wantsImpersonation } from '../impersonation.js';
import { BadPathError, parseRequestInfo, type ResourceRequest } from '../request-info.js';
import { handleResource } from '../handlers/resource.js';
import type { WatchTuning } from '../handlers/watch.js';
import type { ResourceContext } from '../resources/context.js';
import type { AuditRecord } from '../audit/auditor.js';
import { refuseUpgrade } from '../../tunnel/http-upgrade.js';
import { RequestMeasure } from '../prometheus/request-metrics.js';
import { readBearerProtocol } from './bearer-protocol.js';

/** The subprotocols a watch may be opened with; the first the client offers is chosen. */
export const WATCH_SUBPROTOCOLS = ['base64.binary.k8s.io', 'binary.k8s.io'];

export interface WatchSocketDeps {
  ctx: ResourceContext;
  authenticator: Authenticator;
  authorizer: Authorizer;
  watchTuning: WatchTuning;
  log(line: string): void;
}

/** A resource path asked as a watch (`?watch=true|1` or the old /watch/ prefix). */
export function isWatchRequest(url: URL): boolean {
  try {
    const info = parseRequestInfo('GET', url.pathname, url.searchParams);
    return info.kind === 'resource' && info.verb === 'watch';
  } catch {
    return false;
  }
}

export function createWatchSockets(deps: WatchSocketDeps) {
  // noServer: the API server's own 'upgrade' listener hands the sockets over after its checks.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => chooseProtocol([...offered]) ?? false });
  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, audit?: AuditRecord): void {
      // Counted in the request metrics like a watch over HTTP: long-running once admitted, with the
      // status the client saw (101 once switched) when the socket ends.
      const measure = new RequestMeasure(req);
      let counted = false;
      const finished = (statusCode: number) => {
        if (counted) return;
        counted = true;
        measure.finished({ statusCode } as ServerResponse);
      };
      serve(deps, wss, req, socket, head, audit, measure, () => socket.once('close', () => finished(101))).catch((err) => {
        const apiErr = err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error)?.message ?? String(err));
        finished(apiErr.code);
        if (!(err instanceof ApiError)) deps.log(`websocket ${req.url}: ${apiErr.message}`);
        audit?.failed(apiErr);
        refuseUpgrade(socket, apiErr.code, JSON.stringify(apiErr.toStatus()), 'application/json');
      });
    },
    close(): void {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

function chooseProtocol(offered: string[]): string | undefined {
  return offered.find((p) => WATCH_SUBPROTOCOLS.includes(p));
}

async function serve(
  deps: WatchSocketDeps,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  audit: AuditRecord | undefined,
  measure: RequestMeasure,
  switched: () => void,
): Promise<void> {
  if (req.method !== 'GET') throw errors.methodNotAllowed();
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') throw errors.badRequest('a watch can be upgraded to a websocket only');
  const version = req.headers['sec-websocket-version'];
  if (!/^[A-Za-z0-9+/]{22}==$/.test(req.headers['sec-websocket-key'] ?? '') || (version !== '13' && version !== '8')) {
    throw errors.badRequest('the websocket handshake needs a Sec-WebSocket-Key and Sec-WebSocket-Version 13');
  }
  const bearer = readBearerProtocol(req.headers['sec-websocket-protocol']);
  if ('error' in bearer) throw errors.unauthorized();
  if (bearer.token !== undefined) {
    if (!req.headers.authorization) req.headers.authorization = `Bearer ${bearer.token}`;
    // The token must not be offered to (or echoed by) the handshake below.
    req.headers['sec-websocket-protocol'] = bearer.protocols.join(', ');
  }
  if (bearer.protocols.length > 0 && chooseProtocol(bearer.protocols) === undefined) {
    throw errors.badRequest(`none of the offered subprotocols is supported; offer one of ${WATCH_SUBPROTOCOLS.join(', ')}`);
  }
  const authenticated = deps.authenticator.authenticate(req);
  let user = authenticated;
  if (user && wantsImpersonation(req)) user = await impersonate(req, user, deps.authorizer);
  audit?.identify(authenticated, user);
  if (!user) throw errors.unauthorized();
  const url = new URL(`https://localhost${req.url}`);
  let info: ResourceRequest;
  try {
    info = parseRequestInfo('GET', url.pathname, url.searchParams) as ResourceRequest;
  } catch (err) {
    if (err instanceof BadPathError) throw errors.badRequest(err.message);
    throw err;
  }
  measure.info = info;
  audit?.received(info);
  const decision = await deps.authorizer.authorize(user, info);
  audit?.authorized(decision);
  if (!decision.allowed) {
    const message = forbiddenMessage(user, info);
    throw errors.forbidden(decision.reason ? `${message}: ${decision.reason}` : message, { group: info.group, resource: info.resource }, info.name);
  }
  measure.admitted(info);
  // The watch handler sees the socket as its request (closed when the socket is) and response (one
  // message per event line). It throws before its first write for a path it does not serve; only
  // then is the handshake made, so a refusal is still an HTTP answer.
  const asRequest = Object.assign(new EventEmitter(), { headers: req.headers, method: 'GET', url: req.url }) as unknown as IncomingMessage;
  const asResponse = new SocketResponse(() =>
    new Promise<WebSocket>((resolve) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        switched();
        ws.on('error', () => ws.terminate());
        resolve(ws);
      }),
    ),
  );
  socket.once('close', () => asRequest.emit('close'));
  try {
    await handleResource(deps.ctx, asRequest, asResponse as unknown as ServerResponse, info, url.searchParams, deps.watchTuning, { user, authorizer: deps.authorizer });
  } catch (err) {
    // Past the handshake the watch has ended its socket; there is no HTTP answer left to give.
    if (!asResponse.headersSent) throw err;
    deps.log(`websocket watch ${req.url}: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** The part of a ServerResponse the watch handler writes to, over a WebSocket opened on the first write. */
class SocketResponse extends EventEmitter {
  headersSent = false;
  statusCode = 200;
  private ws: WebSocket | undefined;
  private pending: string[] = [];
  private ended = false;

  constructor(private readonly open: () => Promise<WebSocket>) {
    super();
  }

  writeHead(status: number): this {
    this.statusCode = status;
    this.headersSent = true;
    void this.open().then((ws) => {
      this.ws = ws;
      for (const line of this.pending) ws.send(line);
      this.pending = [];
      if (this.ended) ws.close(1000);
    });
    return this;
  }

  setHeader(): this {
    return this;
  }

  flushHeaders(): void {}

  write(chunk: string): boolean {
    // The handler writes whole event lines; each is one message, its newline kept as upstream's.
    for (const line of chunk.split(/(?<=\n)/)) {
      if (line === '' || line === '\n') continue;
      if (this.ws) this.ws.send(line);
      else this.pending.push(line);
    }
    return true;
  }

  get writableLength(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  end(): this {
    if (this.ended) return this;
    this.ended = true;
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    return this;
  }
}
