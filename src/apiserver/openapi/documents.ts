// The OpenAPI v3 answers, serialized and hashed once. The root names each group version's
// document by a `?hash=` URL so clients (kubectl's ETag cache under ~/.kube/cache/http) can keep
// documents forever and only re-read the root.
import type { ResourceDescriptor } from '../../registry/types.js';
import { documentKey, groupVersionDocument, groupVersionsOf, type OpenAPIBuildOptions } from './build.js';
import type { GroupVersionInfo } from '../discovery/build.js';
import { cachedDocument, etagMatches, type CachedDocument } from './etag.js';

export const OPENAPI_V3_PREFIX = '/openapi/v3';

export interface OpenAPIResponse {
  status: 200 | 301 | 304 | 404;
  headers: Record<string, string>;
  /** Absent on 301 and 304. */
  body?: string;
}

export interface OpenAPIDocuments {
  /** `GET /openapi/v3`. */
  readonly root: CachedDocument;
  /** By key, `api/v1` or `apis/apps/v1`. */
  document(key: string): CachedDocument | undefined;
  /**
   * The whole answer for a GET under /openapi/v3. `path` is the URL path (no query); `hash` the
   * `?hash=` value, if any. A stale hash is redirected to the current one, as upstream does.
   */
  answer(req: { path: string; hash?: string | null; ifNoneMatch?: string | string[] }): OpenAPIResponse;
}

const IMMUTABLE = 'public, immutable';
const REVALIDATE = 'no-cache, private';
const NOT_FOUND: OpenAPIResponse = {
  status: 404,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 }),
};

/**
 * The last document built for each group version, with what it was built from: a rebuild after a
 * CRD comes or goes reuses every group version whose descriptors are the same objects, so only the
 * changed ones are built and hashed again (the built-in ones are the largest).
 */
const lastBuilt = new Map<string, { descriptors: readonly ResourceDescriptor[]; serverVersion?: string; smp?: unknown; doc: CachedDocument }>();

function documentFor(gv: GroupVersionInfo, opts: OpenAPIBuildOptions): CachedDocument {
  const key = documentKey(gv);
  const last = lastBuilt.get(key);
  if (
    last && last.serverVersion === opts.serverVersion && last.smp === opts.supportsStrategicMerge &&
    last.descriptors.length === gv.descriptors.length && last.descriptors.every((d, i) => d === gv.descriptors[i])
  ) return last.doc;
  const doc = cachedDocument(groupVersionDocument(gv, opts));
  lastBuilt.set(key, { descriptors: [...gv.descriptors], serverVersion: opts.serverVersion, smp: opts.supportsStrategicMerge, doc });
  return doc;
}

/** Built on first use: the schemas' data is read only when someone asks for OpenAPI. */
export function buildOpenAPIDocuments(descriptors: readonly ResourceDescriptor[], opts: OpenAPIBuildOptions = {}): OpenAPIDocuments {
  let built: { docs: Map<string, CachedDocument>; root: CachedDocument } | undefined;
  const build = () => {
    if (built) return built;
    const docs = new Map<string, CachedDocument>();
    for (const gv of groupVersionsOf(descriptors)) docs.set(documentKey(gv), documentFor(gv, opts));
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, doc] of docs) paths[key] = { serverRelativeURL: `${OPENAPI_V3_PREFIX}/${key}?hash=${doc.hash}` };
    return (built = { docs, root: cachedDocument({ paths }) });
  };

  const serve = (doc: CachedDocument, cacheControl: string, ifNoneMatch?: string | string[]): OpenAPIResponse => {
    const headers: Record<string, string> = { ETag: doc.etag, 'Cache-Control': cacheControl, Vary: 'Accept' };
    if (etagMatches(ifNoneMatch, doc.etag)) return { status: 304, headers };
    return { status: 200, headers: { ...headers, 'Content-Type': 'application/json' }, body: doc.body };
  };

  return {
    get root() {
      return build().root;
    },
    document: (key) => build().docs.get(key),
    answer({ path, hash, ifNoneMatch }) {
      const { root, docs } = build();
      const trimmed = path.replace(/\/+$/, '');
      if (trimmed === OPENAPI_V3_PREFIX) return serve(root, REVALIDATE, ifNoneMatch);
      if (!trimmed.startsWith(`${OPENAPI_V3_PREFIX}/`)) return NOT_FOUND;
      const key = trimmed.slice(OPENAPI_V3_PREFIX.length + 1);
      const doc = docs.get(key);
      if (!doc) return NOT_FOUND;
      if (hash && hash !== doc.hash) {
        return { status: 301, headers: { Location: `${OPENAPI_V3_PREFIX}/${key}?hash=${doc.hash}`, 'Cache-Control': REVALIDATE } };
      }
      return serve(doc, hash ? IMMUTABLE : REVALIDATE, ifNoneMatch);
    },
  };
}
