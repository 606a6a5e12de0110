// Objects are stored as JSON without their resourceVersion: the revision of the write that stored
// them *is* the resourceVersion, filled in on the way out. apiVersion, kind and metadata always
// come first, so the resourceVersion can be spliced into the stored text without parsing it — the
// LIST of thousands of objects never decodes what it only passes through.
import type { KeyValue } from '../../storage/backend.js';
import type { KObject } from '../../registry/types.js';

export function encodeObject(obj: KObject): string {
  const { apiVersion, kind, metadata, ...rest } = obj;
  const { resourceVersion: _rv, ...meta } = metadata;
  return JSON.stringify({ apiVersion, kind, metadata: meta, ...rest });
}

export function decodeObject(kv: Pick<KeyValue, 'value' | 'modRevision'>): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

/** The text every stored object of this apiVersion/kind starts with. */
export function storedPrefix(apiVersion: string, kind: string): string {
  return `{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind)},"metadata":{`;
}

/** The object's JSON with its resourceVersion, straight from the stored text when it has the
 *  expected layout (otherwise decoded and encoded again). */
export function jsonWithRevision(kv: Pick<KeyValue, 'value' | 'modRevision'>, prefix: string): string {
  const v = kv.value;
  if (v.startsWith(prefix) && v.charCodeAt(prefix.length) !== 125 /* } */) {
    return `${prefix}"resourceVersion":"${kv.modRevision}",${v.slice(prefix.length)}`;
  }
  return JSON.stringify(decodeObject(kv));
}

/** jsonWithRevision on the datastore's bytes, as the pieces of the answer (the stored text is never
 *  decoded); undefined where the text does not have the expected layout. */
export function jsonBytesWithRevision(bytes: Buffer, modRevision: number, prefix: Buffer): Buffer[] | undefined {
  const n = prefix.length;
  if (bytes.length <= n || bytes[n] === 125 /* } */ || bytes.compare(prefix, 0, n, 0, n) !== 0) return undefined;
  return [prefix, Buffer.from(`"resourceVersion":"${modRevision}",`), bytes.subarray(n)];
}
