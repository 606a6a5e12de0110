// Field selectors (`?fieldSelector=status.phase!=Failed,spec.nodeName=n1`). Terms are joined by
// `,`; in values, `\,`, `\=` and `\\` stand for the literal characters, as kubectl escapes them.
// Field names are not trimmed or rewritten: upstream treats `a =b` as the field `a `.
import type { KObject, ResourceDescriptor } from '../types.js';
import { SelectorError } from './label.js';

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  field: string;
  op: FieldOperator;
  /** Unescaped. */
  value: string;
}

export type FieldSet = Record<string, string>;

export interface CompiledFieldSelector {
  /** Sorted by their source text, as upstream does. */
  requirements: FieldRequirement[];
  /** A field absent from the set counts as ''. */
  matches(fields: FieldSet): boolean;
  empty: boolean;
  /** Canonical form with values escaped again, e.g. `metadata.name=a\,b`. */
  string: string;
}

export interface ParseFieldSelectorOptions {
  /** When given, any other field name fails with `field label not supported: <name>`. */
  allowedFields?: Iterable<string>;
}

/** Fields every kind can be selected by. */
export const STANDARD_FIELDS = ['metadata.name', 'metadata.namespace'] as const;

// `!=` and `==` are tried before `=` at each position so the rhs never keeps a leading `=`.
const OPERATORS: FieldOperator[] = ['!=', '==', '='];

function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

function splitTerm(term: string): { field: string; op: FieldOperator; rest: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, rest: term.slice(i + op.length) };
    }
  }
  return undefined;
}

export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

export function unescapeFieldValue(raw: string): string {
  if (!/[\\,=]/.test(raw)) return raw;
  let out = '';
  let escaped = false;
  for (const c of raw) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === ',' || c === '=') {
      // Upstream prints the rune's code point here (61 for '='); kept for fidelity.
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

function compile(requirements: FieldRequirement[]): CompiledFieldSelector {
  return {
    requirements,
    matches:
      requirements.length === 0
        ? () => true
        : (fields) =>
            requirements.every((r) => {
              const actual = Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : '';
              return r.op === '!=' ? actual !== r.value : actual === r.value;
            }),
    empty: requirements.length === 0,
    string: requirements.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(','),
  };
}

/** Parses a field selector; '' selects everything. Throws SelectorError (answer 400 BadRequest). */
export function parseFieldSelector(selector: string, opts: ParseFieldSelectorOptions = {}): CompiledFieldSelector {
  const allowed = opts.allowedFields ? new Set(opts.allowedFields) : undefined;
  const terms = splitTerms(selector).sort();
  const reqs: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
    const value = unescapeFieldValue(parts.rest);
    if (allowed && !allowed.has(parts.field)) throw new SelectorError(`field label not supported: ${parts.field}`);
    reqs.push({ field: parts.field, op: parts.op, value });
  }
  return compile(reqs);
}

/** The value a selector pins `field` to with `=`/`==`, if any (e.g. metadata.name for a single-object watch). */
export function requiredFieldValue(sel: CompiledFieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.op !== '!=')?.value;
}

/** Field names a kind accepts: the standard two plus whatever its descriptor exposes. */
export function allowedFieldNames(d: Pick<ResourceDescriptor, 'selectableFields'>): string[] {
  const names = new Set<string>(STANDARD_FIELDS);
  if (d.selectableFields) {
    // The descriptor only exposes values per object; an empty object yields the names.
    try {
      for (const k of Object.keys(d.selectableFields({ metadata: {} }))) names.add(k);
    } catch {
      // A descriptor that cannot cope with an empty object still gets the standard fields.
    }
  }
  return [...names];
}

/** The selectable fields of one object, ready for `matches`. */
export function fieldSetOf(d: Pick<ResourceDescriptor, 'selectableFields'>, obj: KObject): FieldSet {
  return {
    'metadata.name': obj.metadata?.name ?? '',
    'metadata.namespace': obj.metadata?.namespace ?? '',
    ...(d.selectableFields ? d.selectableFields(obj) : {}),
  };
}
