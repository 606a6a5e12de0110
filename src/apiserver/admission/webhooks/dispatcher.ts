// Calls the admission webhooks a write matches: mutating ones one after another in configuration
// and webhook order (then once more, for those that asked, if a later one changed the object), and
// validating ones all at once. See flow.md.
import { isDeepStrictEqual } from 'node:util';
import { ApiError, errors } from '../../errors.js';
import type { KObject, ResourceDescriptor } from '../../../registry/types.js';
import { apiVersionOf } from '../../../registry/types.js';
import type { Registry } from '../../resources/context.js';
import type { ObjectStore } from '../../store/object-store.js';
import { applyJsonPatch } from '../../patch/json-patch.js';
import { CallFailure, postReview, type WebhookTarget } from './call.js';
import { WebhookSet, type CompiledWebhook, type ConfigurationSource } from './configurations.js';
import { convertObject, matchingVersion, namespaceSelected, neverSent, objectSelected, servedVersions, type MatchRequest } from './match.js';
import { callingError, deniedError, dryRunUnsupported } from './outcome-errors.js';
import { buildReview, readResponse, type ReviewResult, type ReviewUser } from './review.js';
import { resolveService } from './service-endpoint.js';
import { evaluateMatchConditions } from './match-conditions.js';

export interface WebhookRequest extends MatchRequest {
  name: string;
  dryRun: boolean;
  /** Absent for the server's own in-process writes. */
  user?: ReviewUser;
  /** Extra fields of the request's Create/Update/DeleteOptions. */
  options?: Record<string, unknown>;
  warn?: (text: string) => void;
}

export interface WebhookAdmission {
  /** Runs the matching mutating webhooks; answers the object to store (req.object when unchanged). */
  mutate(req: WebhookRequest): Promise<KObject | undefined>;
  /** Runs the matching validating webhooks; throws the first refusal. */
  validate(req: WebhookRequest): Promise<void>;
  /** Starts reading the configurations; until then no webhook is called (the bootstrap writes). */
  attach(sources: { validating: ConfigurationSource; mutating: ConfigurationSource }): void;
}

/** Who the server's own controllers are to a webhook: the loopback identity upstream uses. */
const SERVER_USER: ReviewUser = { name: 'system:apiserver', groups: ['system:masters', 'system:authenticated'] };

const OPTIONS_KIND = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: undefined } as const;

interface Deps {
  store: ObjectStore;
  registry: Registry;
  /** Reports webhooks that failed open (failurePolicy Ignore). */
  onIgnoredFailure?(webhook: string, message: string): void;
}

