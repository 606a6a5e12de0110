// Turns a Kubernetes protobuf request body (what kubectl's typed client sends for `create
// configmap`, `create deployment`, ...) into the JSON object a JSON client would have sent, so the
// rest of the API server only ever sees JSON.
import protobuf from 'protobufjs';
import type { KObject } from '../../registry/types.js';
import { ANY_VERSION, MESSAGES, TOP_LEVEL, isScalar, parseFields, protobufjsDescriptor, type FieldSpec } from './schema.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** The four bytes every Kubernetes protobuf body starts with. */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

export type ProtobufDecodeErrorCode = 'BadRequest' | 'Unsupported';

/**
 * A body we cannot turn into JSON. `BadRequest` (answer 400) means the bytes are not a valid
 * Kubernetes protobuf envelope; `Unsupported` (answer 415 Unsupported Media Type) means it is
 * valid but names a kind or encoding we have no definition for. The message names the kind, so
 * kubectl's `error: failed to create <kind>: <message>` tells the user what to do.
 */
export class ProtobufDecodeError extends Error {
  readonly code: ProtobufDecodeErrorCode;
  readonly status: 400 | 415;
  constructor(code: ProtobufDecodeErrorCode, message: string) {
    super(message);
    this.name = 'ProtobufDecodeError';
    this.code = code;
    this.status = code === 'BadRequest' ? 400 : 415;
  }
}

export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  /** The object as JSON, with apiVersion and kind set. */
  object: KObject;
}

interface Schema {
  types: Map<string, protobuf.Type>;
  fields: Map<string, FieldSpec[]>;
}

let schema: Schema | undefined;

/** Built on first use, once: decoding is on the request path and building the Root is not free. */
function getSchema(): Schema {
  if (schema) return schema;
  const root = protobuf.Root.fromJSON(protobufjsDescriptor());
  const types = new Map<string, protobuf.Type>();
  const fields = new Map<string, FieldSpec[]>();
  for (const name of Object.keys(MESSAGES)) {
    types.set(name, root.lookupType(`k3ts.${name}`));
    fields.set(name, parseFields(name));
  }
  schema = { types, fields };
  return schema;
}

export function decodeKubernetesProtobuf(body: Buffer | Uint8Array): DecodedProtobuf {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ProtobufDecodeError('BadRequest', 'protobuf body does not start with the Kubernetes "k8s\\0" prefix');
  }
  const { types, fields } = getSchema();
  const envelope = decodeMessage(types.get('Unknown')!, bytes.subarray(MAGIC.length), 'runtime.Unknown');
  const typeMeta = (envelope as unknown as Record<string, unknown>).typeMeta as protobuf.Message | undefined;
  const apiVersion = stringField(typeMeta, 'apiVersion');
  const kind = stringField(typeMeta, 'kind');
  if (!apiVersion || !kind) {
    throw new ProtobufDecodeError('BadRequest', 'protobuf body has no apiVersion/kind in its type information');
  }
  const contentEncoding = stringField(envelope, 'contentEncoding');
  if (contentEncoding) {
    throw new ProtobufDecodeError('Unsupported', `protobuf content encoding "${contentEncoding}" is not supported`);
  }
  const message = TOP_LEVEL[`${apiVersion}/${kind}`] ?? ANY_VERSION[kind];
  if (!message) {
    throw new ProtobufDecodeError(
      'Unsupported',
      `protobuf bodies are not supported for ${kind} (${apiVersion}); send application/json`,
    );
  }
  const raw = ((envelope as unknown as Record<string, unknown>).raw as Uint8Array | undefined) ?? new Uint8Array(0);
  const decoded = decodeMessage(types.get(message)!, raw, `${apiVersion} ${kind}`);
  const converted = toJson(decoded, message, fields);
  // JSON clients always send an object's metadata, and everything downstream expects it; option
  // kinds (DeleteOptions) have none.
  const hasMeta = fields.get(message)!.some((f) => f.json === 'metadata');
  const object = { apiVersion, kind, ...converted, ...(hasMeta ? { metadata: converted.metadata ?? {} } : {}) } as KObject;
  return { apiVersion, kind, object };
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array, what: string): protobuf.Message {
  try {
    return type.decode(bytes);
  } catch (err) {
    // protobufjs throws RangeError on truncation and Error on bad wire types or invalid UTF-8 lengths.
    const detail = err instanceof Error ? err.message : String(err);
    throw new ProtobufDecodeError('BadRequest', `malformed protobuf body (${what}): ${detail}`);
  }
}

