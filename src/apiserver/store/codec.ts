// Objects are stored as JSON without their resourceVersion: the revision of the write that stored
// them *is* the resourceVersion, filled in on the way out.
import type { KeyValue } from '../../storage/backend.js';
import type { KObject } from '../../registry/types.js';

export function encodeObject(obj: KObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

export function decodeObject(kv: Pick<KeyValue, 'value' | 'modRevision'>): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
