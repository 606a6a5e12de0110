// Request bodies: size-capped like kube-apiserver (3 MiB), decoded from JSON, YAML or Kubernetes
// protobuf according to Content-Type. Anything malformed is a 400, never a crash.
import type { IncomingMessage } from 'node:http';
import { ClientGoneError, errors } from '../errors.js';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from '../protobuf/decode.js';
import { checkDepth } from './depth.js';
import { decodeYaml } from './yaml-decoder.js';
import { noteRequestBody, noteRequestObject } from '../audit/request-body.js';

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
    req.on('end', () => {
      if (failed) return;
      const body = Buffer.concat(chunks);
      noteRequestBody(req, body);
      resolve(body);
    });
    // Node reports a client that hung up mid-body as an 'aborted' error.
    req.on('error', (err: NodeJS.ErrnoException) => failed || reject(err.code === 'ECONNRESET' || err.message === 'aborted' ? new ClientGoneError() : err));
  });
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^\\s*(${TOKEN}/${TOKEN})\\s*(;|$)`);

/** The type/subtype of a Content-Type header, lower case; '' when there is none. A header that is
 *  not a media type at all (`;;;`) is refused rather than read as JSON. */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined || contentType.trim() === '') return '';
  const m = MEDIA_TYPE.exec(contentType);
  if (!m) throw errors.unsupportedMediaType(`the Content-Type header ${JSON.stringify(contentType)} is not a media type (like application/json)`);
  return m[1]!.toLowerCase();
}

/** Reads and decodes an object body (create, update and the subresources that take an object). */
export async function readObjectBody(req: IncomingMessage): Promise<unknown> {
  const obj = await decodeObjectBody(await readBody(req), req.headers['content-type']);
  noteRequestObject(req, obj);
  return obj;
}

export async function decodeObjectBody(body: Buffer, contentType: string | undefined): Promise<unknown> {
  const type = mediaType(contentType);
  if (body.length === 0) throw errors.badRequest('the request body is empty: expected an object');
  switch (type) {
    case '':
    case 'application/json':
      return parseJson(body);
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
      return decodeYaml(body.toString('utf8'));
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