export function createWebhookAdmission(deps: Deps): WebhookAdmission {
  const validating = new WebhookSet('validating');
  const mutating = new WebhookSet('mutating');
  const namespaces = deps.registry.findByResource('', 'v1', 'namespaces');
  const versions = servedVersions(deps.registry);

  const namespaceLabelsFor = () => {
    const seen = new Map<string, Promise<Record<string, string> | undefined>>();
    return (ns: string) => {
      let p = seen.get(ns);
      if (!p) {
        p = deps.store.get(namespaces!, undefined, ns).then((o) => o.metadata.labels ?? {}, () => undefined);
        seen.set(ns, p);
      }
      return p;
    };
  };

  async function target(hook: CompiledWebhook): Promise<WebhookTarget> {
    const ca = hook.ca === '' ? undefined : hook.ca;
    if (hook.url) return { url: new URL(hook.url), ...(ca !== undefined ? { ca } : {}) };
    const svc = hook.service!;
    const connect = await resolveService({ store: deps.store, registry: deps.registry, admission: [] }, svc);
    const url = new URL(`https://${svc.name}.${svc.namespace}.svc:${svc.port}${svc.path || '/'}`);
    return { url, connect, ...(ca !== undefined ? { ca } : {}) };
  }

  /** One call; a CallFailure is the failurePolicy's to judge, an ApiError always stops the write. */
  async function callHook(hook: CompiledWebhook, as: ResourceDescriptor, req: WebhookRequest, object: KObject | undefined): Promise<ReviewResult> {
    if (req.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') throw dryRunUnsupported(hook.name);
    const d = req.descriptor;
    const optionsKind = OPTIONS_KIND[req.operation];
    const review = buildReview(hook.reviewVersion, {
      kind: { group: as.group, version: as.version, kind: as.kind },
      resource: { group: as.group, version: as.version, resource: as.plural },
      requestKind: { group: d.group, version: d.version, kind: d.kind },
      requestResource: { group: d.group, version: d.version, resource: d.plural },
      subresource: req.subresource ?? '',
      name: req.name,
      namespace: req.namespace,
      operation: req.operation,
      user: req.user ?? SERVER_USER,
      object: object && convertObject(object, d, as),
      oldObject: req.old && convertObject(req.old, d, as),
      dryRun: req.dryRun,
      options: optionsKind ? { apiVersion: 'meta.k8s.io/v1', kind: optionsKind, ...(req.dryRun ? { dryRun: ['All'] } : {}), ...req.options } : undefined,
    });
    const answer = await postReview(await target(hook), review.body, hook.timeoutSeconds);
    const result = readResponse(review.uid, answer, hook.type === 'mutating');
    if (typeof result === 'string') throw new CallFailure(`received invalid webhook response: ${result}`);
    for (const w of result.warnings) req.warn?.(w);
    return result;
  }

  /** Runs one hook with its failure policy: undefined when it failed open. */
  async function admitOne(hook: CompiledWebhook, as: ResourceDescriptor, req: WebhookRequest, object: KObject | undefined): Promise<ReviewResult | undefined> {
    let result: ReviewResult;
    try {
      result = await callHook(hook, as, req, object);
    } catch (err) {
      if (!(err instanceof CallFailure)) throw err;
      if (hook.failurePolicy === 'Ignore') {
        deps.onIgnoredFailure?.(hook.name, err.message);
        return undefined;
      }
      throw callingError(hook.name, err.message);
    }
    if (!result.allowed) throw deniedError(hook.name, req.descriptor, req.name, result.status);
    return result;
  }

  /** Synchronous unless the namespace's labels must be read: most writes match no webhook, and
   *  they should not pay a promise per configured webhook to learn that. */
  function matches(hook: CompiledWebhook, req: WebhookRequest, labels: ReturnType<typeof namespaceLabelsFor>): ResourceDescriptor | undefined | Promise<ResourceDescriptor | undefined> {
    const as = matchingVersion(hook, req, versions);
    if (!as || !objectSelected(hook, req)) return undefined;
    if (!hook.namespaceSelector) return conditionsAllow(hook, as, req) ? as : undefined;
    return namespaceSelected(hook, req, labels).then((yes) => (yes && conditionsAllow(hook, as, req) ? as : undefined));
  }

  /** matchConditions, last (they cost the most): an evaluation error is the failurePolicy's. */
  function conditionsAllow(hook: CompiledWebhook, as: ResourceDescriptor, req: WebhookRequest): boolean {
    if (!hook.matchConditions) return true;
    const r = evaluateMatchConditions(hook, as, req, req.object);
    if (r.error === undefined) return r.matches;
    if (hook.failurePolicy === 'Ignore') {
      deps.onIgnoredFailure?.(hook.name, r.error);
      return false;
    }
    throw callingError(hook.name, r.error);
  }

  /** The patched object, back in the request's version. */
  function applyPatch(hook: CompiledWebhook, as: ResourceDescriptor, req: WebhookRequest, object: KObject, patch: unknown[]): KObject {
    let patched: KObject;
    try {
      patched = applyJsonPatch(convertObject(object, req.descriptor, as), patch) as KObject;
    } catch (err) {
      throw errors.internal(`admission webhook "${hook.name}" returned a patch that cannot be applied: ${(err as Error).message}`);
    }
    if (typeof patched !== 'object' || patched === null || patched.apiVersion !== apiVersionOf(as) || patched.kind !== as.kind || typeof patched.metadata !== 'object') {
      throw errors.internal(`admission webhook "${hook.name}" returned a patch that changes the object's apiVersion, kind or metadata shape`);
    }
    return convertObject(patched, as, req.descriptor);
  }

  return {
    attach(sources) {
      validating.attach(sources.validating);
      mutating.attach(sources.mutating);
    },

    async mutate(req) {
      const hooks = mutating.hooks();
      if (hooks.length === 0 || neverSent(req.descriptor)) return req.object;
      const labels = namespaceLabelsFor();
      let object = req.object;
      let changes = 0;
      /** For each hook called in the first round, how many changes had been made once it was done
       *  (its own included): a later change means its view of the object went stale. */
      const changesSeen = new Map<CompiledWebhook, number>();
      let current: WebhookRequest = req;
      /** Calls `hook` if it matches the object as it is now; false when it does not match. */
      const run = async (hook: CompiledWebhook) => {
        let as = matches(hook, current, labels);
        if (as instanceof Promise) as = await as;
        if (!as) return false;
        const result = await admitOne(hook, as, current, object);
        if (result?.patch && object) {
          const next = applyPatch(hook, as, req, object, result.patch);
          if (!isDeepStrictEqual(next, object)) {
            object = next;
            current = { ...req, object };
            changes++;
          }
        }
        return true;
      };
      for (const hook of hooks) {
        // The common case, no match, stays synchronous.
        if (!matchingVersion(hook, current, versions)) continue;
        if (await run(hook)) changesSeen.set(hook, changes);
      }
      // Reinvocation: once, in order, for the IfNeeded webhooks a later webhook's change made stale.
      const total = changes;
      for (const hook of hooks) {
        const seen = changesSeen.get(hook);
        if (hook.reinvocationPolicy === 'IfNeeded' && seen !== undefined && total > seen) await run(hook);
      }
      return object;
    },

    async validate(req) {
      const hooks = validating.hooks();
      if (hooks.length === 0 || neverSent(req.descriptor)) return;
      const labels = namespaceLabelsFor();
      const chosen: Array<[CompiledWebhook, ResourceDescriptor]> = [];
      for (const hook of hooks) {
        let as = matches(hook, req, labels);
        if (as instanceof Promise) as = await as;
        if (as) chosen.push([hook, as]);
      }
      if (chosen.length === 0) return;
      const outcomes = await Promise.allSettled(chosen.map(([hook, as]) => admitOne(hook, as, req, req.object)));
      // The first refusal in webhook order, so the answer does not depend on which came back first.
      for (const o of outcomes) if (o.status === 'rejected') throw o.reason instanceof ApiError ? o.reason : errors.internal(String((o.reason as Error)?.message ?? o.reason));
    },
  };
}
