// PodSpec and PodTemplateSpec validation, shared by Pod and every workload kind.
import type { Container, PodSpec, PodTemplateSpec, Toleration } from 'kubernetes-types/core/v1.js';
import { fieldError, type FieldError } from '../field-errors.js';
import type { KMeta } from '../types.js';
import { asArray, asObject, inclusiveRange, isValidPortName, MAX_INT32, validateNonNegative, validatePortNumber } from './common.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isValidLabelValue } from './names.js';
import { parseQuantity, QUANTITY_FORMAT_MESSAGE } from './quantity.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const TOLERATION_OPERATORS = ['Equal', 'Exists'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

// A template is checked exactly as the Pods made from it will be. Upstream leaves a template's image
// optional (for image triggers that fill it in later, which k3ts has none of); here a template that
// can never make a valid Pod is refused when it is written, not by its controller forever after.

export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  if (!template) return [fieldError.required(path)];
  const meta = (template.metadata ?? {}) as KMeta;
  const errs = [
    ...validateLabels(meta.labels, `${path}.metadata.labels`),
    ...validateAnnotations(meta.annotations, `${path}.metadata.annotations`),
  ];
  errs.push(...validatePodSpec(template.spec, `${path}.spec`));
  return errs;
}

export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec) return [fieldError.required(path)];
  const volumeNames = validateVolumes(spec.volumes, `${path}.volumes`, errs);
  const containers = asArray<Container>(spec.containers);
  if (containers.length === 0) errs.push(fieldError.required(`${path}.containers`));
  // Regular containers first, as upstream: a name used in both lists is then reported on the init container.
  const seen = new Set<string>();
  containers.forEach((c, i) => errs.push(...validateContainer(c, `${path}.containers[${i}]`, { seen, volumeNames })));
  asArray<Container>(spec.initContainers).forEach((c, i) => errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, { seen, volumeNames })));

  if (spec.restartPolicy === undefined || spec.restartPolicy === '') errs.push(fieldError.required(`${path}.restartPolicy`));
  else if (!(RESTART_POLICIES as readonly string[]).includes(spec.restartPolicy)) {
    errs.push(fieldError.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) {
    errs.push(fieldError.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  }
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig) {
    errs.push(fieldError.required(`${path}.dnsConfig`, "must provide `dnsConfig` when `dnsPolicy` is None"));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  for (const [field, value, check] of [
    ['serviceAccountName', spec.serviceAccountName, isDNS1123Subdomain],
    ['nodeName', spec.nodeName, isDNS1123Subdomain],
    ['hostname', spec.hostname, isDNS1123Label],
    ['subdomain', spec.subdomain, isDNS1123Label],
    ['schedulerName', spec.schedulerName, isDNS1123Subdomain],
  ] as const) {
    if (value) for (const msg of check(value)) errs.push(fieldError.invalid(`${path}.${field}`, value, msg));
  }
  if (spec.activeDeadlineSeconds !== undefined) {
    const v = spec.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) errs.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, v, inclusiveRange(1, MAX_INT32)));
  }
  errs.push(...validateNonNegative(spec.terminationGracePeriodSeconds, `${path}.terminationGracePeriodSeconds`));
  errs.push(...validateIds(spec.securityContext, `${path}.securityContext`));
  asArray<Toleration>(spec.tolerations).forEach((t, i) => errs.push(...validateToleration(t, `${path}.tolerations[${i}]`)));
  // imagePullSecrets: [{}] is accepted; upstream 1.32 only warns about the empty name.
  return errs;
}

function validateVolumes(volumes: PodSpec['volumes'], path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  asArray<Record<string, unknown>>(volumes).forEach((v, i) => {
    const p = `${path}[${i}]`;
    const name = typeof v?.name === 'string' ? v.name : '';
    if (!name) errs.push(fieldError.required(`${p}.name`));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(fieldError.invalid(`${p}.name`, name, msg));
      if (names.has(name)) errs.push(fieldError.duplicate(`${p}.name`, name));
    }
    names.add(name);
    const sources = Object.keys(asObject(v)).filter((k) => k !== 'name');
    if (sources.length === 0) errs.push(fieldError.required(p, 'must specify a volume type'));
    else if (sources.length > 1) errs.push(fieldError.forbidden(`${p}.${sources[1]}`, 'may not specify more than 1 volume type'));
    else errs.push(...validateFileModes(asObject(v)[sources[0]!], `${p}.${sources[0]}`));
  });
  return names;
}

