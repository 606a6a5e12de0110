// Label selectors: the `?labelSelector=` string grammar and metav1.LabelSelector objects, compiled
// into one matcher. Parse errors keep upstream's wording because the API server returns them as
// the message of a 400 that kubectl prints unchanged.
import { aggregate, invalidValue, labelKeyErrors, labelValueErrors } from './validation.js';

export class SelectorError extends Error {
  override name = 'SelectorError';
}

/** The operators of the string grammar; `exists` and `!` are the unary ones. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  /** Sorted, without duplicates; empty for `exists` and `!`. */
  values: string[];
}

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

export interface CompiledLabelSelector {
  /** Sorted by key, as upstream does, so that the string form is canonical. */
  requirements: LabelRequirement[];
  matches: LabelMatcher;
  /** True when it selects everything (no requirements). */
  empty: boolean;
  /** Canonical form, e.g. `app=web,tier in (a,b)`; '' when empty or when it selects nothing. */
  string: string;
}

/** metav1.LabelSelector. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

// ---- matching and printing ----

function requirementMatches(r: LabelRequirement, labels: Record<string, string> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(labels![r.key]);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(labels![r.key]);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseInteger(labels![r.key]);
      const bound = parseInteger(r.values[0]);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

function parseInteger(s: string): bigint | undefined {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

export function formatRequirement(r: LabelRequirement): string {
  const values = [...r.values].sort().join(',');
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'gt':
      return `${r.key}>${values}`;
    case 'lt':
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

function compile(requirements: LabelRequirement[]): CompiledLabelSelector {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    matches: sorted.length === 0 ? () => true : (labels) => sorted.every((r) => requirementMatches(r, labels)),
    empty: sorted.length === 0,
    string: sorted.map(formatRequirement).join(','),
  };
}

const EVERYTHING = compile([]);
const NOTHING: CompiledLabelSelector = { requirements: [], matches: () => false, empty: false, string: '' };

/** Checks a requirement the way upstream's constructor does; returns the error text or undefined. */
function requirementError(key: string, op: LabelOperator, values: string[], path?: string): string | undefined {
  const at = (child: string) => (path ? `${path}.${child}` : child);
  const errs: string[] = [];
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(invalidValue(at('key'), key, keyErrs.join('; ')));
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValue(at('values'), values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValue(at('values'), values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValue(at('values'), values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidValue(at('values'), values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInteger(v) === undefined) errs.push(invalidValue(`${at('values')}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) errs.push(invalidValue(`${at('values')}[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  return errs.length ? aggregate(errs) : undefined;
}

// ---- the string grammar ----

type Tok = 'end' | 'id' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<' | 'in' | 'notin';
interface Token {
  tok: Tok;
  lit: string;
}

const SYMBOLS = new Set(['=', '!', '(', ')', ',', '>', '<']);
const SYMBOL_TOKENS = new Set(['(', ')', ',', '!', '=', '==', '!=', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function lex(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && WHITESPACE.has(s[i])) i++;
    if (i >= s.length) {
      out.push({ tok: 'end', lit: '' });
      return out;
    }
    if (SYMBOLS.has(s[i])) {
      // Longest run of symbol characters that is still an operator: `!=` and `==` win over `!`/`=`.
      let lit = s[i++];
      while (i < s.length && SYMBOLS.has(s[i]) && SYMBOL_TOKENS.has(lit + s[i])) lit += s[i++];
      out.push({ tok: lit as Tok, lit });
      continue;
    }
    const start = i;
    while (i < s.length && !SYMBOLS.has(s[i]) && !WHITESPACE.has(s[i])) i++;
    const lit = s.slice(start, i);
    out.push({ tok: lit === 'in' || lit === 'notin' ? lit : 'id', lit });
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  /** In value positions the words `in` and `notin` are ordinary identifiers. */
  private peek(asValue = true): Token {
    const t = this.tokens[this.pos];
    return asValue && (t.tok === 'in' || t.tok === 'notin') ? { tok: 'id', lit: t.lit } : t;
  }

  private next(asValue = true): Token {
    const t = this.peek(asValue);
    this.pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.tok === 'end') return reqs;
      if (t.tok !== 'id' && t.tok !== '!') throw new SelectorError(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
        throw e;
      }
      const sep = this.next();
      if (sep.tok === 'end') return reqs;
      if (sep.tok !== ',') throw new SelectorError(`found '${sep.lit}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.tok !== 'id' && after.tok !== '!') throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement {
    let negated = false;
    let t = this.next();
    if (t.tok === '!') {
      negated = true;
      t = this.next();
    }
    if (t.tok !== 'id') throw new SelectorError(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length) throw new SelectorError(invalidValue(undefined, key, keyErrs.join('; ')));
    const following = this.peek().tok;
    if (negated || following === 'end' || following === ',') {
      return this.build(key, negated ? '!' : 'exists', []);
    }
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
    return this.build(key, op, values);
  }

  private build(key: string, operator: LabelOperator, values: string[]): LabelRequirement {
    const unique = [...new Set(values)].sort();
    const err = requirementError(key, operator, unique);
    if (err) throw new SelectorError(err);
    return { key, operator, values: unique };
  }

  private operator(): LabelOperator {
    const t = this.next(false);
    switch (t.tok) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return t.tok;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorError(`found '${t.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.tok !== '(') throw new SelectorError(`found '${open.lit}' expected: '('`);
    const first = this.peek();
    if (first.tok === ')') {
      this.next();
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',') throw new SelectorError(`found '${first.lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    const close = this.next();
    if (close.tok !== ')') throw new SelectorError(`found '${close.lit}', expected: ')'`);
    return values;
  }

  /** `a,b`, with empty members allowed: `(,a)`, `(a,,b)` and `(a,)` all include ''. */
  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.tok === 'id') {
        values.push(t.lit);
        const after = this.peek();
        if (after.tok === ',') continue;
        if (after.tok === ')') return values;
        throw new SelectorError(`found '${after.lit}', expected: ',' or ')'`);
      }
      if (t.tok === ',') {
        if (values.length === 0) values.push('');
        const after = this.peek();
        if (after.tok === ')') {
          values.push('');
          return values;
        }
        if (after.tok === ',') {
          this.next();
          values.push('');
        }
        continue;
      }
      throw new SelectorError(`found '${t.lit}', expected: ',', or identifier`);
    }
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.tok === 'end' || t.tok === ',') return [''];
    this.next();
    if (t.tok === 'id') return [t.lit];
    throw new SelectorError(`found '${t.lit}', expected: identifier`);
  }
}

/**
 * Parses a `?labelSelector=` value such as `app=web,tier in (a,b),!canary`. The empty string (or
 * only whitespace) selects everything. Throws SelectorError with upstream's message.
 */
export function parseLabelSelector(selector: string): CompiledLabelSelector {
  const reqs = new Parser(lex(selector)).parse();
  return reqs.length === 0 ? EVERYTHING : compile(reqs);
}

const OBJECT_OPERATORS: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * Compiles a metav1.LabelSelector (as in Deployment.spec.selector). `null`/`undefined` selects
 * nothing; `{}` selects everything — the same distinction upstream makes.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): CompiledLabelSelector {
  if (sel === null || sel === undefined) return NOTHING;
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    const err = requirementError(key, '=', [value]);
    if (err) throw new SelectorError(err);
    reqs.push({ key, operator: '=', values: [value] });
  }
  for (const expr of sel.matchExpressions ?? []) {
    const op = OBJECT_OPERATORS[expr.operator];
    if (!op) throw new SelectorError(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    const values = op === 'exists' || op === '!' ? [...(expr.values ?? [])] : [...new Set(expr.values ?? [])].sort();
    const err = requirementError(expr.key, op, values);
    if (err) throw new SelectorError(err);
    reqs.push({ key: expr.key, operator: op, values });
  }
  return reqs.length === 0 ? EVERYTHING : compile(reqs);
}

/** Convenience for callers holding a string: compile and return only the matcher. */
export function labelMatcher(selector: string): LabelMatcher {
  return parseLabelSelector(selector).matches;
}
