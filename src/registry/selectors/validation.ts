// How selector parse errors are worded, as the upstream API server words them: these messages reach
// kubectl users verbatim inside `unable to parse requirement: ...`. Key and value rules are the
// registry's own (validation/names.ts).
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

/** Problems with a label key (`[prefix/]name`); [] when valid. */
export const labelKeyErrors = isQualifiedName;

/** Problems with a label value; [] when valid (the empty string is valid). */
export const labelValueErrors = isValidLabelValue;

/**
 * A field.Invalid error rendered the way upstream prints it: `<path>: Invalid value: <json>: <detail>`.
 * Upstream prints a missing path as `<nil>`, which kubectl users do see.
 */
export function invalidValue(path: string | undefined, value: unknown, detail: string): string {
  return `${path ?? '<nil>'}: Invalid value: ${JSON.stringify(value)}: ${detail}`;
}

/** Several errors are shown as `[a, b]`, one alone as itself, like an upstream aggregate. */
export function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
}