const FILE_MODE_RANGE = 'must be a number between 0 and 0777 (octal), both inclusive';

/** defaultMode and each item's mode of the volume sources that write files (0 to 0777). */
function validateFileModes(source: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const check = (mode: unknown, p: string) => {
    if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) errs.push(fieldError.invalid(p, mode, FILE_MODE_RANGE));
  };
  const src = asObject(source);
  check(src.defaultMode, `${path}.defaultMode`);
  asArray<Record<string, unknown>>(src.items).forEach((item, i) => check(asObject(item).mode, `${path}.items[${i}].mode`));
  asArray<Record<string, unknown>>(src.sources).forEach((projection, i) => {
    for (const [kind, inner] of Object.entries(asObject(projection))) {
      asArray<Record<string, unknown>>(asObject(inner).items).forEach((item, j) => check(asObject(item).mode, `${path}.sources[${i}].${kind}.items[${j}].mode`));
    }
  });
  return errs;
}

/** User and group IDs of a (pod or container) security context: 0 to 2147483647. */
function validateIds(context: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ctx = asObject(context);
  const check = (id: unknown, p: string) => {
    if (typeof id === 'number' && (id < 0 || id > MAX_INT32)) errs.push(fieldError.invalid(p, id, inclusiveRange(0, MAX_INT32)));
  };
  for (const field of ['runAsUser', 'runAsGroup', 'fsGroup']) check(ctx[field], `${path}.${field}`);
  asArray(ctx.supplementalGroups).forEach((g, i) => check(g, `${path}.supplementalGroups[${i}]`));
  return errs;
}

const PROBE_COUNTERS = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const;

