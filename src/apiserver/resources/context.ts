// What every resource operation needs, bundled so HTTP handlers and the in-process client share
// one path through defaulting, validation, admission and storage.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import type { ObjectStore } from '../store/object-store.js';
import type { ServiceAccountTokenIssuer } from '../serviceaccount/token-issuer.js';
import type { ServiceAccountAuthenticator } from '../serviceaccount/token-authenticator.js';
import type { WebhookAdmission } from '../admission/webhooks/dispatcher.js';
import type { PolicyAdmission } from '../admission/policy/admission.js';

export interface Registry {
  descriptors: readonly ResourceDescriptor[];
  findByResource(group: string, version: string, plural: string): ResourceDescriptor | undefined;
  findByKind(group: string, version: string, kind: string): ResourceDescriptor | undefined;
  /** Changes whenever `descriptors` does (custom resources); absent for a fixed registry. */
  readonly revision?: number;
  /** Calls `listener` after each change of `descriptors`; returns the unsubscribe. */
  subscribe?(listener: () => void): () => void;
}

export type Operation = 'CREATE' | 'UPDATE';

export interface AdmissionRequest {
  operation: Operation;
  descriptor: ResourceDescriptor;
  /** The object about to be stored; plugins may change it. */
  object: KObject;
  old?: KObject;
  subresource?: string;
  dryRun: boolean;
  /** Who asks; absent for the server's own in-process writes. */
  user?: RequestUser;
}

export interface RequestUser {
  name: string;
  uid?: string;
  groups: string[];
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutate or refuse (throw an ApiError). Runs after defaulting and validation. */
  admit(req: AdmissionRequest): Promise<void> | void;
  /** The mutating phase, as upstream's: runs after defaulting and before validation, on create and
   *  on every update of the main resource, so what it added at create is added again to an incoming
   *  object that lacks it and immutability checks compare like with like. Synchronous, no side effects. */
  mutate?(req: AdmissionRequest): void;
  /** Called when an admitted write did not happen (storage error or dry run). */
  abandon?(req: AdmissionRequest): void;
}

export interface ResourceContext {
  store: ObjectStore;
  registry: Registry;
  admission: readonly AdmissionPlugin[];
  /** Signs (TokenRequest) and checks (TokenReview) ServiceAccount tokens; absent, both answer 404. */
  serviceAccountTokens?: { issuer: ServiceAccountTokenIssuer; authenticator: ServiceAccountAuthenticator };
  /** Admission webhooks, after the built-in plugins; absent where a server has none (unit tests). */
  webhooks?: WebhookAdmission;
  /** ValidatingAdmissionPolicies, evaluated before the validating webhooks; absent in unit tests. */
  policies?: PolicyAdmission;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** What to do with fields the kind does not have (default Ignore: drop them silently). */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Receives `Warning` texts for the client. */
  warn?: (text: string) => void;
  /** The authenticated caller, for admission plugins that depend on who writes (node restriction). */
  user?: RequestUser;
  /** Server-side apply: the `metadata.managedFields` the write leaves. Otherwise a write keeps the
   *  stored ones and ignores any the client sent. */
  managedFields?: () => unknown[];
  /** Who writes, for an `Update` entry in managedFields (ignored when `managedFields` is given). */
  fieldManager?: string;
  /** The subresource a write through the main resource's path stands for (`scale`), for that entry. */
  fieldManagerSubresource?: string;
}
