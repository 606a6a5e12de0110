// RFC 6902 JSON patch (`application/json-patch+json`, kubectl patch --type=json, rollout undo).
// fast-json-patch does the work; this file decides what is the client's malformed body (400) and
// what is a well-formed patch that does not fit the object (422), as kube-apiserver does.
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, cannotApply } from './patch-error.js';

const ops = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Returns the patched copy; `original` is never modified, even when a later operation fails. */
export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  const operations = decodeOperations(patch);
  for (const op of operations) checkOperation(op);

  const copy = structuredClone(original);
  try {
    return jsonpatch.applyPatch(copy, operations as unknown as Operation[], true, true, true).newDocument;
  } catch (err) {
    throw cannotApply(describeFailure(err), err);
  }
}

/** The shape check kube-apiserver makes while decoding: an array of objects, else 400. */
function decodeOperations(patch: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(patch)) {
    throw badRequest(`error decoding patch: a JSON patch must be an array of operations, not ${kindOf(patch)}`);
  }
  patch.forEach((op, i) => {
    if (kindOf(op) !== 'object') {
      throw badRequest(`error decoding patch: operation ${i} must be an object, not ${kindOf(op)}`);
    }
  });
  return patch as Array<Record<string, unknown>>;
}

/** Upstream finds these while applying, so they are 422s, not 400s. */
function checkOperation(op: Record<string, unknown>): void {
  if (typeof op.op !== 'string' || !ops.has(op.op)) {
    throw cannotApply(`Unexpected kind: ${String(op.op ?? '')}`);
  }
  if (typeof op.path !== 'string') throw cannotApply(`${op.op} operation missing path field: missing value`);
  if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
    throw cannotApply(`${op.op} operation missing from field: missing value`);
  }
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
    throw cannotApply(`${op.op} operation missing value field: missing value`);
  }
}

/** One line in the style of the Go json-patch library kube-apiserver uses. */
function describeFailure(err: unknown): string {
  if (!(err instanceof jsonpatch.JsonPatchError)) return err instanceof Error ? err.message : String(err);
  const op = (err.operation ?? {}) as Partial<Record<'op' | 'path' | 'from', string>>;
  const path = op.path ?? '';
  switch (err.name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_PATH_CANNOT_ADD':
      if (op.op === 'remove') return `unable to remove nonexistent key: ${path}: missing value`;
      if (op.op === 'test') return `testing value ${path} failed: missing value`;
      return `${op.op} operation does not apply: doc is missing path: ${JSON.stringify(path)}: missing value`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${op.op} operation does not apply: doc is missing from path: ${JSON.stringify(op.from ?? '')}: missing value`;
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
      return `${op.op} operation does not apply: index out of bounds at ${JSON.stringify(path)}`;
    case 'OPERATION_PATH_INVALID':
      return `${op.op} operation has an invalid path ${JSON.stringify(path)}`;
    default:
      return err.message.split('\n')[0] ?? err.name;
  }
}
