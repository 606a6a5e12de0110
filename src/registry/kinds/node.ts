// core/v1 Node.
import type { NodeSpec, Taint } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KObject, ResourceDescriptor, ValidationContext } from '../types.js';
import { asArray, asObject, ipFamily } from '../validation/common.js';
import { goTaint } from '../validation/go-value.js';
import { validateMeta } from '../validation/meta.js';
import { isQualifiedName, isValidLabelValue, nameIsDNSSubdomain } from '../validation/names.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function isCIDR(value: string): boolean {
  const [ip, bits, ...rest] = value.split('/');
  if (rest.length || !ip || bits === undefined || !/^\d+$/.test(bits)) return false;
  const family = ipFamily(ip);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function defaults(obj: KObject): void {
  const spec = asObject(obj.spec) as NodeSpec;
  if (obj.spec !== undefined) {
    // podCIDR is the first of podCIDRs, kept in step as the v1 conversion does.
    if (spec.podCIDR && !spec.podCIDRs?.length) spec.podCIDRs = [spec.podCIDR];
    if (!spec.podCIDR && spec.podCIDRs?.length) spec.podCIDR = spec.podCIDRs[0];
  }
  const status = asObject(obj.status);
  if (status.capacity && !status.allocatable) status.allocatable = { ...asObject(status.capacity) };
}

function validate(obj: KObject, ctx: ValidationContext): FieldError[] {
  const errs = validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old);
  const spec = asObject(obj.spec) as NodeSpec;
  const cidrs = spec.podCIDRs ?? (spec.podCIDR ? [spec.podCIDR] : []);
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(fieldError.invalid(`spec.podCIDRs[${i}]`, c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  const seen = new Set<string>();
  asArray<Taint>(spec.taints).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    for (const msg of isQualifiedName(t.key ?? '')) errs.push(fieldError.invalid(`${p}.key`, t.key ?? '', msg));
    if (t.value) for (const msg of isValidLabelValue(t.value)) errs.push(fieldError.invalid(`${p}.value`, t.value, msg));
    if (!t.effect) errs.push(fieldError.required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(fieldError.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) errs.push(fieldError.duplicateGo(p, goTaint(t), 'taints must be unique by key and effect pair'));
    seen.add(key);
  });
  if (ctx.old) {
    const prev = asObject(ctx.old.spec) as NodeSpec;
    const prevCidrs = prev.podCIDRs ?? (prev.podCIDR ? [prev.podCIDR] : []);
    if (prevCidrs.length && JSON.stringify(prevCidrs) !== JSON.stringify(cidrs)) {
      errs.push(fieldError.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    }
    if (prev.providerID && spec.providerID !== prev.providerID) {
      errs.push(fieldError.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
    }
  }
  return errs;
}

export const node: ResourceDescriptor = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  plural: 'nodes',
  singular: 'node',
  shortNames: ['no'],
  namespaced: false,
  subresources: { status: true },
  keepsStatusOnCreate: true,
  generation: false,
  selectableFields: (obj) => ({ 'spec.unschedulable': String(asObject(obj.spec).unschedulable === true) }),
  defaults,
  validate,
  validateStatus: (obj, ctx) => validateMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain }, ctx.old),
};
