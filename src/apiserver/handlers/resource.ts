// Routes one resource request (already authenticated and authorized) to its verb handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../errors.js';
import { negotiateForm } from '../http/negotiate.js';
import type { ResourceContext } from '../resources/context.js';
import type { ResourceRequest } from '../request-info.js';
import { handleGet, handleList, type ReadRequest } from './read.js';
import { handleWatch, type WatchTuning } from './watch.js';
import { handleCreate, handleDelete, handleDeleteCollection, handleFinalize, handlePatch, handleUpdate } from './write.js';
import { handleBinding, handleEviction, handleScale } from './subresources.js';
import { handleReview } from './reviews.js';
import { handleTokenReview, type StaticTokenLookup } from './token-review.js';
import { handleTokenRequest } from './token-request.js';
import { handlePodLog, type NodeDialer } from './pod-log.js';
import type { UserInfo } from '../authn.js';
import type { Authorizer } from '../authz.js';
import { refuseProtobufForCustomResource } from '../crd/media-types.js';

export async function handleResource(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  info: ResourceRequest,
  query: URLSearchParams,
  watchTuning: WatchTuning,
  auth: { user: UserInfo; authorizer: Authorizer; staticToken?: StaticTokenLookup },
  dialNode?: NodeDialer,
): Promise<void> {
  const d = ctx.registry.findByResource(info.group, info.version, info.resource);
  if (!d) throw errors.notFoundPath();
  refuseProtobufForCustomResource(d, req);
  // A namespaced kind addressed without a namespace only makes sense for cross-namespace reads.
  if (d.namespaced && info.namespace === undefined && !(info.name === undefined && (info.verb === 'list' || info.verb === 'watch'))) {
    throw errors.notFoundPath();
  }
  if (!d.namespaced && info.namespace !== undefined) throw errors.notFoundPath();
  const r: ReadRequest = { req, res, ctx, d, namespace: info.namespace, query, form: negotiateForm(req.headers.accept), user: auth.user };
  const name = info.name;
  if (d.ephemeral) {
    if (info.verb !== 'create' || name !== undefined || info.subresource !== undefined) throw errors.methodNotAllowed();
    if (d.kind === 'TokenReview') return handleTokenReview(r, auth.staticToken);
    return handleReview(r, auth.user, auth.authorizer);
  }

  if (info.subresource !== undefined) {
    if (name === undefined) throw errors.notFoundPath();
    const declared = (sub: string) => d.subresources?.other?.some((o) => o.name === sub) ?? false;
    switch (info.subresource) {
      case 'status':
        if (!d.subresources?.status) break;
        if (info.verb === 'get') return handleGet(r, name);
        if (info.verb === 'update') return handleUpdate(r, name, 'status');
        if (info.verb === 'patch') return handlePatch(r, name, 'status');
        throw errors.methodNotAllowed();
      case 'scale':
        if (!d.subresources?.scale) break;
        return handleScale(r, name, info.verb);
      case 'finalize':
        if (!declared('finalize')) break;
        if (info.verb !== 'update') throw errors.methodNotAllowed();
        return handleFinalize(r, name);
      case 'binding':
        if (!declared('binding')) break;
        if (info.verb !== 'create') throw errors.methodNotAllowed();
        return handleBinding(r, name);
      case 'log':
        if (!declared('log')) break;
        if (info.verb !== 'get') throw errors.methodNotAllowed();
        return handlePodLog(r, name, dialNode);
      case 'exec':
      case 'attach':
      case 'portforward':
        if (!declared(info.subresource)) break;
        // Served on the upgrade path (pod-stream.ts); a plain request has nothing to stream over.
        if (info.verb !== 'get' && info.verb !== 'create') throw errors.methodNotAllowed();
        throw errors.badRequest('Upgrade request required');
      case 'token':
        if (!declared('token')) break;
        if (info.verb !== 'create') throw errors.methodNotAllowed();
        return handleTokenRequest(r, name);
      case 'eviction':
        if (!declared('eviction')) break;
        if (info.verb !== 'create') throw errors.methodNotAllowed();
        return handleEviction(r, name);
    }
    if (d.subresources?.parts?.some((p) => p.name === info.subresource)) {
      if (info.verb === 'get') return handleGet(r, name);
      if (info.verb === 'update') return handleUpdate(r, name, info.subresource);
      if (info.verb === 'patch') return handlePatch(r, name, info.subresource);
      throw errors.methodNotAllowed();
    }
    throw errors.notFoundPath();
  }

  switch (info.verb) {
    case 'get':
      return handleGet(r, name!);
    case 'list':
      return handleList(r);
    case 'watch':
      // A HEAD gets the headers of a watch, never a stream the client would not read.
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 });
        res.end();
        return;
      }
      return handleWatch(r, watchTuning, name);
    case 'create':
      if (name !== undefined) throw errors.methodNotAllowed();
      return handleCreate(r);
    case 'update':
      if (name === undefined) throw errors.methodNotAllowed();
      return handleUpdate(r, name);
    case 'patch':
      if (name === undefined) throw errors.methodNotAllowed();
      return handlePatch(r, name);
    case 'delete':
      return handleDelete(r, name!);
    case 'deletecollection':
      return handleDeleteCollection(r);
    default:
      throw errors.methodNotAllowed();
  }
}
