// apiextensions.k8s.io/v1 CustomResourceDefinition. The API server serves its kinds once the
// CRD controller (apiserver/crd/) has accepted its names; deleting one first removes every object
// of it, held by the `customresourcecleanup.apiextensions.k8s.io` finalizer as upstream.
import type { KObject, ResourceDescriptor } from '../types.js';
import { CRD_CLEANUP_FINALIZER, type CrdSpec, type CrdStatus } from '../crd/types.js';
import { validateCrd, validateCrdStatus } from '../crd/validate-crd.js';
import { defaultTable } from '../tables/default.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function defaults(obj: KObject): void {
  if (!isObject(obj.spec)) return;
  const spec = obj.spec as unknown as CrdSpec;
  if (isObject(spec.names)) {
    if (!spec.names.singular && typeof spec.names.kind === 'string') spec.names.singular = spec.names.kind.toLowerCase();
    if (!spec.names.listKind && typeof spec.names.kind === 'string') spec.names.listKind = `${spec.names.kind}List`;
  }
  if (!spec.conversion) spec.conversion = { strategy: 'None' };
  // A storage version once written stays listed until someone migrates the data and edits status.
  const storage = Array.isArray(spec.versions) ? spec.versions.find((v) => isObject(v) && v.storage)?.name : undefined;
  if (storage) {
    const status = (isObject(obj.status) ? obj.status : (obj.status = {})) as CrdStatus;
    const stored = Array.isArray(status.storedVersions) ? status.storedVersions : [];
    if (!stored.includes(storage)) status.storedVersions = [...stored, storage];
    if (!status.acceptedNames) status.acceptedNames = { plural: '', kind: '' };
    if (!status.conditions) status.conditions = [];
  }
}

export const customResourceDefinition: ResourceDescriptor = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  subresources: { status: true },
  defaults,
  validate: (obj, ctx) => validateCrd(obj, ctx.old),
  validateStatus: validateCrdStatus,
  // NAME and CREATED AT, as kube-apiserver prints CRDs.
  table: defaultTable,
  deletion: {
    // Before the first delete nothing holds a CRD; the delete itself adds the cleanup finalizer,
    // which the CRD controller removes once no object of the kind is left.
    specFinalizers: (obj) => (obj.metadata.deletionTimestamp ? [] : [CRD_CLEANUP_FINALIZER]),
    onDeletionStarted(obj) {
      const f = obj.metadata.finalizers ?? [];
      if (!f.includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...f, CRD_CLEANUP_FINALIZER];
    },
  },
};

/** The field table of CustomResourceDefinition (unknown-field detection and number decoding). */
export const customResourceDefinitionTypes = {
  CustomResourceDefinition: 'apiVersion kind metadata:ObjectMeta spec:CrdSpec status:CrdStatus',
  CrdSpec: 'group names:CrdNames scope versions:[CrdVersion] conversion:CrdConversion preserveUnknownFields:bool',
  CrdNames: 'plural singular shortNames:[string] kind listKind categories:[string]',
  CrdVersion: 'name served:bool storage:bool deprecated:bool deprecationWarning schema:CrdValidation subresources:CrdSubresources additionalPrinterColumns:[CrdColumn] selectableFields:[CrdSelectableField]',
  CrdValidation: 'openAPIV3Schema:JSONSchemaProps',
  CrdSubresources: 'status:any scale:CrdScale',
  CrdScale: 'specReplicasPath statusReplicasPath labelSelectorPath',
  CrdColumn: 'name type format description priority:int jsonPath',
  CrdSelectableField: 'jsonPath',
  CrdConversion: 'strategy webhook:CrdWebhookConversion',
  CrdWebhookConversion: 'clientConfig:any conversionReviewVersions:[string]',
  CrdStatus: 'conditions:[CrdCondition] acceptedNames:CrdNames storedVersions:[string]',
  CrdCondition: 'type status lastTransitionTime:time reason message',
  JSONSchemaProps:
    'id $schema $ref description type format title default:any maximum:number exclusiveMaximum:bool minimum:number exclusiveMinimum:bool ' +
    'maxLength:int64 minLength:int64 pattern maxItems:int64 minItems:int64 uniqueItems:bool multipleOf:number enum:[any] maxProperties:int64 ' +
    'minProperties:int64 required:[string] items:any allOf:[JSONSchemaProps] oneOf:[JSONSchemaProps] anyOf:[JSONSchemaProps] not:JSONSchemaProps ' +
    'properties:{JSONSchemaProps} additionalProperties:any patternProperties:{JSONSchemaProps} dependencies:{any} additionalItems:any ' +
    'definitions:{JSONSchemaProps} externalDocs:CrdExternalDocumentation example:any nullable:bool x-kubernetes-preserve-unknown-fields:bool ' +
    'x-kubernetes-embedded-resource:bool x-kubernetes-int-or-string:bool x-kubernetes-list-map-keys:[string] x-kubernetes-list-type ' +
    'x-kubernetes-map-type x-kubernetes-validations:[CrdValidationRule]',
  CrdValidationRule: 'rule message messageExpression reason fieldPath optionalOldSelf:bool',
  CrdExternalDocumentation: 'description url',
};
