// The target's scale, read and written as its /scale subresource presents it, for any kind that
// has one: found by the scaleTargetRef's group and kind in the registry, whose descriptor says where
// the replica counts and the selector live. Writes go through the client as an update of the whole
// object, so a concurrent change is a Conflict (retried next sync) exactly as a Scale update is.
import type { Client } from '../../client/types.js';
import { registry } from '../../registry/index.js';
import { labelSelectorFromObject, type LabelSelectorObject } from '../../registry/selectors/label.js';
import type { KObject, ResourceDescriptor } from '../../registry/types.js';

export interface Scale {
  specReplicas: number;
  statusReplicas: number;
  /** A label selector string, "" when the kind's scale has none. */
  selector: string;
}

export interface ScaleTargetRef {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface ScaleClient {
  get(namespace: string, ref: ScaleTargetRef): Promise<Scale>;
  update(namespace: string, ref: ScaleTargetRef, replicas: number): Promise<void>;
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  return cur;
}

function setPath(obj: KObject, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    if (cur[part] === null || typeof cur[part] !== 'object') cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

function descriptorFor(ref: ScaleTargetRef): ResourceDescriptor & { subresources: { scale: NonNullable<NonNullable<ResourceDescriptor['subresources']>['scale']> } } {
  const [group, version] = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion!.split('/') as [string, string] : ['', ref.apiVersion ?? ''];
  // Any served version of the group will do: the scale is the same whichever is asked.
  const d = registry.findByKind(group, version, ref.kind) ?? registry.descriptors.find((x) => x.group === group && x.kind === ref.kind);
  if (!d) throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
  if (!d.subresources?.scale) throw new Error(`${d.plural}.${d.group || 'core'} "${ref.name}" has no scale subresource`);
  return d as ReturnType<typeof descriptorFor>;
}

const typeOf = (d: ResourceDescriptor) => ({ group: d.group, version: d.version, resource: d.plural });

export function registryScaleClient(client: Client): ScaleClient {
  return {
    async get(namespace, ref) {
      const d = descriptorFor(ref);
      const obj = await client.get(typeOf(d), namespace, ref.name);
      const s = d.subresources.scale;
      const selector = s.labelSelectorPath ? getPath(obj, s.labelSelectorPath) : undefined;
      return {
        specReplicas: Number(getPath(obj, s.specReplicasPath) ?? 0),
        statusReplicas: Number(getPath(obj, s.statusReplicasPath) ?? 0),
        selector: selector ? labelSelectorFromObject(selector as LabelSelectorObject).string : '',
      };
    },
    async update(namespace, ref, replicas) {
      const d = descriptorFor(ref);
      const obj = structuredClone(await client.get(typeOf(d), namespace, ref.name));
      setPath(obj, d.subresources.scale.specReplicasPath, replicas);
      await client.update(typeOf(d), obj);
    },
  };
}
