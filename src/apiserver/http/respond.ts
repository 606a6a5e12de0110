// Writing answers: JSON bodies with the right length, Status objects for errors, optional gzip for
// large bodies when the client asked for it (kubectl always does).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { stringify as toYaml } from 'yaml';
import { ApiError, errors } from '../errors.js';

const gzipThreshold = 128 * 1024;

export function sendText(req: IncomingMessage, res: ServerResponse, code: number, body: string | Buffer, contentType: string): void {
  let payload: Buffer | string = body;
  // A Cache-Control the handler set already (immutable OpenAPI documents) stands.
  const headers: Record<string, string | number> = { 'Content-Type': contentType, 'Cache-Control': String(res.getHeader('Cache-Control') ?? 'no-cache, private') };
  if (body.length > gzipThreshold && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    payload = gzipSync(body, { level: 1 });
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = Buffer.byteLength(payload);
  res.writeHead(code, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

export function sendJson(req: IncomingMessage, res: ServerResponse, code: number, value: unknown, yaml = false): void {
  if (yaml) sendText(req, res, code, toYaml(value), 'application/yaml');
  else sendText(req, res, code, JSON.stringify(value), 'application/json');
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, log?: (msg: string) => void): void {
  const apiErr = err instanceof ApiError ? err : errors.internal((err as Error)?.message ?? String(err));
  if (!(err instanceof ApiError)) log?.(`internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (apiErr.headers) for (const [k, v] of Object.entries(apiErr.headers)) res.setHeader(k, v);
  sendJson(req, res, apiErr.code, apiErr.toStatus());
}

/** Adds a `Warning: 299 - "<text>"` header; kubectl prints each as `Warning: <text>`. */
export function addWarning(res: ServerResponse, text: string): void {
  if (res.headersSent) return;
  // Header values must be printable ASCII: escape the rest, and keep each warning short.
  const short = text.length > 512 ? `${text.slice(0, 509)}...` : text;
  const value = `299 - ${JSON.stringify(short).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
  const existing = res.getHeader('Warning');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  if (list.length < 20) res.setHeader('Warning', [...list, value]);
}
