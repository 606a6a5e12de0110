// The part of CEL type-checking that matters for an unchecked environment: names. @bufbuild/cel
// plans any expression, and an unknown variable or function only fails when evaluated; upstream
// refuses such an expression when the policy is written, so we walk the tree and do the same.
import type { parse } from '@bufbuild/cel';

type Expr = NonNullable<ReturnType<typeof parse>['expr']>;

export interface Where {
  /** Character offset of an expression id, if the parser recorded it. */
  position(id: bigint): string;
}

export function declarationErrors(root: Expr | undefined, variables: ReadonlySet<string>, hasFunction: (name: string) => boolean, where?: Where): string[] {
  const out: string[] = [];
  const at = (e: Expr) => (where ? `${where.position(e.id)} ` : '');
  const walk = (e: Expr | undefined, bound: ReadonlySet<string>): void => {
    if (!e) return;
    const k = e.exprKind;
    switch (k.case) {
      case 'identExpr':
        if (!bound.has(k.value.name) && !variables.has(k.value.name)) out.push(`${at(e)}undeclared reference to '${k.value.name}' (in container '')`);
        return;
      case 'selectExpr':
        return walk(k.value.operand, bound);
      case 'callExpr': {
        const name = k.value.function;
        // Operators (`_+_`, `@in`, `!_`) belong to the language; only named functions can be missing.
        if (/^[A-Za-z]/.test(name) && !hasFunction(name)) {
          out.push(`${at(e)}undeclared reference to '${name}' (in container '')`);
        }
        walk(k.value.target, bound);
        for (const a of k.value.args) walk(a, bound);
        return;
      }
      case 'listExpr':
        for (const el of k.value.elements) walk(el, bound);
        return;
      case 'structExpr':
        for (const en of k.value.entries) {
          if (en.keyKind.case === 'mapKey') walk(en.keyKind.value, bound);
          walk(en.value, bound);
        }
        return;
      case 'comprehensionExpr': {
        const c = k.value;
        walk(c.iterRange, bound);
        walk(c.accuInit, bound);
        const inner = new Set([...bound, c.iterVar, c.iterVar2, c.accuVar].filter(Boolean));
        walk(c.loopCondition, inner);
        walk(c.loopStep, inner);
        walk(c.result, new Set([...bound, c.accuVar]));
        return;
      }
      default:
        return;
    }
  };
  walk(root, new Set());
  return out;
}
