// The only way controllers, the scheduler and the kubelet see the cluster. The server hands them an
// in-process implementation; agents will get one over HTTPS. Errors carry the API's Status code and
// reason (NotFound, Conflict, AlreadyExists, ...).
import type { KObject } from '../registry/types.js';

export interface ResourceType {
  group: string;
  version: string;
  /** The plural resource name, e.g. 'namespaces'. */
  resource: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ObjectList {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this revision; absent replays the current state as ADDED events first. */
  resourceVersion?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Shared with other watchers: clone before changing it. */
  object: KObject;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'json' | 'merge' | 'strategic';

/** The Content-Type each patch type is sent with. */
export const patchContentTypes = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const satisfies Record<PatchType, string>;

export interface Client {
  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KObject>;
  list(type: ResourceType, opts?: ListOptions): Promise<ObjectList>;
  /** Resolves once the watch is established; events flow until `signal` aborts. If the stream ends
   *  any other way (a broken connection, a compacted revision), `onClose` is called, with the error
   *  when there is one, and the caller starts again from a fresh list. */
  watch(type: ResourceType, opts: WatchOptions, handlers: { onEvent(ev: WatchEvent): void; onClose?(err?: unknown): void }, signal: AbortSignal): Promise<void>;
  create(type: ResourceType, obj: KObject): Promise<KObject>;
  update(type: ResourceType, obj: KObject, opts?: { subresource?: 'status' | 'finalize' | 'approval' }): Promise<KObject>;
  patch(type: ResourceType, namespace: string | undefined, name: string, patch: { type: PatchType; body: unknown }, opts?: { subresource?: 'status' }): Promise<KObject>;
  delete(type: ResourceType, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<void>;
  /** POSTs to a subresource that is an action, not a stored object: pods/binding (a Binding, which
   *  the scheduler writes) and pods/eviction (an Eviction, as `kubectl drain` posts). */
  createSubresource(type: ResourceType, namespace: string | undefined, name: string, subresource: 'binding' | 'eviction', body: KObject): Promise<void>;
  /** POSTs a TokenRequest to serviceaccounts/<name>/token and returns the answer (its status holds
   *  the token). Optional so that test doubles need not sign anything. */
  createToken?(namespace: string, serviceAccount: string, request: KObject): Promise<KObject>;
  /** Server-side apply of a whole object as `fieldManager` (creates it when missing). Optional so
   *  that test doubles and clients without it still satisfy the interface. */
  apply?(type: ResourceType, namespace: string | undefined, name: string, body: KObject, opts: ApplyRequestOptions): Promise<KObject>;
}

export interface ApplyRequestOptions {
  fieldManager: string;
  /** Take over fields other managers own instead of answering 409. */
  force?: boolean;
}

/** True for a Status error with the given reason, from any client implementation. */
export function hasReason(err: unknown, reason: string): boolean {
  return typeof err === 'object' && err !== null && (err as { reason?: unknown }).reason === reason;
}

/** The object, or undefined when it does not exist: what every reconcile asks first. */
export async function getIfExists(client: Client, type: ResourceType, namespace: string | undefined, name: string): Promise<KObject | undefined> {
  try {
    return await client.get(type, namespace, name);
  } catch (err) {
    if (hasReason(err, 'NotFound')) return undefined;
    throw err;
  }
}
