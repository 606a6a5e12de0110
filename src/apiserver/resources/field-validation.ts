// fieldValidation=Strict|Warn|Ignore: fields the kind's API types do not have are refused
// (Strict), reported as warnings (Warn, the default), or silently dropped (Ignore) — never stored,
// just as decoding into the upstream Go types drops them.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { strictDecodingMessage, unknownFieldText, unknownFields } from '../../registry/fields/unknown-fields.js';
import { errors } from '../errors.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(value)}: supported values: "Ignore", "Strict", "Warn"`);
}

export function enforceKnownFields(d: ResourceDescriptor, obj: KObject, mode: FieldValidation, warn?: (text: string) => void): void {
  const unknown = unknownFields(d.group, d.kind, obj, { prune: true });
  if (!unknown || unknown.length === 0) return;
  if (mode === 'Strict') throw errors.badRequest(`${d.kind} in version "${d.version}" cannot be handled as a ${d.kind}: ${strictDecodingMessage(unknown)}`);
  if (mode === 'Warn' && warn) for (const path of unknown) warn(unknownFieldText(path));
}
