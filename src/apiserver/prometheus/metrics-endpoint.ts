// GET /metrics: this process' control-plane registry in the text exposition format. A
// non-resource URL, so RBAC decides who reads it (system:monitoring, as upstream).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { errors } from '../errors.js';
import { sendText } from '../http/respond.js';

export const METRICS_PATH = '/metrics';

export async function serveMetrics(registry: Registry, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed();
  // Nothing here reads a parameter; one sent is a mistake worth telling about, not ignoring.
  const param = [...url.searchParams.keys()][0];
  if (param !== undefined) throw errors.badRequest(`/metrics takes no query parameters; remove "${param}"`);
  sendText(req, res, 200, await registry.metrics(), registry.contentType);
}
