// What a PersistentVolumeClaim spec and a PersistentVolume share: access modes (validated and
// shortened as kubectl shows them), storage quantities, and the claim spec a PVC and a
// StatefulSet's volumeClaimTemplates both carry.
import type { PersistentVolumeClaimSpec } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import { parseQuantity } from '../validation/quantity.js';
import { validateLabelSelector } from '../validation/selector.js';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];
const SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

/** `RWO,ROX`: each mode once, in upstream's fixed order. */
export function accessModesShort(modes: readonly string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].filter((m) => set.has(m)).map((m) => SHORT[m]).join(',');
}

export function validateAccessModes(modes: readonly string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!modes || modes.length === 0) return [fieldError.required(path, 'at least 1 access mode is required')];
  for (const m of modes) if (!ACCESS_MODES.includes(m)) errs.push(fieldError.notSupported(path, m, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) {
    errs.push(fieldError.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return errs;
}

/** The `storage` quantity in bytes, undefined when absent or malformed. */
export const storageOf = (list: Record<string, unknown> | undefined): number | undefined => parseQuantity(list?.storage);

export function validateStorageQuantity(value: unknown, path: string): FieldError[] {
  const n = parseQuantity(value);
  if (n === undefined) return [fieldError.invalid(path, value, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")];
  if (n <= 0) return [fieldError.invalid(path, value, 'must be greater than zero')];
  return [];
}

/** A claim's spec, as upstream's ValidatePersistentVolumeClaimSpec checks it (the common part). */
export function validateClaimSpec(spec: PersistentVolumeClaimSpec, path: string): FieldError[] {
  const errs = validateAccessModes(spec.accessModes, `${path}.accessModes`);
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  const requests = (spec.resources?.requests ?? {}) as Record<string, unknown>;
  if (requests.storage === undefined) errs.push(fieldError.required(`${path}.resources[storage]`));
  else errs.push(...validateStorageQuantity(requests.storage, `${path}.resources[storage]`));
  if (spec.volumeMode !== undefined && !VOLUME_MODES.includes(spec.volumeMode)) {
    errs.push(fieldError.notSupported(`${path}.volumeMode`, spec.volumeMode, VOLUME_MODES));
  }
  return errs;
}

/** Defaults a claim spec gets (volumeMode Filesystem), in place. */
export function defaultClaimSpec(spec: PersistentVolumeClaimSpec): void {
  spec.volumeMode ??= 'Filesystem';
}
