// RFC 7386 JSON merge patch (`application/merge-patch+json`: kubectl label/annotate/scale and
// patch --type=merge, and client-side apply of custom resources): objects merge key by key, null
// removes a key, anything else (lists included) replaces.
import { describeJson, isObject, ownValue, setOwn } from './json-object.js';
import { badRequest } from './patch-error.js';

/**
 * Returns the patched copy, sharing nothing with `original` or `patch`. A body that is not an
 * object could only replace the whole resource, which kube-apiserver rejects, so it is a 400 here.
 */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) {
    throw badRequest(`invalid JSON merge patch: the body must be a JSON object, not ${describeJson(patch)}`);
  }
  return mergeInto(structuredClone(original), patch);
}

/** Merges `patch` into `target` in place when both are objects; returns the merged value. */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else setOwn(result, key, mergeInto(ownValue(result, key), value));
  }
  return result;
}
