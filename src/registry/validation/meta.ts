// ObjectMeta checks shared by every kind.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KMeta, KObject } from '../types.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, type NameValidator } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (labels === undefined || labels === null) return errs;
  if (typeof labels !== 'object' || Array.isArray(labels)) return [fieldError.typeInvalid(path, labels, 'must be a map of string to string')];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const msg of isQualifiedName(k)) errs.push(fieldError.invalid(path, k, msg));
    if (typeof v !== 'string') {
      errs.push(fieldError.typeInvalid(`${path}[${k}]`, v, 'must be a string'));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(fieldError.invalid(path, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (annotations === undefined || annotations === null) return errs;
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    return [fieldError.typeInvalid(path, annotations, 'must be a map of string to string')];
  }
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    // Annotation keys are case-insensitive upstream: checked in lower case.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldError.invalid(path, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldError.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

export interface MetaRules {
  namespaced: boolean;
  nameFn: NameValidator;
}

/** Checks a (template or object) metadata; `path` is e.g. `metadata`. */
export function validateObjectMeta(meta: KMeta | undefined, rules: MetaRules, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta || typeof meta !== 'object') return [fieldError.required(path)];
  const { name, generateName, namespace } = meta;
  if (generateName) {
    for (const msg of rules.nameFn(generateName, true)) errs.push(fieldError.invalid(`${path}.generateName`, generateName, msg));
  }
  if (!name) {
    if (!generateName) errs.push(fieldError.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of rules.nameFn(name, false)) errs.push(fieldError.invalid(`${path}.name`, name, msg));
  }
  if (rules.namespaced) {
    if (!namespace) errs.push(fieldError.required(`${path}.namespace`));
    else for (const msg of isDNS1123Label(namespace)) errs.push(fieldError.invalid(`${path}.namespace`, namespace, msg));
  } else if (namespace) {
    errs.push(fieldError.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(fieldError.invalid(`${path}.generation`, meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  return errs;
}

function validateOwnerReferences(refs: KMeta['ownerReferences'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let controllers = 0;
  refs.forEach((ref, i) => {
    if (!ref.apiVersion) errs.push(fieldError.invalid(`${path}[${i}].apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(fieldError.invalid(`${path}[${i}].kind`, ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(fieldError.invalid(`${path}[${i}].name`, ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(fieldError.invalid(`${path}[${i}].uid`, ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) controllers++;
  });
  if (controllers > 1) errs.push(fieldError.invalid(path, refs, 'Only one reference can have Controller set to true'));
  return errs;
}

function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  finalizers.forEach((f, i) => {
    if (typeof f !== 'string') return;
    for (const msg of isQualifiedName(f)) errs.push(fieldError.invalid(`${path}[${i}]`, f, msg));
  });
  return errs;
}

/** Identity fields that may never change on update. */
export function validateObjectMetaUpdate(obj: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj.metadata ?? {};
  const o = old.metadata ?? {};
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (m[key] !== undefined && o[key] !== undefined && m[key] !== o[key]) {
      errs.push(fieldError.invalid(`metadata.${key}`, m[key], 'field is immutable'));
    }
  }
  // Whoever is finishing a deletion must not find new work appearing under it.
  if (o.deletionTimestamp) {
    const had = new Set(o.finalizers ?? []);
    const added = (m.finalizers ?? []).filter((f) => !had.has(f));
    if (added.length > 0) {
      errs.push(fieldError.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
    }
  }
  return errs;
}

/** Convenience: create/update meta checks for a top-level object. */
export function validateMeta(obj: KObject, rules: MetaRules, old?: KObject): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, rules);
  if (old) errs.push(...validateObjectMetaUpdate(obj, old));
  return errs;
}
