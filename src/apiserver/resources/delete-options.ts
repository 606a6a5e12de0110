// DeleteOptions from a request body (a DELETE's, or an Eviction's deleteOptions) and the query, read
// into one checked structure before anything is deleted: an option that is wrong in any way fails
// the whole request, so a typo never deletes with defaults the caller did not ask for.
import { checkDecoding } from '../../registry/fields/unknown-fields.js';
import { fieldError, type FieldError } from '../../registry/field-errors.js';
import { NON_NEGATIVE } from '../../registry/validation/common.js';
import { errors } from '../errors.js';
import { parseInt64, queryBool } from '../http/query.js';
import type { DeleteOptions } from './operations.js';

const POLICIES = ['Foreground', 'Background', 'Orphan'] as const;
type Policy = (typeof POLICIES)[number];

interface RawOptions {
  kind?: unknown;
  gracePeriodSeconds?: unknown;
  preconditions?: { uid?: unknown; resourceVersion?: unknown };
  orphanDependents?: unknown;
  propagationPolicy?: unknown;
  dryRun?: unknown;
}

/** `body` is the decoded JSON (undefined when there was none); the query fills what it leaves out. */
export function parseDeleteOptions(body: unknown, query?: URLSearchParams): DeleteOptions {
  const raw = decode(body);
  const q = query ?? new URLSearchParams();
  const grace = raw.gracePeriodSeconds ?? (q.has('gracePeriodSeconds') ? parseInt64(q.get('gracePeriodSeconds')!, 'gracePeriodSeconds') : undefined);
  const policy = raw.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
  const orphan = raw.orphanDependents ?? (q.has('orphanDependents') ? queryBool(q, 'orphanDependents') : undefined);
  const dryRun = [...(raw.dryRun as string[] | undefined ?? []), ...q.getAll('dryRun')];

  for (const v of dryRun) if (v !== 'All') throw errors.badRequest(`dryRun: Unsupported value: ${JSON.stringify(v)}: supported values: "All"`);
  const causes: FieldError[] = [];
  if (typeof grace === 'number' && grace < 0) causes.push(fieldError.invalid('gracePeriodSeconds', grace, NON_NEGATIVE));
  if (policy !== undefined && !(POLICIES as readonly unknown[]).includes(policy)) causes.push(fieldError.notSupported('propagationPolicy', policy, POLICIES));
  if (policy !== undefined && orphan !== undefined) causes.push(fieldError.forbidden('orphanDependents', 'orphanDependents and propagationPolicy cannot be both set'));
  if (causes.length) throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', causes);

  const opts: DeleteOptions = { dryRun: dryRun.length > 0 };
  if (typeof grace === 'number') opts.gracePeriodSeconds = grace;
  // The deprecated boolean is a policy: true orphans, false lets dependents go in the background.
  if (policy !== undefined) opts.propagationPolicy = policy as Policy;
  else if (orphan !== undefined) opts.propagationPolicy = orphan ? 'Orphan' : 'Background';
  const pre = raw.preconditions;
  if (pre) {
    opts.preconditions = {};
    if (typeof pre.uid === 'string' && pre.uid) opts.preconditions.uid = pre.uid;
    if (typeof pre.resourceVersion === 'string' && pre.resourceVersion) opts.preconditions.resourceVersion = pre.resourceVersion;
  }
  return opts;
}

function decode(body: unknown): RawOptions {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('DeleteOptions: the request body must be a JSON object');
  const raw = body as RawOptions;
  // Typed clients send the DeleteOptions kind with their own group's version; any other kind
  // means the body is not options at all (say, the object itself).
  if (raw.kind !== undefined && raw.kind !== 'DeleteOptions') {
    throw errors.badRequest(`DeleteOptions: the body is a ${JSON.stringify(raw.kind)}, not DeleteOptions`);
  }
  const typeError = checkDecoding('meta.k8s.io', 'DeleteOptions', raw, { normalize: true })?.typeError;
  if (typeError) throw errors.badRequest(`DeleteOptions in version "v1" cannot be handled as a DeleteOptions: ${typeError}`);
  return raw;
}
