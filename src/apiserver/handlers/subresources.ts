// Subresources with their own shapes: /scale (autoscaling/v1 Scale), pods/binding (the scheduler's
// write) and pods/eviction (what `kubectl drain` posts).
import type { KObject, ResourceDescriptor, ScaleSubresource } from '../../registry/types.js';
import { errors, successStatus } from '../errors.js';
import { readObjectBody } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { checkPreconditions, updateStored } from '../resources/operations.js';
import { bindPod, evictPod } from '../resources/pod-subresources.js';
import { runPatch } from '../resources/patch-object.js';
import { APPLY_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH } from '../patch/index.js';
import { labelSelectorFromObject } from '../../registry/selectors/label.js';
import { checkDecoding } from '../../registry/fields/unknown-fields.js';
import { isDryRun, readPatch, writeOptions } from './write.js';
import type { ReadRequest } from './read.js';

function getPath(obj: unknown, path: string): unknown {
  let cur = obj as Record<string, unknown> | undefined;
  for (const part of path.split('.')) {
    if (cur === undefined || cur === null || typeof cur !== 'object') return undefined;
    cur = cur[part] as Record<string, unknown> | undefined;
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    if (cur[part] === undefined || cur[part] === null || typeof cur[part] !== 'object') cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

export function toScale(obj: KObject, spec: ScaleSubresource) {
  const m = obj.metadata;
  const selector = spec.labelSelectorPath ? getPath(obj, spec.labelSelectorPath) : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(getPath(obj, spec.specReplicasPath) ?? 0) },
    status: {
      replicas: Number(getPath(obj, spec.statusReplicasPath) ?? 0),
      // A custom resource's labelSelectorPath names the selector already serialized, as a string.
      ...(selector ? { selector: typeof selector === 'string' ? selector : labelSelectorFromObject(selector as never).string } : {}),
    },
  };
}

function scaleSpec(d: ResourceDescriptor): ScaleSubresource {
  const spec = d.subresources?.scale;
  if (!spec) throw errors.notFoundPath();
  return spec;
}

interface ScaleBody {
  metadata?: { resourceVersion?: unknown; uid?: unknown };
  spec?: { replicas?: unknown };
}

export async function handleScale(r: ReadRequest, name: string, verb: string): Promise<void> {
  const spec = scaleSpec(r.d);
  if (verb === 'get') {
    sendJson(r.req, r.res, 200, toScale(await r.ctx.store.get(r.d, r.namespace, name), spec));
    return;
  }
  let change: (current: KObject) => ScaleBody;
  if (verb === 'update') {
    const body = await readObjectBody(r.req) as ScaleBody;
    change = () => body;
  } else if (verb === 'patch') {
    const patch = await readPatch(r);
    if (patch.contentType === APPLY_PATCH) throw errors.unsupportedMediaType('server-side apply to the scale subresource is not supported by k3ts; apply to the object itself');
    // A Scale has no lists, so a strategic merge patch means the same as a merge patch.
    const contentType = patch.contentType === STRATEGIC_MERGE_PATCH ? MERGE_PATCH : patch.contentType;
    change = (current) => runPatch(r.d, toScale(current, spec) as unknown as KObject, { contentType, body: patch.body }) as ScaleBody;
  } else {
    throw errors.methodNotAllowed();
  }
  const stored = await updateStored(r.ctx, r.d, { namespace: r.namespace, name }, (current) => {
    const scale = change(current);
    if (scale === null || typeof scale !== 'object' || Array.isArray(scale)) throw errors.badRequest('the body of the request was not a valid Scale object');
    // Decoded as autoscaling/v1 Scale: a replica count that is no int32 is refused like a wrong type.
    const typeError = checkDecoding('autoscaling', 'Scale', scale)?.typeError;
    if (typeError) throw errors.badRequest(`Scale in version "v1" cannot be handled as a Scale: ${typeError}`);
    checkPreconditions(r.d, current, scale.metadata ?? {});
    // Go reads a missing replicas as 0, and its encoders leave 0 out (JSON omitempty, and
    // protobuf: a typed client scaling to zero sends no replicas at all).
    const replicas = scale.spec?.replicas ?? 0;
    if (typeof replicas !== 'number' || replicas < 0) {
      throw errors.invalid('Scale', 'autoscaling', name, [
        { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0` },
      ]);
    }
    setPath(current as Record<string, unknown>, spec.specReplicasPath, replicas);
    return current;
  }, { dryRun: isDryRun(r.query), fieldManager: writeOptions(r).fieldManager, fieldManagerSubresource: 'scale' });
  sendJson(r.req, r.res, 200, toScale(stored, spec));
}

export async function handleBinding(r: ReadRequest, name: string): Promise<void> {
  await bindPod(r.ctx, r.d, r.namespace, name, await readObjectBody(r.req), { dryRun: isDryRun(r.query) });
  sendJson(r.req, r.res, 201, { ...successStatus(), code: 201 });
}

export async function handleEviction(r: ReadRequest, name: string): Promise<void> {
  await evictPod(r.ctx, r.d, r.namespace, name, await readObjectBody(r.req), { dryRun: isDryRun(r.query) });
  sendJson(r.req, r.res, 201, { ...successStatus(), code: 201 });
}
