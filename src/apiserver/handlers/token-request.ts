// POST serviceaccounts/<name>/token: `kubectl create token` and the kubelet's projected tokens.
import type { KObject } from '../../registry/types.js';
import { errors } from '../errors.js';
import { readObjectBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { requestToken } from '../serviceaccount/token-request.js';
import type { ReadRequest } from './read.js';

export async function handleTokenRequest(r: ReadRequest, name: string): Promise<void> {
  const tokens = r.ctx.serviceAccountTokens;
  if (!tokens) throw errors.notFoundPath();
  const body = (await readObjectBody(r.req)) as KObject | null;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request was not a valid TokenRequest object');
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw errors.badRequest(`expected TokenRequest, got ${String(body.kind)}`);
  const answer = await requestToken({ ctx: r.ctx, issuer: tokens.issuer }, r.namespace!, name, body, r.user);
  sendJson(r.req, r.res, 201, answer);
}
