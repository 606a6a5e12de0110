// Pruning and defaulting of a custom object by its structural schema, in place, before validation:
// fields the schema does not name go (unless x-kubernetes-preserve-unknown-fields), then absent
// fields with a `default` get it. The pruned paths are returned for fieldValidation warnings.
import type { JSONSchemaProps } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Kept at the root and in embedded resources whatever the schema says; metadata is ObjectMeta's. */
const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

export function prune(schema: JSONSchemaProps | undefined, value: unknown, path: string, pruned: string[], root = false): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, i) => prune(schema.items, item, `${path}[${i}]`, pruned));
    return;
  }
  if (!isObject(value)) return;
  const keepTypeMeta = root || schema['x-kubernetes-embedded-resource'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    if (keepTypeMeta && TYPE_META.has(key)) continue;
    const child = path ? `${path}.${key}` : key;
    const prop = schema.properties?.[key];
    if (prop) prune(prop, value[key], child, pruned);
    else if (isObject(schema.additionalProperties)) prune(schema.additionalProperties, value[key], child, pruned);
    else if (!preserve && schema.additionalProperties !== true) {
      delete value[key];
      pruned.push(child);
    }
  }
}

export function applyDefaults(schema: JSONSchemaProps | undefined, value: unknown): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(schema.items, item);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const absent = !(key in value) || (value[key] === null && !prop.nullable);
    if (absent && prop.default !== undefined) value[key] = structuredClone(prop.default);
    if (key in value) applyDefaults(prop, value[key]);
  }
  if (isObject(schema.additionalProperties)) for (const v of Object.values(value)) applyDefaults(schema.additionalProperties, v);
}
