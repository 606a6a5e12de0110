// Turns a URL into the attributes authorization and routing work with, following the path rules of
// the Kubernetes API: /api/v1/... for the core group, /apis/<group>/<version>/... for the others,
// an optional namespaces/<ns> segment, then resource[/name[/subresource]].

export interface ResourceRequest {
  kind: 'resource';
  verb: string;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

export interface NonResourceRequest {
  kind: 'nonresource';
  verb: string;
  path: string;
}

export type RequestInfo = ResourceRequest | NonResourceRequest;

import { queryBool } from './http/query.js';

const namespaceSubresources = new Set(['status', 'finalize']);

export class BadPathError extends Error {}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadPathError(`the request path is not valid: ${JSON.stringify(s)} is not percent-encoded UTF-8`);
  }
}

/** Throws BadPathError for a path whose segments are not valid percent-encoded UTF-8. */
export function parseRequestInfo(method: string, pathname: string, query: URLSearchParams): RequestInfo {
  const lowerVerb = method.toLowerCase();
  const segments = pathname.split('/').filter((s) => s !== '').map(decodeSegment);
  let parts: string[];
  let group = '';
  let version: string;
  if (segments[0] === 'api' && segments.length >= 2) {
    version = segments[1];
    parts = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 3) {
    group = segments[1];
    version = segments[2];
    parts = segments.slice(3);
  } else {
    return { kind: 'nonresource', verb: lowerVerb, path: pathname };
  }
  if (parts.length === 0) return { kind: 'nonresource', verb: lowerVerb, path: pathname };

  let watchPrefix = false;
  if (parts[0] === 'watch') {
    watchPrefix = true;
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !namespaceSubresources.has(parts[2])) parts = parts.slice(2);
  }
  const [resource, name, subresource, ...rest] = parts;
  // What follows a proxy subresource is the path at the far end (nodes/<n>/proxy/metrics), not part
  // of the resource: authorization sees `nodes/proxy`, as upstream.
  if ((rest.length > 0 && subresource !== 'proxy') || !resource) return { kind: 'nonresource', verb: lowerVerb, path: pathname };
  // For namespaces themselves the namespace segment is the object's name, not a scope.
  const isNamespaceObject = resource === 'namespaces';
  const info: ResourceRequest = {
    kind: 'resource',
    verb: '',
    group,
    version: version!,
    resource,
    ...(namespace !== undefined && !isNamespaceObject ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
  const watch = watchPrefix || queryBool(query, 'watch');
  switch (method) {
    case 'GET':
    case 'HEAD':
      info.verb = watch ? 'watch' : info.name !== undefined ? 'get' : 'list';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name !== undefined ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = lowerVerb;
  }
  return info;
}
