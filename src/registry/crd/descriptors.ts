// A CustomResourceDefinition turned into the descriptors the API server serves: one per served
// version, all sharing the storage version's key space (conversion "None" only rewrites
// apiVersion), each with its schema's pruning, defaulting and validation and its printer columns.
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext, VersionConversion } from '../types.js';
import { validateMeta } from '../validation/meta.js';
import { nameIsDNSSubdomain } from '../validation/names.js';
import { applyDefaults, prune } from './prune-default.js';
import { printerColumnsTable } from './printer-columns.js';
import type { CrdSpec, CrdVersion, JSONSchemaProps } from './types.js';
import { validateValue } from './validate-value.js';
import { validateRules } from './cel-rules.js';

export interface CustomResourceInfo {
  /** The CRD's name, `<plural>.<group>`. */
  crd: string;
  schema?: JSONSchemaProps;
  storageVersion: string;
}

const info = new WeakMap<ResourceDescriptor, CustomResourceInfo>();

/** Set for descriptors made from a CRD: they take JSON and YAML only, and no strategic merge patch. */
export function customResourceInfo(d: ResourceDescriptor): CustomResourceInfo | undefined {
  return info.get(d);
}

const strip = (path: string) => path.replace(/^\./, '');

/** The object's content as the schema sees it: everything but apiVersion, kind and metadata. */
function body(obj: KObject): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = obj;
  return rest;
}

function schemaErrors(schema: JSONSchemaProps | undefined, obj: KObject): FieldError[] {
  if (!schema) return [];
  const errs = validateValue({ ...schema, properties: { ...schema.properties }, required: (schema.required ?? []).filter((r) => r !== 'metadata' && r !== 'apiVersion' && r !== 'kind') }, body(obj), '');
  return errs;
}

function embeddedMetaErrors(schema: JSONSchemaProps | undefined, value: unknown, path: string, out: FieldError[]): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => embeddedMetaErrors(schema.items, item, `${path}[${i}]`, out));
    return;
  }
  const v = value as Record<string, unknown>;
  if (schema['x-kubernetes-embedded-resource'] && v.metadata !== undefined) {
    const meta = v.metadata as KObject['metadata'];
    if (meta && typeof meta === 'object' && meta.name) for (const m of nameIsDNSSubdomain(meta.name, false)) out.push(fieldError.invalid(`${path}.metadata.name`, meta.name, m));
  }
  for (const [k, p] of Object.entries(schema.properties ?? {})) if (k in v) embeddedMetaErrors(p, v[k], path ? `${path}.${k}` : k, out);
}

export function crdToDescriptors(crd: KObject): ResourceDescriptor[] {
  const spec = crd.spec as CrdSpec;
  const storage = spec.versions.find((v) => v.storage)!;
  const names = spec.names;
  const singular = names.singular || names.kind.toLowerCase();
  const listKind = names.listKind || `${names.kind}List`;
  const out: ResourceDescriptor[] = [];
  for (const v of spec.versions) {
    if (!v.served) continue;
    out.push(versionDescriptor(crd.metadata.name!, spec, v, storage, singular, listKind));
  }
  return out;
}

/** The storage version's descriptor, served or not: where every object of the kind is kept. */
export function storageDescriptor(crd: KObject): ResourceDescriptor {
  const spec = crd.spec as CrdSpec;
  const storage = spec.versions.find((v) => v.storage)!;
  return versionDescriptor(crd.metadata.name!, spec, storage, storage, spec.names.singular || spec.names.kind.toLowerCase(), spec.names.listKind || `${spec.names.kind}List`);
}

function versionDescriptor(crdName: string, spec: CrdSpec, v: CrdVersion, storage: CrdVersion, singular: string, listKind: string): ResourceDescriptor {
  const schema = v.schema?.openAPIV3Schema;
  const namespaced = spec.scope === 'Namespaced';
  const scale = v.subresources?.scale;
  const hasStatus = v.subresources?.status !== undefined && v.subresources?.status !== null;
  const apiVersion = `${spec.group}/${v.name}`;
  const storedApiVersion = `${spec.group}/${storage.name}`;
  const conversion: VersionConversion | undefined =
    v.name === storage.name
      ? undefined
      : {
          toStored: (obj) => ({ ...obj, apiVersion: storedApiVersion }),
          fromStored: (obj) => ({ ...obj, apiVersion }),
        };
  const d: ResourceDescriptor = {
    group: spec.group,
    version: v.name,
    kind: spec.names.kind,
    listKind,
    plural: spec.names.plural,
    singular,
    ...(spec.names.shortNames?.length ? { shortNames: [...spec.names.shortNames] } : {}),
    ...(spec.names.categories?.length ? { categories: [...spec.names.categories] } : {}),
    namespaced,
    subresources: {
      ...(hasStatus ? { status: true } : {}),
      ...(scale
        ? { scale: { specReplicasPath: strip(scale.specReplicasPath), statusReplicasPath: strip(scale.statusReplicasPath), ...(scale.labelSelectorPath ? { labelSelectorPath: strip(scale.labelSelectorPath) } : {}) } }
        : {}),
    },
    defaults(obj) {
      prune(schema, obj, '', [], true);
      applyDefaults(schema, obj);
    },
    validate(obj: KObject, ctx: ValidationContext) {
      const errs = validateMeta(obj, { namespaced, nameFn: nameIsDNSSubdomain }, ctx.old);
      errs.push(...schemaErrors(schema, obj));
      embeddedMetaErrors(schema, body(obj), '', errs);
      // Rules are judged only on an object of the right shape, as upstream.
      if (errs.length === 0 && schema) {
        const { name, generateName } = obj.metadata;
        validateRules(schema, { ...obj, metadata: { ...(name ? { name } : {}), ...(generateName ? { generateName } : {}) } }, '', errs);
      }
      return errs;
    },
    validateStatus(obj: KObject) {
      const statusSchema = schema?.properties?.status;
      if (statusSchema && obj.status !== undefined) {
        prune(statusSchema, obj.status, 'status', []);
        applyDefaults({ type: 'object', properties: { status: statusSchema } }, obj);
      }
      if (!statusSchema || obj.status === undefined) return [];
      const errs = validateValue(statusSchema, obj.status, 'status');
      return errs.length ? errs : validateRules(statusSchema, obj.status, 'status');
    },
    table: printerColumnsTable(v.additionalPrinterColumns),
    ...(conversion ? { conversion } : {}),
  };
  info.set(d, { crd: crdName, schema, storageVersion: storage.name });
  return d;
}

/** The fields pruning would drop from a custom object (for fieldValidation); undefined for other kinds. */
export function unknownCustomFields(d: ResourceDescriptor, obj: KObject): string[] | undefined {
  const custom = info.get(d);
  if (!custom) return undefined;
  const pruned: string[] = [];
  if (custom.schema) prune(custom.schema, structuredClone(obj), '', pruned, true);
  return pruned;
}
