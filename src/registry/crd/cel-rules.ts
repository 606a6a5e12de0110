// x-kubernetes-validations: CEL rules on a custom object, evaluated with @bufbuild/cel (Buf's CEL
// for ECMAScript, tested against the CEL conformance suite). `self` is the value at the rule's
// node, typed by the schema as upstream types it (integers as CEL ints, objects as maps).
// What k3ts does not do: transition rules (those naming `oldSelf`) are not evaluated, and rules
// that call Kubernetes' own CEL libraries beyond lists (quantity, url, ip and such) cannot be
// judged here, so they are passed over rather than refusing objects kube-apiserver would take.
import { celErrorMessage, compileCel as compile, isCelFailure, UNSUPPORTED_FUNCTION as UNSUPPORTED } from '../cel/environment.js';
import type { FieldError, FieldErrorReason } from '../field-errors.js';
import type { JSONSchemaProps } from './types.js';

interface Rule {
  rule: string;
  message?: string;
  reason?: string;
  fieldPath?: string;
}

/** The message a rule that does not parse gets at CRD validation; undefined when it parses. */
export function ruleCompileError(rule: unknown): string | undefined {
  if (typeof rule !== 'string' || rule === '') return 'rule must not be empty';
  const p = compile(rule);
  return p instanceof Error ? `compilation failed: ${p.message}` : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON value as CEL sees it under this schema. */
function celValue(schema: JSONSchemaProps | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    const integer = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] || (schema?.type === undefined && Number.isInteger(v));
    return integer && Number.isInteger(v) ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((item) => celValue(schema?.items, item));
  if (isObject(v)) {
    const m = new Map<string, unknown>();
    for (const [k, val] of Object.entries(v)) {
      const child = schema?.properties?.[k] ?? (isObject(schema?.additionalProperties) ? schema.additionalProperties : undefined);
      m.set(k, celValue(child, val));
    }
    return m;
  }
  return v;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const REASONS: Record<string, FieldErrorReason> = {
  FieldValueInvalid: 'FieldValueInvalid',
  FieldValueForbidden: 'FieldValueForbidden',
  FieldValueRequired: 'FieldValueRequired',
  FieldValueDuplicate: 'FieldValueDuplicate',
};

function failure(rule: Rule, path: string, value: unknown, detail: string): FieldError {
  const field = `${path}${rule.fieldPath ?? ''}`.replace(/^\./, '');
  const reason = REASONS[rule.reason ?? ''] ?? 'FieldValueInvalid';
  if (reason === 'FieldValueRequired') return { reason, field, message: `Required value: ${detail}` };
  if (reason === 'FieldValueForbidden') return { reason, field, message: `Forbidden: ${detail}` };
  if (reason === 'FieldValueDuplicate') return { reason, field, message: `Duplicate value: ${JSON.stringify(typeName(value))}` };
  return { reason, field, message: `Invalid value: ${JSON.stringify(typeName(value))}: ${detail}` };
}

/** Evaluates every rule in the schema against the value at its node. */
export function validateRules(schema: JSONSchemaProps | undefined, value: unknown, path: string, out: FieldError[] = []): FieldError[] {
  if (!schema || value === undefined || value === null) return out;
  const rules = (schema['x-kubernetes-validations'] ?? []) as Rule[];
  if (rules.length) {
    const self = celValue(schema, value);
    for (const rule of rules) {
      if (typeof rule?.rule !== 'string' || /\boldSelf\b/.test(rule.rule)) continue;
      const program = compile(rule.rule);
      if (program instanceof Error) continue;
      let result: unknown;
      try {
        result = program({ self });
      } catch (err) {
        result = err;
      }
      if (result === false) out.push(failure(rule, path, value, rule.message || `failed rule: ${rule.rule}`));
      else if (isCelFailure(result)) {
        // Worded as cel-go words it, which is what kube-apiserver users see.
        const message = celErrorMessage(result as Error);
        if (!UNSUPPORTED.test(message)) out.push(failure(rule, path, value, message));
      }
    }
  }
  const child = (k: string) => (path ? `${path}.${k}` : k);
  if (Array.isArray(value)) value.forEach((item, i) => validateRules(schema.items, item, `${path}[${i}]`, out));
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const prop = schema.properties?.[k];
      if (prop) validateRules(prop, v, child(k), out);
      else if (isObject(schema.additionalProperties)) validateRules(schema.additionalProperties, v, `${path}[${k}]`, out);
    }
  }
  return out;
}
