// Serialized documents with a content hash, so hot, unchanging responses (discovery, OpenAPI)
// are built once and answered with 304 when the client's ETag cache already holds them.
import { createHash } from 'node:crypto';

export interface CachedDocument {
  body: string;
  /** Uppercase hex SHA-512 of the body; also used in OpenAPI `?hash=` URLs, as upstream does. */
  hash: string;
  /** The quoted strong ETag, `"<hash>"`. */
  etag: string;
}

export function cachedDocument(value: unknown): CachedDocument {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
  return { body, hash, etag: `"${hash}"` };
}

/** True when an `If-None-Match` header names this ETag (or is `*`). Weak validators compare equal. */
export function etagMatches(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const header = Array.isArray(ifNoneMatch) ? ifNoneMatch.join(',') : ifNoneMatch;
  const wanted = etag.replace(/^W\//, '');
  return header.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag.replace(/^W\//, '') === wanted;
  });
}

export interface DocumentResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  /** Absent on 304. */
  body?: string;
}

/** Status, headers and body for GET of a cached document, honouring `If-None-Match`. */
export function respondWithDocument(
  doc: CachedDocument,
  opts: { ifNoneMatch?: string | string[]; contentType: string; extraHeaders?: Record<string, string> },
): DocumentResponse {
  const headers: Record<string, string> = { ETag: doc.etag, ...(opts.extraHeaders ?? {}) };
  if (etagMatches(opts.ifNoneMatch, doc.etag)) return { status: 304, headers };
  return { status: 200, headers: { ...headers, 'Content-Type': opts.contentType }, body: doc.body };
}
