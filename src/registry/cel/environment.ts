// The one CEL set-up of the server (@bufbuild/cel: Buf's CEL for ECMAScript, tested against the
// CEL conformance suite, with its RE2-compatible `matches`): CRD x-kubernetes-validations and
// admission (ValidatingAdmissionPolicy, webhook matchConditions) compile through here, so a rule
// means the same thing everywhere and each expression is parsed once per process.
// The library is loaded on first use: it costs a server about 15 MB of memory and only clusters
// with CEL (CRD rules, policies, match conditions) need it. Expressions are judged synchronously,
// so its CommonJS build is required rather than imported.
import { createRequire } from 'node:module';
import type * as Cel from '@bufbuild/cel';
import type * as CelExt from '@bufbuild/cel/ext';
import type * as Re2 from '@bufbuild/re2';
import { kubernetesLists } from './lists-library.js';
import { declarationErrors } from './declarations.js';

export type Program = (ctx: Record<string, unknown>) => unknown;

interface CelLibrary {
  env: ReturnType<typeof Cel.celEnv>;
  parse: typeof Cel.parse;
  plan: typeof Cel.plan;
  isCelError: typeof Cel.isCelError;
}

let loaded: CelLibrary | undefined;

/** The library and the one environment: the strings extension, the parts of Kubernetes'
 *  libraries we have, and `matches` with Go's RE2 semantics (Buf's RE2 port, the library's own
 *  default) compiling each pattern once: the default compiles it on every call, which was most of
 *  a policy's cost. */
export function celLibrary(): CelLibrary {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const cel = require('@bufbuild/cel') as typeof Cel;
    const ext = require('@bufbuild/cel/ext') as typeof CelExt;
    const { RE2JS } = require('@bufbuild/re2') as typeof Re2;
    const patterns = new Map<string, ReturnType<typeof RE2JS.compile>>();
    const re2 = {
      compile(pattern: string) {
        let re = patterns.get(pattern);
        if (!re) {
          re = RE2JS.compile(pattern);
          if (patterns.size > 1_000) patterns.clear();
          patterns.set(pattern, re);
        }
        return re;
      },
    };
    const env = cel.celEnv({ funcs: [...ext.strings, ...kubernetesLists(cel)], re2 });
    loaded = { env, parse: cel.parse, plan: cel.plan, isCelError: cel.isCelError };
  }
  return loaded;
}

const programs = new Map<string, Program | Error>();

/** Parses and plans an expression once per process; a syntax error comes back as an Error. */
export function compileCel(expression: string): Program | Error {
  let p = programs.get(expression);
  if (!p) {
    try {
      const { env, parse, plan } = celLibrary();
      p = plan(env, parse(expression)) as Program;
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err));
    }
    if (programs.size > 10_000) programs.clear();
    programs.set(expression, p);
  }
  return p;
}

/** The compile error kube-apiserver's users see (`ERROR: <input>:1:5: ...`), or undefined. With
 *  `variables`, names outside them and functions the environment lacks are errors too, as a
 *  checked environment reports them. */
export function celCompileError(expression: string, variables?: readonly string[]): string | undefined {
  const p = compileCel(expression);
  if (p instanceof Error) return `ERROR: ${p.message.replace(/^(<input>:\d+:\d+:)\s*/, '$1 Syntax error: ')}`;
  if (!variables) return undefined;
  const { env, parse } = celLibrary();
  const parsed = parse(expression);
  const positions = parsed.sourceInfo?.positions ?? {};
  const where = {
    position(id: bigint) {
      const offset = (positions as Record<string, number>)[String(id)] ?? 0;
      const before = expression.slice(0, offset).split('\n');
      return `<input>:${before.length}:${before[before.length - 1]!.length + 1}:`;
    },
  };
  const problems = declarationErrors(parsed.expr, new Set(variables), (name) => env.funcs.find(name) !== undefined, where);
  return problems.length ? problems.map((m) => `ERROR: ${m}`).join('\n') : undefined;
}

export interface CelOutcome {
  value?: unknown;
  error?: string;
}

/** Runs a compiled program; errors are worded as cel-go words them, which is what users see. */
export function evaluateCel(program: Program, vars: Record<string, unknown>): CelOutcome {
  let result: unknown;
  try {
    result = program(vars);
  } catch (err) {
    result = err;
  }
  if (celLibrary().isCelError(result) || result instanceof Error) return { error: celErrorMessage(result as Error) };
  return { value: result };
}

export function celErrorMessage(err: Error): string {
  return err.message.replace(/^field not found: /, 'no such key: ').replace(/^unbound function: /, 'no such overload: ');
}

/** Whether an evaluation result is a CEL error value. */
export const isCelFailure = (v: unknown): boolean => celLibrary().isCelError(v) || v instanceof Error;

/** Errors the evaluator gives for functions it does not have: rules it cannot judge. */
export const UNSUPPORTED_FUNCTION = /unbound function|no such overload|no matching overload|unknown function/i;
