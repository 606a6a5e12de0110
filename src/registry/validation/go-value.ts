// kube-apiserver prints bad values with Go's %#v for maps, so kubectl users see e.g.
// `Invalid value: map[string]string{"app":"x"}`. Our field-error helpers render JSON; these build
// the same FieldError and then swap in the Go rendering where upstream differs.
import { fieldError, type FieldError } from '../field-errors.js';

export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(', ')}}`;
}

/** `Invalid value: <raw>: detail` where <raw> is already rendered. */
export function invalidRendered(field: string, rendered: string, detail: string): FieldError {
  const base = fieldError.invalid(field, null, detail);
  return { ...base, message: `Invalid value: ${rendered}: ${detail}` };
}

export function goStringSlice(list: string[] | undefined): string {
  if (!list) return '[]string(nil)';
  return `[]string{${list.map((s) => JSON.stringify(s)).join(', ')}}`;
}
