// pods/exec, pods/attach and pods/portforward: HTTP upgrades (websocket or SPDY/3.1) that the API
// server authenticates, authorizes and sends on to the pod's kubelet through the node's tunnel.
// The API server terminates no stream protocol: it forwards the upgrade request with its stream
// headers, relays the kubelet's 101 as it came and then only copies bytes. Whatever the kubelet
// refuses comes back to the client as a Status, so kubectl always has a message to print.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, errors } from '../errors.js';
import type { Authenticator } from '../authn.js';
import { forbiddenMessage, type Authorizer } from '../authz.js';
import { BadPathError, parseRequestInfo, type ResourceRequest } from '../request-info.js';
import type { ResourceContext } from '../resources/context.js';
import { refuseUpgrade, requestUpgrade, splice, switchingProtocolsHead } from '../../tunnel/http-upgrade.js';
import type { NodeDialer } from './pod-log.js';

export const podStreamSubresources = ['exec', 'attach', 'portforward'] as const;
type Subresource = (typeof podStreamSubresources)[number];

const pathPattern = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/(exec|attach|portforward)\/?$/;

/** Whether an upgrade request is for one of these subresources (the rest is not ours to answer). */
export const isPodStreamPath = (pathname: string) => pathPattern.test(pathname);

export interface PodStreamDeps {
  ctx: ResourceContext;
  authenticator: Authenticator;
  authorizer: Authorizer;
  dial?: NodeDialer;
  log(line: string): void;
}

/** Query parameters the kubelet reads; everything else (container) is settled here. */
const passThrough: Record<Subresource, string[]> = {
  exec: ['command', 'stdin', 'stdout', 'stderr', 'tty'],
  attach: ['stdin', 'stdout', 'stderr', 'tty'],
  portforward: ['port'],
};

/** Headers of the upgrade itself: websocket's handshake and SPDY's stream protocol offers. */
const upgradeHeaders = ['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'x-stream-protocol-version'];

export function handlePodStreamUpgrade(deps: PodStreamDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  serve(deps, req, socket, head).catch((err) => {
    const apiErr = err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error)?.message ?? String(err));
    if (!(err instanceof ApiError)) deps.log(`${req.method} ${req.url}: ${apiErr.message}`);
    refuseUpgrade(socket, apiErr.code, JSON.stringify(apiErr.toStatus()), 'application/json');
  });
}

async function serve(deps: PodStreamDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed();
  const url = new URL(`https://localhost${req.url}`);
  const user = deps.authenticator.authenticate(req);
  if (!user) throw errors.unauthorized();
  let info: ResourceRequest;
  try {
    info = parseRequestInfo(req.method, url.pathname, url.searchParams) as ResourceRequest;
  } catch (err) {
    if (err instanceof BadPathError) throw errors.badRequest(err.message);
    throw err;
  }
  // A websocket opens with GET, yet it runs commands: it needs `create`, as upstream asks since 1.31.
  const asked: ResourceRequest = { ...info, verb: 'create' };
  const decision = await deps.authorizer.authorize(user, asked);
  if (!decision.allowed) {
    const message = forbiddenMessage(user, asked);
    throw errors.forbidden(decision.reason ? `${message}: ${decision.reason}` : message, { group: '', resource: 'pods' }, info.name);
  }
  const sub = info.subresource as Subresource;
  const namespace = info.namespace!;
  const name = info.name!;
  const d = deps.ctx.registry.findByResource('', 'v1', 'pods')!;
  const pod = (await deps.ctx.store.get(d, namespace, name)) as Pod;
  const target = kubeletPath(pod, sub, url.searchParams);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  if (!deps.dial) throw new ApiError(503, 'ServiceUnavailable', 'this server cannot reach kubelets');
  let stream: Duplex;
  try {
    stream = await deps.dial(nodeName, 'kubelet');
  } catch (err) {
    throw new ApiError(502, 'InternalError', `cannot reach the kubelet of node "${nodeName}": ${(err as Error).message}`);
  }
  const headers: Record<string, string | string[]> = { host: 'kubelet' };
  for (const h of upgradeHeaders) {
    const values = req.headersDistinct[h];
    if (values?.length) headers[h] = values.length === 1 ? values[0]! : values;
  }
  const answer = await requestUpgrade({ url: target, connection: stream, method: req.method, headers }).catch((err: Error) => {
    stream.destroy();
    throw new ApiError(502, 'InternalError', `the kubelet of node "${nodeName}" failed: ${err.message}`);
  });
  if (!answer.upgraded) throw kubeletRefused(answer.status, answer.body, sub);
  socket.write(switchingProtocolsHead(answer.response));
  if (answer.head.length) socket.write(answer.head);
  if (head.length) answer.socket.write(head);
  await splice(socket, answer.socket);
}

/** The kubelet's path for the request, with the container settled as kubectl settles it. */
function kubeletPath(pod: Pod, sub: Subresource, query: URLSearchParams): string {
  const ns = encodeURIComponent(pod.metadata!.namespace!);
  const name = encodeURIComponent(pod.metadata!.name!);
  const q = new URLSearchParams();
  for (const key of passThrough[sub]) for (const v of query.getAll(key)) q.append(key, v);
  const suffix = q.size ? `?${q}` : '';
  if (sub === 'portforward') return `/portForward/${ns}/${name}${suffix}`;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot ${sub} into a container in a completed pod; current phase is ${phase}`);
  const container = containerOf(pod, query.get('container'));
  return `/${sub}/${ns}/${name}/${encodeURIComponent(container)}${suffix}`;
}

function containerOf(pod: Pod, asked: string | null): string {
  const spec = pod.spec;
  const containers = (spec?.containers ?? []).map((c) => c.name);
  if (!asked) {
    const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
    if (annotated && containers.includes(annotated)) return annotated;
    if (containers[0] === undefined) throw errors.badRequest(`pod ${pod.metadata?.name} has no containers`);
    return containers[0];
  }
  const all = [...containers, ...(spec?.initContainers ?? []).map((c) => c.name), ...(spec?.ephemeralContainers ?? []).map((c) => c.name)];
  if (!all.includes(asked)) throw errors.badRequest(`container ${asked} is not valid for pod ${pod.metadata?.name}`);
  return asked;
}

const reasons: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed' };

function kubeletRefused(status: number, body: string, sub: Subresource): ApiError {
  const text = body.trim() || `the kubelet answered ${status} to ${sub}`;
  // A runtime that cannot stream at all is a request this node cannot serve: the client's to change.
  const code = status === 501 ? 400 : status >= 400 && status < 600 ? status : 500;
  return new ApiError(code, reasons[code] ?? 'InternalError', text);
}
