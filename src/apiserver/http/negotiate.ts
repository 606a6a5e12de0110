// Picks the response form from the Accept header: a plain object/list, a server-side Table, or
// metadata only. Protobuf is requested by typed clients; they accept JSON too, so we answer JSON.
import { errors } from '../errors.js';

export type ResponseForm =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' }
  | { kind: 'metadata'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [];
  return accept.split(',').map((part) => {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

export function negotiateForm(accept: string | undefined): ResponseForm {
  const ranges = parseAccept(accept);
  if (ranges.length === 0) return { kind: 'json' };
  for (const r of ranges) {
    // q=0 means "not this one".
    if (r.params.q !== undefined && Number(r.params.q) === 0) continue;
    const as = r.params.as;
    if (as) {
      if (r.type !== 'application/json' || r.params.g !== 'meta.k8s.io') continue;
      const v = r.params.v === 'v1beta1' ? 'meta.k8s.io/v1beta1' : r.params.v === 'v1' ? 'meta.k8s.io/v1' : undefined;
      if (!v) continue;
      if (as === 'Table') return { kind: 'table', apiVersion: v };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { kind: 'metadata', apiVersion: v };
      continue;
    }
    if (['application/json', 'application/*', '*/*', 'application/vnd.kubernetes.protobuf', 'application/json-patch+json'].includes(r.type)) return { kind: 'json' };
    if (r.type === 'application/yaml') return { kind: 'yaml' };
  }
  throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf');
}
