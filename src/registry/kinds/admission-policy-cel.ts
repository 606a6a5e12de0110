// Which CEL variables each admission expression may name, and the compile check the kinds run at
// write time: an expression that does not compile is refused when the policy or webhook
// configuration is written, as upstream does, rather than failing every request later.
import { celCompileError } from '../cel/environment.js';
import { fieldError, type FieldError } from '../field-errors.js';

/** Declared for a ValidatingAdmissionPolicy's validations and messageExpressions. `authorizer`
 *  (upstream's authorization library) is not served; naming it is a compile error here. */
export const POLICY_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables'] as const;
/** A policy's matchConditions: no namespaceObject or variables, as upstream. */
export const POLICY_MATCH_VARIABLES = ['object', 'oldObject', 'request', 'params'] as const;
/** A webhook's matchConditions. */
export const WEBHOOK_MATCH_VARIABLES = ['object', 'oldObject', 'request'] as const;

export function validateExpression(expression: unknown, path: string, variables: readonly string[]): FieldError[] {
  if (typeof expression !== 'string' || expression.trim() === '') return [fieldError.required(path)];
  const err = celCompileError(expression, variables);
  if (!err) return [];
  const hint = /'authorizer'/.test(err) ? ' (the authorizer library is not supported by this server)' : '';
  return [fieldError.invalid(path, expression, `compilation failed: ${err}${hint}`)];
}

const QUALIFIED = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** matchConditions of a policy or a webhook: names unique qualified names, at most 64. */
export function validateMatchConditions(conditions: unknown, path: string, variables: readonly string[]): FieldError[] {
  if (conditions === undefined || conditions === null) return [];
  if (!Array.isArray(conditions)) return [fieldError.typeInvalid(path, conditions, 'must be a list')];
  const errs: FieldError[] = [];
  if (conditions.length > 64) errs.push(fieldError.tooMany(path, conditions.length, 64));
  const names = new Set<string>();
  conditions.forEach((c: Record<string, unknown>, i) => {
    const p = `${path}[${i}]`;
    const name = c?.name;
    if (typeof name !== 'string' || name === '') errs.push(fieldError.required(`${p}.name`));
    else {
      const bare = name.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
      if (bare.length > 63 || !QUALIFIED.test(bare)) {
        errs.push(fieldError.invalid(`${p}.name`, name, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
      }
      if (names.has(name)) errs.push(fieldError.duplicate(`${p}.name`, name));
      names.add(name);
    }
    errs.push(...validateExpression(c?.expression, `${p}.expression`, variables));
  });
  return errs;
}
