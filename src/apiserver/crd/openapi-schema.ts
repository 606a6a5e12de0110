// A custom resource's published schema: the CRD's own, with apiVersion, kind and metadata added and
// tagged with its group/version/kind, so `kubectl explain <kind>.spec` finds and prints it. Its
// PATCH operation does not offer strategic merge patch, so kubectl still sends merge patches.
import { customResourceInfo } from '../../registry/crd/descriptors.js';
import type { JSONSchemaProps } from '../../registry/crd/types.js';
import type { ResourceDescriptor } from '../../registry/types.js';

const TYPE_META = {
  apiVersion: {
    description:
      'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
    type: 'string',
  },
  kind: {
    description:
      'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
    type: 'string',
  },
  metadata: {
    description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    type: 'object',
  },
};

/** Only the parts of a schema OpenAPI readers understand; defaults and validations stay on the server. */
function published(s: JSONSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v && typeof v === 'object') out.properties = Object.fromEntries(Object.entries(v as Record<string, JSONSchemaProps>).map(([n, p]) => [n, published(p)]));
    else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') out[k] = published(v as JSONSchemaProps);
    else if (k === 'x-kubernetes-validations') continue;
    else out[k] = v;
  }
  return out;
}

export function customResourceOpenAPISchema(d: ResourceDescriptor): Record<string, unknown> | undefined {
  const info = customResourceInfo(d);
  if (!info) return undefined;
  const schema = info.schema ? published(info.schema) : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties = { ...TYPE_META, ...((schema.properties as Record<string, unknown> | undefined) ?? {}) };
  properties.metadata = TYPE_META.metadata;
  return {
    ...schema,
    type: 'object',
    properties,
    'x-kubernetes-group-version-kind': [{ group: d.group, kind: d.kind, version: d.version }],
  };
}

/** The list kind's schema: items of the kind. */
export function customResourceListOpenAPISchema(d: ResourceDescriptor, itemRef: string): Record<string, unknown> | undefined {
  if (!customResourceInfo(d)) return undefined;
  return {
    description: `${d.listKind} is a list of ${d.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: TYPE_META.apiVersion,
      kind: TYPE_META.kind,
      items: { description: `List of ${d.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, type: 'array', items: { $ref: itemRef } },
      metadata: { description: "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds", type: 'object' },
    },
    'x-kubernetes-group-version-kind': [{ group: d.group, kind: d.listKind, version: d.version }],
  };
}
