// Writes a controller's computed status only when it differs from what is stored. A merge patch
// (no resourceVersion) because only the owning controller writes this status and its queue never
// runs one key twice at once: a spec change in between must not make the status write fail.
import type { Client, ResourceType } from '../../client/types.js';
import type { KObject } from '../../registry/types.js';
import { canonical } from '../../registry/validation/common.js';

export async function writeStatus(client: Client, type: ResourceType, obj: KObject, status: object): Promise<KObject> {
  const next = status as Record<string, unknown>;
  const prev = (obj.status ?? {}) as Record<string, unknown>;
  if (canonical(prev) === canonical(next)) return obj;
  const body: Record<string, unknown> = { ...next };
  for (const k of Object.keys(prev)) if (!(k in next)) body[k] = null;
  return client.patch(type, obj.metadata.namespace, obj.metadata.name!, { type: 'merge', body: { status: body } }, { subresource: 'status' });
}

/** Sets `cond` in `conditions` by type, keeping lastTransitionTime when the status did not change. */
export function setCondition<C extends { type: string; status: string; lastTransitionTime?: string }>(conditions: C[], cond: C): C[] {
  const old = conditions.find((c) => c.type === cond.type);
  const next = old && old.status === cond.status ? { ...cond, lastTransitionTime: old.lastTransitionTime } : cond;
  return [...conditions.filter((c) => c.type !== cond.type), next];
}

export const timestamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