function stringField(msg: protobuf.Message | undefined, name: string): string {
  const v = msg ? (msg as unknown as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Converts a decoded message to its JSON form. The Go encoder writes every non-pointer field even
 * when it is zero, so "present" only means something for pointer fields; zero values of the others
 * are dropped, as a JSON client would omit them.
 */
function toJson(msg: protobuf.Message, message: string, fields: Map<string, FieldSpec[]>): { [k: string]: Json } {
  const out: { [k: string]: Json } = {};
  const values = msg as unknown as Record<string, unknown>;
  for (const f of fields.get(message)!) {
    const own = Object.prototype.hasOwnProperty.call(values, f.json);
    const value = values[f.json];
    if (f.type === 'map') {
      const entries = Object.entries((value ?? {}) as Record<string, unknown>);
      if (entries.length === 0) continue;
      const map: { [k: string]: Json } = {};
      for (const [k, v] of entries) map[k] = convertValue(v, f.valueType!, fields) ?? '';
      out[f.json] = map;
      continue;
    }
    if (f.repeated) {
      const list = (value ?? []) as unknown[];
      if (list.length === 0) continue;
      out[f.json] = list.map((v) => convertValue(v, f.type, fields) ?? (isScalar(f.type) ? zeroOf(f.type) : {}));
      continue;
    }
    if (!own || value === undefined || value === null) continue;
    const converted = convertValue(value, f.type, fields);
    if (f.inline) {
      if (converted && typeof converted === 'object' && !Array.isArray(converted)) Object.assign(out, converted);
      continue;
    }
    if (converted === undefined) {
      // A zero value: meaningful only when upstream can tell it from "unset".
      if (f.pointer) out[f.json] = isScalar(f.type) ? zeroOf(f.type) : emptyOf(f.type);
      continue;
    }
    out[f.json] = converted;
  }
  return out;
}

/** The JSON for one value, or undefined when it is the zero value of its type. */
function convertValue(value: unknown, type: string, fields: Map<string, FieldSpec[]>): Json | undefined {
  switch (type) {
    case 'string':
      return value === '' ? undefined : (value as string);
    case 'bool':
      return value ? true : undefined;
    case 'int32':
    case 'int64': {
      const n = toNumber(value);
      return n === 0 ? undefined : n;
    }
    case 'bytes': {
      const b = value as Uint8Array;
      return b.length === 0 ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
    }
    case 'Time': {
      const t = value as { seconds?: unknown; nanos?: unknown };
      const seconds = toNumber(t.seconds);
      if (seconds === 0 && toNumber(t.nanos) === 0) return undefined;
      // metav1.Time is RFC 3339 with whole seconds on the JSON wire.
      return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'Quantity': {
      const s = (value as { string?: string }).string ?? '';
      return s === '' ? undefined : s;
    }
    case 'IntOrString': {
      const v = value as { type?: unknown; intVal?: unknown; strVal?: string };
      if (toNumber(v.type) === 1) return v.strVal ? v.strVal : undefined;
      const n = toNumber(v.intVal);
      return n === 0 ? undefined : n;
    }
    default: {
      const obj = toJson(value as protobuf.Message, type, fields);
      return Object.keys(obj).length === 0 ? undefined : obj;
    }
  }
}

function zeroOf(type: string): Json {
  if (type === 'bool') return false;
  if (type === 'int32' || type === 'int64') return 0;
  return '';
}

/** What a present-but-zero pointer to a message looks like in JSON. */
function emptyOf(type: string): Json {
  if (type === 'IntOrString') return 0;
  if (type === 'Quantity') return '0';
  if (type === 'Time') return null;
  return {};
}

/** int64 arrives as a Long when the `long` package is around; JSON wants a plain number. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const l = value as { low: number; high: number; unsigned?: boolean };
    return new protobuf.util.LongBits(l.low >>> 0, l.high >>> 0).toNumber(Boolean(l.unsigned));
  }
  if (typeof value === 'string') return Number(value);
  return 0;
}
