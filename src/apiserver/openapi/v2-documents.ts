// GET /openapi/v2: the Swagger 2.0 document as JSON or as gnostic protobuf, chosen by Accept the
// way kube-apiserver's handler does (the protobuf types by name, JSON for application/json or any
// wildcard, 406 for nothing it has). Both forms are built once, on first request, and carry a
// strong ETag so kubectl's HTTP cache revalidates with If-None-Match.
import { createHash } from 'node:crypto';
import type { ResourceDescriptor } from '../../registry/types.js';
import type { OpenAPIBuildOptions } from './build.js';
import { etagMatches } from './etag.js';
import { swaggerToProtobuf } from './v2-protobuf.js';
import { swaggerDocument } from './v2.js';

export const OPENAPI_V2_PATH = '/openapi/v2';
/** What client-go asks for. Go's mime parser refuses the `@` in a Content-Type it reads, so the
 *  answer is labelled with the spelling below, as kube-apiserver's is. */
export const OPENAPI_V2_PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export interface OpenAPIV2Response {
  status: 200 | 304 | 406;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Form {
  body: Buffer;
  etag: string;
  contentType: string;
}

const form = (body: Buffer, contentType: string): Form => ({
  body,
  contentType,
  etag: `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"`,
});

/** Which form an Accept header asks for first; undefined when it names neither. */
export function chooseV2Form(accept: string | undefined): 'json' | 'protobuf' | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  for (const part of accept.split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase();
    if (type === OPENAPI_V2_PROTOBUF_ACCEPT || type === OPENAPI_V2_PROTOBUF) return 'protobuf';
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return 'json';
  }
  return undefined;
}

export function buildOpenAPIV2(descriptors: readonly ResourceDescriptor[], opts: OpenAPIBuildOptions = {}) {
  let forms: { json: Form; protobuf: Form } | undefined;
  const built = () => {
    if (!forms) {
      const doc = swaggerDocument(descriptors, opts);
      forms = { json: form(Buffer.from(JSON.stringify(doc)), 'application/json'), protobuf: form(swaggerToProtobuf(doc), OPENAPI_V2_PROTOBUF) };
    }
    return forms;
  };
  return {
    answer(req: { accept?: string; ifNoneMatch?: string | string[] }): OpenAPIV2Response {
      const which = chooseV2Form(req.accept);
      if (!which) {
        const text = `only application/json and ${OPENAPI_V2_PROTOBUF_ACCEPT} are served here`;
        return { status: 406, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text, reason: 'NotAcceptable', code: 406 })) };
      }
      const f = built()[which];
      const headers: Record<string, string> = { ETag: f.etag, Vary: 'Accept', 'Cache-Control': 'no-cache, private' };
      if (etagMatches(req.ifNoneMatch, f.etag)) return { status: 304, headers };
      return { status: 200, headers: { ...headers, 'Content-Type': f.contentType }, body: f.body };
    },
  };
}
