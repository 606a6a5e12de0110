// Answers for the served documents (discovery, OpenAPI v2 and v3): each is built once per registry
// revision and answered with its ETag, so a client holding the current one gets a 304.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DiscoveryDocuments } from '../discovery/documents.js';
import type { OpenAPIDocuments } from '../openapi/documents.js';
import type { buildOpenAPIV2 } from '../openapi/v2-documents.js';
import { respondWithDocument, type CachedDocument } from '../openapi/etag.js';
import { errors } from '../errors.js';
import { sendText } from '../http/respond.js';

export interface ServedDocuments {
  discovery: DiscoveryDocuments;
  openapi: OpenAPIDocuments;
  openapiV2: ReturnType<typeof buildOpenAPIV2>;
}

export function sendDocument(req: IncomingMessage, res: ServerResponse, doc: CachedDocument | undefined, contentType = 'application/json'): void {
  if (!doc) throw errors.notFoundPath();
  const answer = respondWithDocument(doc, { ifNoneMatch: req.headers['if-none-match'], contentType });
  if (answer.status === 304) {
    res.writeHead(304, answer.headers);
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  sendText(req, res, 200, answer.body!, answer.headers['Content-Type'] ?? contentType);
}

export function sendDiscoveryRoot(req: IncomingMessage, res: ServerResponse, docs: ServedDocuments, root: 'api' | 'apis', serverAddress: string): void {
  const answer = docs.discovery.answer(root, { accept: req.headers.accept, serverAddress });
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  sendText(req, res, 200, answer.body, answer.headers['Content-Type']);
}

export function sendOpenAPIV3(req: IncomingMessage, res: ServerResponse, docs: ServedDocuments, path: string, url: URL): void {
  const answer = docs.openapi.answer({ path, hash: url.searchParams.get('hash'), ifNoneMatch: req.headers['if-none-match'] });
  if (answer.body === undefined) {
    res.writeHead(answer.status, answer.headers);
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  sendText(req, res, answer.status, answer.body, answer.headers['Content-Type'] ?? 'application/json');
}

export function sendOpenAPIV2(req: IncomingMessage, res: ServerResponse, docs: ServedDocuments): void {
  const answer = docs.openapiV2.answer({ accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'] });
  for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
  if (answer.body === undefined) {
    res.writeHead(answer.status);
    res.end();
    return;
  }
  sendText(req, res, answer.status, answer.body, answer.headers['Content-Type']!);
}
