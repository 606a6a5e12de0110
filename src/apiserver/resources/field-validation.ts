// Decoding, as the upstream Go types would: a value of the wrong JSON type is a 400, nulls are
// dropped, and fields the kind does not have are refused (fieldValidation=Strict), reported as
// warnings (Warn, the API's default), or silently dropped (Ignore) — never stored.
import type { KObject, ResourceDescriptor } from '../../registry/types.js';
import { checkDecoding, strictDecodingMessage, unknownFieldText } from '../../registry/fields/unknown-fields.js';
import { errors } from '../errors.js';
import { unknownCustomFields } from '../../registry/crd/descriptors.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(value)}: supported values: "Ignore", "Strict", "Warn"`);
}

export function enforceKnownFields(d: ResourceDescriptor, obj: KObject, mode: FieldValidation, warn?: (text: string) => void): void {
  // A custom resource's known fields are its schema's: what pruning would drop is unknown.
  const custom = unknownCustomFields(d, obj);
  const check = custom ? { unknown: custom, typeError: undefined } : checkDecoding(d.group, d.kind, obj, { normalize: true, version: d.version });
  if (!check) return;
  const prefix = `${d.kind} in version "${d.version}" cannot be handled as a ${d.kind}`;
  if (check.typeError) throw errors.badRequest(`${prefix}: ${check.typeError}`);
  if (check.unknown.length === 0) return;
  if (mode === 'Strict') throw errors.badRequest(`${prefix}: ${strictDecodingMessage(check.unknown)}`);
  if (mode === 'Warn' && warn) for (const path of check.unknown) warn(unknownFieldText(path));
}
