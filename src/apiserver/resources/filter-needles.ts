// Texts that the stored JSON of every object a selector accepts must contain, so a list can pass
// over the others without decoding them: `spec.nodeName=n1` needs `"nodeName":"n1"`, `app=web` needs
// `"app":"web"`. Only requirements that pin a plain string field or a label to one value count; a
// needle may also occur elsewhere in an object, which is fine, since the full filter still runs on
// everything that is decoded.
import type { ResourceDescriptor } from '../../registry/types.js';
import type { CompiledLabelSelector } from '../../registry/selectors/label.js';
import type { CompiledFieldSelector } from '../../registry/selectors/field.js';

/** Field selector names whose value is the string stored under this JSON key. */
const STANDARD_KEYS: Record<string, string> = { 'metadata.name': 'name', 'metadata.namespace': 'namespace' };
const POD_KEYS: Record<string, string> = { ...STANDARD_KEYS, 'spec.nodeName': 'nodeName' };

const pair = (key: string, value: string) => `${JSON.stringify(key)}:${JSON.stringify(value)}`;

export function storedTextNeedles(d: ResourceDescriptor, labels: CompiledLabelSelector | undefined, fields: CompiledFieldSelector | undefined): string[] | undefined {
  const keys = d.group === '' && d.kind === 'Pod' ? POD_KEYS : STANDARD_KEYS;
  const needles: string[] = [];
  for (const r of fields?.requirements ?? []) {
    const key = keys[r.field];
    if (key && r.op !== '!=' && r.value !== '') needles.push(pair(key, r.value));
  }
  for (const r of labels?.requirements ?? []) {
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) needles.push(pair(r.key, r.values[0]!));
  }
  return needles.length ? needles : undefined;
}
