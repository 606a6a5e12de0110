// A ResourceDescriptor is everything the API server needs to serve one kind. Adding a kind means
// adding a descriptor to registry/index.ts, never touching the server.
import type { FieldError } from './field-errors.js';

/** Any Kubernetes object as plain JSON. Descriptors narrow it with kubernetes-types where useful. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: KMeta;
  [field: string]: unknown;
}

export interface KMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableConvertor {
  columns: ColumnDefinition[];
  /** One row's cells, in column order, including the wide (priority >= 1) ones. */
  cells(obj: KObject, now: Date): Array<string | number | boolean | null>;
}

export interface ValidationContext {
  /** The object before the change, on update. */
  old?: KObject;
}

export interface ScaleSubresource {
  /** Dotted paths inside the object. */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** Path to a label selector (LabelSelector object) used to render Scale.status.selector. */
  labelSelectorPath?: string;
}

/** How a kind is deleted, where it differs from "at once, unless finalizers hold it". */
export interface DeletionStrategy {
  /** Names that may never be deleted (e.g. the system namespaces). */
  protectedNames?: readonly string[];
  /** Seconds the object stays after a delete for its owner to confirm (a kubelet for a bound pod);
   *  0 deletes at once. `requested` is the client's gracePeriodSeconds. */
  gracePeriodSeconds?(obj: KObject, requested: number | undefined): number;
  /** Finalizers kept outside metadata.finalizers that also hold the object (a Namespace's spec). */
  specFinalizers?(obj: KObject): readonly string[];
  /** Marks, in place, an object whose deletion has started (a Namespace turns Terminating). */
  onDeletionStarted?(obj: KObject): void;
  /** A DELETE answers with the object rather than a Status, as upstream does for this kind. */
  returnsObject?: boolean;
}

/** A kind served in a version other than the one it is stored in: both versions share one storage
 *  key space (e.g. autoscaling/v1 HorizontalPodAutoscalers are stored as autoscaling/v2, as upstream
 *  keeps one storage version per resource), and every read and write passes through these. */
export interface VersionConversion {
  /** The served object in the stored version (apiVersion and kind set to the stored ones). */
  toStored(obj: KObject): KObject;
  /** The stored object in this descriptor's version. */
  fromStored(obj: KObject): KObject;
}

export interface ResourceDescriptor {
  group: string; // '' for core
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
  namespaced: boolean;
  /** Verbs served on the main resource. Default: all of create, delete, deletecollection, get, list, patch, update, watch. */
  verbs?: string[];
  subresources?: {
    /** PUT/PATCH on /status changes only .status; the main resource ignores .status changes. */
    status?: boolean;
    scale?: ScaleSubresource;
    /** Names of other subresources served by special handlers (e.g. 'binding', 'eviction'). */
    other?: Array<{ name: string; group: string; version: string; kind: string; verbs: string[] }>;
    /** Subresources that are the object itself but may change only one part of it (a Pod's
     *  ephemeralcontainers): GET answers the object; PUT and PATCH take a whole object, of which
     *  `apply` keeps only that part. */
    parts?: Array<{ name: string; apply(current: KObject, incoming: KObject): KObject; validate(next: KObject, old: KObject): FieldError[] }>;
  };
  /** Fields beyond metadata.name/namespace that field selectors may use. */
  selectableFields?(obj: KObject): Record<string, string>;
  /** Server-owned parts of a new object, in place, before defaults (e.g. a Namespace's finalizers). */
  prepareForCreate?(obj: KObject): void;
  /** Parts only a subresource may change, copied from the stored object on a main-resource update. */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** Fill in defaults, in place, before validation (on create and update). */
  defaults?(obj: KObject): void;
  /** Validate the whole object (metadata included). Return [] when valid. */
  validate?(obj: KObject, ctx: ValidationContext): FieldError[];
  /** Validate the status written through the /status subresource. */
  validateStatus?(obj: KObject, ctx: ValidationContext): FieldError[];
  table?: TableConvertor;
  deletion?: DeletionStrategy;
  /** With a status subresource, a create normally drops the client's status; true keeps it (Node). */
  keepsStatusOnCreate?: boolean;
  /** A create is answered with a computed object and nothing is stored (the access reviews). */
  ephemeral?: boolean;
  /** When false, metadata.generation is not maintained (kinds without a spec). Default true when a spec exists. */
  generation?: boolean;
  /** Set when this version is not the storage version of the resource. */
  conversion?: VersionConversion;
}

export function apiVersionOf(d: Pick<ResourceDescriptor, 'group' | 'version'>): string {
  return d.group ? `${d.group}/${d.version}` : d.version;
}
