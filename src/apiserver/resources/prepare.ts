// What the server itself owns in every object: identity, timestamps, generation, and the rule that
// defaults run before validation. Shared by create, update and patch.
import { randomUUID, randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { apiVersionOf } from '../../registry/types.js';
import { errors } from '../errors.js';
import type { FieldError } from '../../registry/field-errors.js';
import { fieldError } from '../../registry/field-errors.js';

const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

export function generateNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += nameAlphabet[randomInt(nameAlphabet.length)];
  return s;
}

// Every write stamps a time or two, to the second: formatted once per second, not per call.
let stampSecond = NaN;
let stampText = '';

export function nowRfc3339(now?: Date): string {
  const second = Math.floor((now ? now.getTime() : Date.now()) / 1000);
  if (second !== stampSecond) {
    stampSecond = second;
    stampText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return stampText;
}

/** Any client-sent value as message text (objects may carry hostile toString members). */
function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? 'null';
}

/** Checks the body is an object of this endpoint's kind, fills apiVersion/kind when absent. */
export function checkTypeMeta(d: ResourceDescriptor, body: unknown): KObject {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw errors.badRequest(`the body of the request was not a valid ${d.kind} object`);
  }
  const obj = body as KObject;
  const want = apiVersionOf(d);
  if (obj.kind !== undefined && obj.kind !== d.kind) {
    throw errors.badRequest(`the kind in the data (${shown(obj.kind)}) does not match the expected kind (${d.kind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw errors.badRequest(`the API version in the data (${shown(obj.apiVersion)}) does not match the expected API version (${want})`);
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw errors.badRequest('metadata: the object has an invalid metadata field: must be an object');
  }
  obj.apiVersion = want;
  obj.kind = d.kind;
  return obj;
}

/** Spec changes bump generation; metadata and status changes do not. */
export function specChanged(a: KObject, b: KObject): boolean {
  const { metadata: _m1, status: _s1, ...restA } = a;
  const { metadata: _m2, status: _s2, ...restB } = b;
  return !isDeepStrictEqual(restA, restB);
}

export function hasGeneration(d: ResourceDescriptor): boolean {
  return d.generation !== false;
}

/** Runs defaulting and validation and throws 422 Invalid with every field error. */
export function defaultAndValidate(d: ResourceDescriptor, obj: KObject, old?: KObject, mutate?: (obj: KObject) => void): void {
  d.defaults?.(obj);
  mutate?.(obj);
  const errs: FieldError[] = [...metadataShapeErrors(obj), ...(d.validate?.(obj, old ? { old } : {}) ?? [])];
  if (errs.length > 0) throw errors.invalid(d.kind, d.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
}

/** Type checks on metadata that no descriptor should have to repeat. */
function metadataShapeErrors(obj: KObject): FieldError[] {
  const m = obj.metadata;
  const out: FieldError[] = [];
  for (const field of ['labels', 'annotations'] as const) {
    const v = m[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) out.push(fieldError.typeInvalid(`metadata.${field}`, v, 'must be a map of string to string'));
    else for (const [k, val] of Object.entries(v)) if (typeof val !== 'string') out.push(fieldError.typeInvalid(`metadata.${field}.${k}`, val, 'must be a string'));
  }
  if (m.finalizers !== undefined && (!Array.isArray(m.finalizers) || m.finalizers.some((f) => typeof f !== 'string'))) {
    out.push(fieldError.typeInvalid('metadata.finalizers', m.finalizers, 'must be a list of strings'));
  }
  for (const field of ['name', 'generateName', 'namespace'] as const) {
    if (m[field] !== undefined && typeof m[field] !== 'string') out.push(fieldError.typeInvalid(`metadata.${field}`, m[field], 'must be a string'));
  }
  return out;
}

/** Server-owned metadata for a new object. */
export function initCreateMeta(d: ResourceDescriptor, obj: KObject, namespace: string | undefined): void {
  const m = obj.metadata;
  if (d.namespaced) {
    if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    m.namespace = namespace;
  } else {
    delete m.namespace;
  }
  if (!m.name && m.generateName && typeof m.generateName === 'string') m.name = `${m.generateName}${generateNameSuffix()}`;
  if (m.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
  m.uid = randomUUID();
  m.creationTimestamp = nowRfc3339();
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.managedFields;
  if (hasGeneration(d)) m.generation = 1;
  else delete m.generation;
}

/** Carries server-owned metadata over from the stored object on update. */
export function carryOverMeta(d: ResourceDescriptor, obj: KObject, old: KObject): void {
  const m = obj.metadata;
  m.uid = old.metadata.uid;
  m.creationTimestamp = old.metadata.creationTimestamp;
  if (old.metadata.namespace !== undefined) m.namespace = old.metadata.namespace;
  if (old.metadata.deletionTimestamp) {
    m.deletionTimestamp = old.metadata.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
  // Ownership is the server's record (server-side apply), never the client's to rewrite.
  if (old.metadata.managedFields !== undefined) m.managedFields = old.metadata.managedFields;
  else delete m.managedFields;
  if (hasGeneration(d)) {
    const gen = old.metadata.generation ?? 1;
    m.generation = specChanged(obj, old) ? gen + 1 : gen;
  }
}
