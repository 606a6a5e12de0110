// ValidatingAdmissionPolicy on the write path: after mutating admission, before the validating
// webhooks (upstream's plugin order). For each policy whose constraints match, each of its bindings
// that matches is evaluated once per param object; Deny refuses the write with the first denial,
// Warn adds a Warning header, Audit is reported to the server log. See flow.md.
import type { KObject, ResourceDescriptor } from '../../../registry/types.js';
import type { Registry } from '../../resources/context.js';
import type { ObjectStore } from '../../store/object-store.js';
import { jsonToCel } from '../../../registry/cel/values.js';
import { celRequestVariables } from '../cel-request.js';
import type { ConfigurationSource } from '../webhooks/configurations.js';
import type { WebhookRequest } from '../webhooks/dispatcher.js';
import { convertObject, neverSent, servedVersions } from '../webhooks/match.js';
import { evaluatePolicy, type Decision } from './evaluate.js';
import { policyDeniedError, policyWarning } from './errors.js';
import { matchedVersion, namespaceSelected, objectSelected } from './matching.js';
import { PolicySet, type CompiledBinding, type CompiledPolicy } from './policy-set.js';

export interface PolicyAdmission {
  /** Evaluates the matching policies; throws the first denial. */
  validate(req: WebhookRequest): Promise<void>;
  /** Starts reading policies and bindings; until then nothing is evaluated (the bootstrap writes). */
  attach(sources: { policies: ConfigurationSource; bindings: ConfigurationSource }): void;
  /** The compiled set, for tests and the benchmark. */
  readonly set: PolicySet;
}

interface Deps {
  store: ObjectStore;
  registry: Registry;
  /** Audit-action failures and failed-open evaluation errors. */
  onAudit?(record: { policy: string; binding: string; message: string }): void;
}

class ConfigError extends Error {}

interface Denial {
  policy: string;
  binding?: string;
  message: string;
  reason?: string;
}

export function createPolicyAdmission(deps: Deps): PolicyAdmission {
  const set = new PolicySet();
  const versions = servedVersions(deps.registry);

  /** Reads `namespaces/<ns>` at most once per request, and only when a policy needs it. */
  const namespaceReader = () => {
    const d = deps.registry.findByResource('', 'v1', 'namespaces')!;
    const seen = new Map<string, Promise<KObject | undefined>>();
    return (ns: string) => {
      let p = seen.get(ns);
      if (!p) {
        p = deps.store.get(d, undefined, ns).then((o) => o, () => undefined);
        seen.set(ns, p);
      }
      return p;
    };
  };

  function paramDescriptor(policy: CompiledPolicy): ResourceDescriptor {
    const pk = policy.paramKind!;
    const slash = pk.apiVersion.indexOf('/');
    const [group, version] = slash < 0 ? ['', pk.apiVersion] : [pk.apiVersion.slice(0, slash), pk.apiVersion.slice(slash + 1)];
    const d = deps.registry.findByKind(group, version, pk.kind);
    if (!d) throw new ConfigError(`failed to configure policy: failed to find resource referenced by paramKind: '${pk.apiVersion}, Kind=${pk.kind}'`);
    return d;
  }

  /** The param objects a binding evaluates the policy with: [null] without a paramKind. */
  async function params(policy: CompiledPolicy, binding: CompiledBinding, requestNamespace: string | undefined): Promise<Array<KObject | null>> {
    if (!policy.paramKind) return [null];
    const d = paramDescriptor(policy);
    const ref = binding.paramRef;
    if (!ref) throw new ConfigError('failed to configure binding: paramKind non-nil but paramRef is nil');
    let namespace: string | undefined;
    if (d.namespaced) {
      namespace = ref.namespace ?? requestNamespace;
      if (!namespace) throw new ConfigError('failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources');
    }
    let found: KObject[];
    if (ref.name) {
      const one = await deps.store.tryGet(d, namespace, ref.name);
      found = one ? [one] : [];
    } else {
      const page = await deps.store.list(d, { ...(namespace ? { namespace } : {}), filter: (o) => ref.selector!(o.metadata.labels ?? {}) });
      found = page.items;
    }
    if (found.length === 0 && ref.parameterNotFoundAction === 'Deny') {
      throw new ConfigError('failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
    }
    return found.map((o) => ({ ...o, apiVersion: policy.paramKind!.apiVersion, kind: policy.paramKind!.kind }));
  }

  return {
    set,
    attach(sources) {
      set.attach(sources);
    },

    async validate(req) {
      const entries = set.current();
      if (entries.length === 0 || neverSent(req.descriptor)) return;
      const namespaceOf = namespaceReader();
      const labels = async (ns: string) => (await namespaceOf(ns))?.metadata.labels ?? {};
      const preq = { ...req, object: req.object, old: req.old };
      const varsByVersion = new Map<ResourceDescriptor, Record<string, unknown>>();
      let namespaceObject: unknown;
      const denials: Denial[] = [];

      for (const { policy, bindings } of entries) {
        const as = matchedVersion(policy.match, preq, versions);
        if (!as || !objectSelected(policy.match, preq) || !(await namespaceSelected(policy.match, preq, labels))) continue;
        const configFailure = (message: string, binding?: string) => {
          if (policy.failurePolicy === 'Fail') denials.push({ policy: policy.name, ...(binding ? { binding } : {}), message });
        };
        if (policy.configError) {
          configFailure(`failed to configure policy: ${policy.configError}`);
          continue;
        }
        for (const binding of bindings) {
          if (binding.match && (!matchedVersion(binding.match, preq, versions) || !objectSelected(binding.match, preq) || !(await namespaceSelected(binding.match, preq, labels)))) continue;
          let paramObjects: Array<KObject | null>;
          try {
            paramObjects = await params(policy, binding, req.namespace);
          } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            configFailure(err.message, binding.name);
            continue;
          }
          if (paramObjects.length === 0) continue;
          let vars = varsByVersion.get(as);
          if (!vars) {
            const object = req.object && convertObject(req.object, req.descriptor, as);
            const old = req.old && convertObject(req.old, req.descriptor, as);
            vars = celRequestVariables(req, as, object, old);
            varsByVersion.set(as, vars);
          }
          if (namespaceObject === undefined && policy.readsNamespace) {
            const nsName = req.descriptor.group === '' && req.descriptor.plural === 'namespaces' ? undefined : req.namespace;
            const ns = nsName ? await namespaceOf(nsName) : undefined;
            namespaceObject = ns ? jsonToCel({ ...ns, metadata: { ...ns.metadata, managedFields: undefined } }) : null;
          }
          for (const param of paramObjects) {
            const decisions = evaluatePolicy(policy, { ...vars, params: jsonToCel(param), namespaceObject: namespaceObject ?? null }) ?? [];
            for (const d of decisions) act(policy, binding, d, req, denials);
          }
        }
      }
      const first = denials[0];
      if (first) throw policyDeniedError({ ...first, descriptor: req.descriptor, name: req.name || req.object?.metadata.generateName || '' });
    },
  };

  function act(policy: CompiledPolicy, binding: CompiledBinding, d: Decision, req: WebhookRequest, denials: Denial[]): void {
    if (d.action !== 'deny') return;
    if (binding.actions.has('Deny')) denials.push({ policy: policy.name, binding: binding.name, message: d.message, ...(d.reason ? { reason: d.reason } : {}) });
    if (binding.actions.has('Warn')) req.warn?.(policyWarning(policy.name, binding.name, d.message));
    if (binding.actions.has('Audit')) deps.onAudit?.({ policy: policy.name, binding: binding.name, message: d.message });
  }
}
