// A container's environment as the kubelet builds it: envFrom sources first, then env entries in
// order, each value able to refer to the ones before it as $(NAME); fieldRef and resourceFieldRef
// (the downward API), configMapKeyRef and secretKeyRef read through the client. Command and args
// are expanded against the result. A missing required source fails the container's creation with
// CreateContainerConfigError, and the kubelet tries again later.
import type { Container, EnvVar, Pod } from 'kubernetes-types/core/v1.js';
import { hasReason, type Client } from '../client/types.js';
import type { KObject } from '../registry/types.js';
import { goQuote } from '../registry/validation/go-value.js';
import { parseQuantity } from '../registry/validation/quantity.js';
import type { KeyValue } from '../runtime/types.js';

export class ContainerConfigError extends Error {}

export interface EnvInputs {
  pod: Pod;
  container: Container;
  podIPs: string[];
  hostIPs: string[];
  /** Stands in for a limit the container does not set. */
  nodeAllocatable: Record<string, string>;
}

const configMapsType = { group: '', version: 'v1', resource: 'configmaps' };
const secretsType = { group: '', version: 'v1', resource: 'secrets' };

/** Reads ConfigMaps and Secrets once per container start. */
class Sources {
  private cache = new Map<string, Promise<KObject | undefined>>();
  constructor(private readonly client: Client, private readonly namespace: string) {}

  get(kind: 'ConfigMap' | 'Secret', name: string): Promise<KObject | undefined> {
    const key = `${kind}/${name}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.client.get(kind === 'ConfigMap' ? configMapsType : secretsType, this.namespace, name).catch((err) => {
        if (hasReason(err, 'NotFound')) return undefined;
        throw err;
      });
      this.cache.set(key, p);
    }
    return p;
  }

  /** The source's data as text (Secret values decoded). */
  async data(kind: 'ConfigMap' | 'Secret', name: string, optional: boolean): Promise<Record<string, string> | undefined> {
    const obj = await this.get(kind, name);
    if (!obj) {
      if (optional) return undefined;
      throw new ContainerConfigError(`${kind.toLowerCase()} "${name}" not found`);
    }
    const out: Record<string, string> = {};
    if (kind === 'Secret') {
      for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, 'base64').toString('utf8');
      Object.assign(out, (obj.stringData ?? {}) as Record<string, string>);
    } else {
      Object.assign(out, (obj.binaryData ?? {}) as Record<string, string>, (obj.data ?? {}) as Record<string, string>);
    }
    return out;
  }
}

export async function resolveEnv(client: Client, inputs: EnvInputs): Promise<KeyValue[]> {
  const { pod, container } = inputs;
  const sources = new Sources(client, pod.metadata?.namespace ?? 'default');
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = await sources.data(kind, ref.name ?? '', ref.optional === true);
    for (const [k, v] of Object.entries(data ?? {})) {
      const name = `${from.prefix ?? ''}${k}`;
      // Keys that are not valid variable names are skipped, as upstream does.
      if (/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name)) env.set(name, v);
    }
  }
  for (const v of container.env ?? []) {
    const value = await envValue(v, env, inputs, sources);
    if (value !== undefined) env.set(v.name, value);
  }
  return [...env].map(([key, value]) => ({ key, value }));
}

async function envValue(v: EnvVar, env: Map<string, string>, inputs: EnvInputs, sources: Sources): Promise<string | undefined> {
  if (!v.valueFrom) return expandRefs(v.value ?? '', env);
  const from = v.valueFrom;
  const { pod } = inputs;
  if (from.fieldRef) return fieldValue(from.fieldRef.fieldPath, inputs);
  if (from.resourceFieldRef) {
    const name = from.resourceFieldRef.containerName || inputs.container.name;
    const target = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name) ?? inputs.container;
    return resourceValue(from.resourceFieldRef.resource, from.resourceFieldRef.divisor, target, inputs.nodeAllocatable);
  }
  const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
  if (keyRef) {
    const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const optional = keyRef.optional === true;
    const data = await sources.data(kind, keyRef.name ?? '', optional);
    if (data === undefined) return undefined;
    const value = data[keyRef.key];
    if (value === undefined && !optional) {
      throw new ContainerConfigError(`couldn't find key ${keyRef.key} in ${kind} ${pod.metadata?.namespace}/${keyRef.name}`);
    }
    return value;
  }
  return '';
}

/** What a downward API fieldRef reads: shared with downwardAPI volumes, which have no container. */
export type FieldInputs = Pick<EnvInputs, 'pod' | 'podIPs' | 'hostIPs'>;

/** A downward API fieldRef's value; throws ContainerConfigError for a path it does not know. */
export function fieldValue(path: string, inputs: FieldInputs): string {
  const m = inputs.pod.metadata ?? {};
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? '';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      return formatMap(m.labels);
    case 'metadata.annotations':
      return formatMap(m.annotations);
    case 'spec.nodeName':
      return inputs.pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return inputs.pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return inputs.hostIPs[0] ?? '';
    case 'status.hostIPs':
      return inputs.hostIPs.join(',');
    case 'status.podIP':
      return inputs.podIPs[0] ?? '';
    case 'status.podIPs':
      return inputs.podIPs.join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** One `key="value"` line per key, sorted, each value quoted as Go's %q does (upstream formats
 *  it so), so a value holding a quote or a newline (last-applied-configuration) stays on its line. */
const formatMap = (m: Record<string, string> | undefined) =>
  Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m![k]!)}`)
    .join('\n');

/** limits.* default to the node's allocatable; values round up to whole divisors. */
export function resourceValue(resource: string, divisor: string | number | undefined, c: Container, allocatable: Record<string, string>): string {
  const [kind, name] = resource.split('.', 2) as [string, string];
  const list = (kind === 'limits' ? c.resources?.limits : c.resources?.requests) ?? {};
  let quantity = parseQuantity(list[name]);
  if (quantity === undefined && kind === 'limits') quantity = parseQuantity(allocatable[name]);
  const div = parseQuantity(divisor ?? '1') || 1;
  // Rounded first so float noise (0.1 / 0.001 = 100.00000000000001) does not round up a whole unit.
  const value = Math.round(((quantity ?? 0) / div) * 1e6) / 1e6;
  return String(Math.ceil(value));
}

/** `$(NAME)` becomes NAME's value when it is defined; `$$` is a literal `$`; anything else stays. */
export function expandRefs(text: string, env: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (whole, name: string | undefined) => {
    if (whole === '$$') return '$';
    const v = env.get(name!);
    return v === undefined ? whole : v;
  });
}

export function expandCommand(container: Container, envs: KeyValue[]): { command: string[]; args: string[] } {
  const env = new Map(envs.map((e) => [e.key, e.value]));
  return {
    command: (container.command ?? []).map((s) => expandRefs(s, env)),
    args: (container.args ?? []).map((s) => expandRefs(s, env)),
  };
}
