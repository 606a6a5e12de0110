// One nesting limit for every decoded body, whatever its format.
import { errors } from '../errors.js';

/** Far deeper than any Kubernetes object, shallow enough for every recursive step after decoding. */
export const maxNestingDepth = 1000;

/** Refuses values nested deeper than maxNestingDepth (walked without recursion). */
export function checkDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxNestingDepth) throw errors.badRequest(`the request body nests deeper than ${maxNestingDepth} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
}