function validateProbe(probe: unknown, path: string, opts: { successMustBeOne: boolean }): FieldError[] {
  if (probe === undefined || probe === null) return [];
  const p = asObject(probe);
  const errs: FieldError[] = [];
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => p[h] !== undefined && p[h] !== null);
  if (handlers.length === 0) errs.push(fieldError.required(path, 'must specify a handler type'));
  else if (handlers.length > 1) errs.push(fieldError.forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  for (const field of PROBE_COUNTERS) errs.push(...validateNonNegative(p[field], `${path}.${field}`));
  if (opts.successMustBeOne && typeof p.successThreshold === 'number' && p.successThreshold !== 1) {
    errs.push(fieldError.invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  }
  if (typeof p.terminationGracePeriodSeconds === 'number' && p.terminationGracePeriodSeconds < 1) {
    errs.push(fieldError.invalid(`${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  for (const [handler, field] of [['httpGet', 'port'], ['tcpSocket', 'port'], ['grpc', 'port']] as const) {
    const port = asObject(p[handler])[field];
    if (typeof port === 'number') errs.push(...validatePortNumber(port, `${path}.${handler}.${field}`));
    else if (typeof port === 'string') for (const msg of isValidPortName(port)) errs.push(fieldError.invalid(`${path}.${handler}.${field}`, port, msg));
  }
  return errs;
}

interface ContainerCtx {
  seen: Set<string>;
  volumeNames: Set<string>;
}

function validateContainer(c: Container, path: string, ctx: ContainerCtx): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(fieldError.required(`${path}.name`));
  else {
    for (const msg of isDNS1123Label(c.name)) errs.push(fieldError.invalid(`${path}.name`, c.name, msg));
    if (ctx.seen.has(c.name)) errs.push(fieldError.duplicate(`${path}.name`, c.name));
    ctx.seen.add(c.name);
  }
  if (!c.image) errs.push(fieldError.required(`${path}.image`));
  else if (c.image !== c.image.trim()) errs.push(fieldError.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.push(fieldError.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  if (c.terminationMessagePolicy !== undefined && !TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(fieldError.notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  errs.push(...validateIds(c.securityContext, `${path}.securityContext`));
  errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, { successMustBeOne: true }));
  errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, { successMustBeOne: false }));
  errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, { successMustBeOne: true }));
  asArray<{ name?: string; mountPath?: string }>(c.volumeMounts).forEach((m, i) => {
    const p = `${path}.volumeMounts[${i}]`;
    if (!m.name) errs.push(fieldError.required(`${p}.name`));
    else if (!ctx.volumeNames.has(m.name)) errs.push(fieldError.notFound(`${p}.name`, m.name));
    if (!m.mountPath) errs.push(fieldError.required(`${p}.mountPath`));
  });
  return errs;
}

function validateContainerPorts(ports: Container['ports'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  asArray<NonNullable<Container['ports']>[number]>(ports).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      for (const msg of isValidPortName(port.name)) errs.push(fieldError.invalid(`${p}.name`, port.name, msg));
      if (names.has(port.name)) errs.push(fieldError.duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) errs.push(fieldError.required(`${p}.containerPort`));
    else errs.push(...validatePortNumber(port.containerPort, `${p}.containerPort`));
    if (port.hostPort !== undefined && port.hostPort !== 0) errs.push(...validatePortNumber(port.hostPort, `${p}.hostPort`));
    if (port.protocol === undefined || port.protocol === '') errs.push(fieldError.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(fieldError.notSupported(`${p}.protocol`, port.protocol, PROTOCOLS));
  });
  return errs;
}

function validateEnv(env: Container['env'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  asArray<NonNullable<Container['env']>[number]>(env).forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!e.name) errs.push(fieldError.required(`${p}.name`));
    else for (const msg of isEnvVarName(e.name)) errs.push(fieldError.invalid(`${p}.name`, e.name, msg));
    if (e.valueFrom) {
      const sources = Object.keys(e.valueFrom).filter((k) => (e.valueFrom as Record<string, unknown>)[k] != null);
      if (sources.length === 0) errs.push(fieldError.invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (sources.length > 1) errs.push(fieldError.invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
      if (e.value) errs.push(fieldError.invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      if (e.valueFrom.fieldRef && !e.valueFrom.fieldRef.fieldPath) errs.push(fieldError.required(`${p}.valueFrom.fieldRef.fieldPath`));
      for (const ref of ['configMapKeyRef', 'secretKeyRef'] as const) {
        const r = e.valueFrom[ref];
        if (r && !r.key) errs.push(fieldError.required(`${p}.valueFrom.${ref}.key`));
      }
    }
  });
  return errs;
}

// A quantity is used as a 64-bit count of its unit; anything larger cannot be scheduled against.
const MAX_QUANTITY = 2 ** 63 - 1;
const MAX_QUANTITY_TEXT = '9223372036854775807';

function validateResources(resources: Container['resources'], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parsed: Record<'limits' | 'requests', Map<string, number>> = { limits: new Map(), requests: new Map() };
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, raw] of Object.entries(asObject(resources?.[kind]))) {
      const p = `${path}.${kind}[${name}]`;
      for (const msg of isQualifiedName(name)) errs.push(fieldError.invalid(p, name, msg));
      const value = parseQuantity(raw);
      if (value === undefined) {
        errs.push(fieldError.invalid(p, raw, QUANTITY_FORMAT_MESSAGE));
        continue;
      }
      if (value < 0) errs.push(fieldError.invalid(p, String(raw), 'must be greater than or equal to 0'));
      else if (value > MAX_QUANTITY) errs.push(fieldError.invalid(p, String(raw), `must be less than or equal to ${MAX_QUANTITY_TEXT}`));
      parsed[kind].set(name, value);
    }
  }
  for (const [name, req] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (limit !== undefined && req > limit) {
      const raw = asObject(resources?.requests)[name];
      const rawLimit = asObject(resources?.limits)[name];
      errs.push(fieldError.invalid(`${path}.requests[${name}]`, String(raw), `must be less than or equal to ${name} limit of ${String(rawLimit)}`));
    }
  }
  return errs;
}

function validateToleration(t: Toleration, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (t.key) for (const msg of isQualifiedName(t.key)) errs.push(fieldError.invalid(`${path}.key`, t.key, msg));
  // The operator as written: an omitted one means Equal, but the message shows "".
  const op = t.operator ?? '';
  if (!t.key && op !== 'Exists') errs.push(fieldError.invalid(`${path}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
    errs.push(fieldError.invalid(`${path}.effect`, t.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
  }
  // Upstream reports problems with the value on the operator's path, all in one error.
  const value = t.value ?? '';
  if (op === '' || op === 'Equal') {
    const msgs = isValidLabelValue(value);
    if (msgs.length) errs.push(fieldError.invalid(`${path}.operator`, value, msgs.join(';')));
  } else if (op === 'Exists') {
    if (value) errs.push(fieldError.invalid(`${path}.operator`, value, "value must be empty when `operator` is 'Exists'"));
  } else {
    errs.push(fieldError.notSupported(`${path}.operator`, op, TOLERATION_OPERATORS));
  }
  if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(fieldError.notSupported(`${path}.effect`, t.effect, TAINT_EFFECTS));
  return errs;
}
