// Request bodies: size-capped like kube-apiserver (3 MiB), decoded from JSON, YAML or Kubernetes
// protobuf according to Content-Type. Anything malformed is a 400, never a crash.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from '../errors.js';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from '../protobuf/decode.js';

export const maxBodyBytes = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = maxBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(errors.tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(errors.tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => failed || resolve(Buffer.concat(chunks)));
    req.on('error', (err) => failed || reject(err));
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes an object body (create/update). */
export function decodeObjectBody(body: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (body.length === 0) throw errors.badRequest('the request body is empty: expected an object');
  switch (type) {
    case '':
    case 'application/json':
      return parseJson(body);
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return parseYamlBody(body);
    case 'application/vnd.kubernetes.protobuf':
      try {
        return decodeKubernetesProtobuf(body).object;
      } catch (err) {
        if (err instanceof ProtobufDecodeError) {
          if (err.code === 'Unsupported') throw errors.unsupportedMediaType(err.message);
          throw errors.badRequest(err.message);
        }
        throw err;
      }
    default:
      throw errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  }
}

/** Far deeper than any Kubernetes object, shallow enough for every recursive step after decoding. */
export const maxNestingDepth = 1000;

/** Refuses values nested deeper than maxNestingDepth (walked without recursion). */
export function checkDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxNestingDepth) throw errors.badRequest(`the request body nests deeper than ${maxNestingDepth} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}

export function parseJson(body: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`error decoding request body as JSON: ${(err as Error).message}`);
  }
  checkDepth(value);
  return value;
}

function parseYamlBody(body: Buffer): unknown {
  let value: unknown;
  try {
    value = parseYaml(body.toString('utf8'), { maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.badRequest(`error decoding request body as YAML: ${(err as Error).message}`);
  }
  checkDepth(value);
  return value;
}
