// Field errors shaped like k8s.io/apimachinery's field.Error, so the API can turn them into
// Status causes that kubectl prints as `* <field>: <message>`.

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound';

export interface FieldError {
  reason: FieldErrorReason;
  /** Dotted path with indexes/keys, e.g. `spec.template.spec.containers[0].image`. */
  field: string;
  /** The full human message, e.g. `Invalid value: -1: must be greater than or equal to 0`. */
  message: string;
}

/** Renders a value the way the API quotes it in messages: strings quoted, numbers bare. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'null';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const withDetail = (head: string, detail?: string) => (detail ? `${head}: ${detail}` : head);

export const fieldError = {
  required: (field: string, detail?: string): FieldError => ({
    reason: 'FieldValueRequired', field, message: withDetail('Required value', detail),
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    reason: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${show(value)}`, detail),
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${show(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${show(value)}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}`,
  }),
  tooLong: (field: string, max: number): FieldError => ({
    reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes`,
  }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({
    reason: 'FieldValueTypeInvalid', field, message: withDetail(`Invalid value: ${show(value)}`, detail),
  }),
  notFound: (field: string, value: unknown): FieldError => ({
    reason: 'FieldValueNotFound', field, message: `Not found: ${show(value)}`,
  }),
  tooMany: (field: string, count: number, max: number): FieldError => ({
    reason: 'FieldValueTooMany', field, message: `Too many: ${count}: must have at most ${max} ${max === 1 ? 'item' : 'items'}`,
  }),
  /**
   * Invalid, for values upstream prints with Go's %#v (maps, slices, structs): `rendered` is that
   * text already (see validation/go-value.ts), shown unquoted.
   */
  invalidGo: (field: string, rendered: string, detail: string): FieldError => ({
    reason: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${rendered}`, detail),
  }),
  /** Duplicate, for values upstream prints with Go's %#v; `detail` is appended when upstream sets one. */
  duplicateGo: (field: string, rendered: string, detail?: string): FieldError => ({
    reason: 'FieldValueDuplicate', field, message: withDetail(`Duplicate value: ${rendered}`, detail),
  }),
};
