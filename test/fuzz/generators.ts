// Request generators for the API fuzz test: each turns the PRNG into one request. They never look at
// server state, so a seed replays the same request sequence.
import type { Rng } from './rng.js';

export interface FuzzRequest {
  category: string;
  method: string;
  path: string;
  headers: Record<string, string | number>;
  /** Lazily built for the huge ones. */
  body?: Buffer;
  /** Send the body chunked, without Content-Length (the streaming size check). */
  chunked?: boolean;
  /** Omit the client certificate (the 401 path). */
  anonymous?: boolean;
  /** The request is invalid whatever else happens: any 2xx is a finding. */
  mustFail?: boolean;
}

export interface ResourceInfo {
  groupVersion: string;
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  subresources: string[];
}

export interface ProtobufFixture {
  name: string;
  path: string;
  query: string;
  body: Buffer;
}

export interface FuzzWorld {
  resources: ResourceInfo[];
  /** Namespaces that exist plus some that do not. */
  namespaces: string[];
  /** Namespace whose `keep-*` objects patch fuzzing targets; nothing deletes in it. */
  keepNamespace: string;
  fixtures: ProtobufFixture[];
}

type J = null | boolean | number | string | J[] | { [k: string]: J };

// ---------------------------------------------------------------------------------------------
// Valid objects, one template per kind we know how to build.

const container = (name = 'c'): J => ({
  name,
  image: 'busybox:1.36',
  command: ['sh', '-c', 'sleep 3600'],
  ports: [{ containerPort: 8080, protocol: 'TCP' }],
  env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
  resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
});
const podSpec = (restartPolicy = 'Always'): J => ({ restartPolicy, containers: [container('c'), container('d')] });
const podTemplate = (app: string, restartPolicy = 'Always'): J => ({ metadata: { labels: { app } }, spec: podSpec(restartPolicy) });

export const templates: Record<string, (name: string, ns: string) => J> = {
  ConfigMap: (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { fuzz: 'yes' } }, data: { a: 'b', 'c.txt': 'hello' } }),
  Secret: (name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', data: { user: 'YWRtaW4=' }, stringData: { pass: 'x' } }),
  ServiceAccount: (name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } }),
  Service: (name) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
  }),
  Pod: (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: podSpec() }),
  Deployment: (name) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: podTemplate(name) },
  }),
  ReplicaSet: (name) => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: podTemplate(name) },
  }),
  DaemonSet: (name) => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: podTemplate(name) },
  }),
  Job: (name) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { backoffLimit: 1, template: podTemplate(name, 'Never') } }),
  CronJob: (name) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate(name, 'OnFailure') } } },
  }),
  Lease: (name) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15 } }),
  Endpoints: (name) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name },
    subsets: [{ addresses: [{ ip: '10.42.0.5' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  }),
  EndpointSlice: (name) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  }),
  Event: (name, ns) => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: 'Pod', name: 'p', namespace: ns },
    reason: 'Fuzz',
    message: 'fuzzing',
    type: 'Normal',
  }),
  Namespace: (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  Node: (name) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { podCIDR: '10.42.7.0/24' } }),
};

/** The object for a resource, with apiVersion/kind as that resource's (the Event template also serves events.k8s.io). */
export function templateFor(r: ResourceInfo, name: string, ns: string): J | undefined {
  const t = templates[r.kind];
  if (!t) return undefined;
  const obj = t(name, ns) as Record<string, J>;
  obj.apiVersion = r.groupVersion;
  if (r.kind === 'Event' && r.group === 'events.k8s.io') {
    return { apiVersion: r.groupVersion, kind: 'Event', metadata: { name }, regarding: { kind: 'Pod', name: 'p', namespace: ns }, reason: 'Fuzz', note: 'x', type: 'Normal', action: 'Fuzz', eventTime: '2024-01-01T00:00:00.000000Z', reportingController: 'fuzz/x', reportingInstance: 'fuzz-1' };
  }
  return obj;
}

// ---------------------------------------------------------------------------------------------
// Interesting values and JSON mutations.

const weirdStrings = [
  '',
  ' ',
  'a',
  '-',
  '..',
  '.',
  '../etc/passwd',
  'a/b',
  '%2f',
  'UPPER',
  '名前',
  '😀',
  'zero\u0000byte',
  '\ud800',
  '\udfff\ud800',
  '\u202etxt.exe',
  'new\nline',
  'tab\there',
  '${jndi:ldap://x}',
  "'; DROP TABLE kv_log; --",
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '1e999',
  'NaN',
  'true',
  'null',
  '0x10',
  '-1',
  '2024-01-01T00:00:00Z',
  'not-a-date',
  '*/5 * * * *',
  '10.0.0.1',
  '::1',
  '256.256.256.256',
  '1Gi',
  '-1Gi',
  '1e100Gi',
  '0.0000000001m',
  'kubernetes.io/x',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(253),
  'a'.repeat(254),
  'a.b.c',
  'a_b',
];

export function randomString(rng: Rng): string {
  switch (rng.int(6)) {
    case 0:
    case 1:
      return rng.pick(weirdStrings);
    case 2: {
      const n = rng.range(1, 40);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(rng.range(0x20, 0x7e));
      return s;
    }
    case 3: {
      const n = rng.range(1, 20);
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCodePoint(rng.pick([rng.range(0, 0x1f), rng.range(0x80, 0x7ff), rng.range(0x800, 0xd7ff), rng.range(0xd800, 0xdfff), rng.range(0x10000, 0x10ffff)]));
      return s;
    }
    case 4:
      return 'x'.repeat(rng.pick([100, 1000, 10_000, 100_000]));
    default:
      return `fz-${rng.int(1_000_000)}`;
  }
}

const weirdNumbers = [0, -1, 1, -0, 0.5, -2.5, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, 1e308, -1e308, 5e-324, 65535, 65536, 99999];

export function randomValue(rng: Rng, depth = 0): J {
  switch (rng.int(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(weirdNumbers);
    case 3:
    case 4:
      return randomString(rng);
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    case 6: {
      const o: Record<string, J> = {};
      for (let i = rng.int(4); i > 0; i--) o[rng.chance(0.7) ? rng.pick(['name', 'metadata', 'spec', 'data', 'items', 'kind', 'value', '$patch', 'containers']) : randomString(rng)] = randomValue(rng, depth + 1);
      return o;
    }
    default:
      return rng.pick<J>([[], {}, [null], { '': '' }, JSON.parse('{"__proto__":{"polluted":true}}') as J, [[[]]]]);
  }
}

function clone(v: J): J {
  return JSON.parse(JSON.stringify(v)) as J;
}

function allPaths(v: J, prefix: (string | number)[], out: (string | number)[][]): void {
  out.push(prefix);
  if (prefix.length > 12) return;
  if (Array.isArray(v)) v.forEach((x, i) => allPaths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) allPaths(v[k]!, [...prefix, k], out);
}

function getAt(root: J, path: (string | number)[]): J {
  let cur: J = root;
  for (const p of path) cur = (cur as Record<string | number, J>)[p]!;
  return cur;
}

function swapType(rng: Rng, v: J): J {
  if (typeof v === 'string') return rng.pick<J>([Number(v) || 1, [v], { v }, v === '' ? null : true]);
  if (typeof v === 'number') return rng.pick<J>([String(v), [v], { v }, -v, v * 1e300, v + 0.5]);
  if (typeof v === 'boolean') return rng.pick<J>([String(v), v ? 1 : 0, null]);
  if (Array.isArray(v)) return rng.pick<J>([{ ...v } as J, v.length ? v[0]! : 'x', JSON.stringify(v), [v]]);
  if (v && typeof v === 'object') return rng.pick<J>([Object.values(v), JSON.stringify(v), 1, [v]]);
  return rng.pick<J>([{}, [], '', 0]);
}

/** 1–4 random edits: replace, delete, swap type, add a key, duplicate an array element. */
export function mutateJson(rng: Rng, value: J): J {
  let root = clone(value);
  for (let n = rng.range(1, 4); n > 0; n--) {
    const paths: (string | number)[][] = [];
    allPaths(root, [], paths);
    const path = rng.pick(paths);
    const op = rng.int(6);
    if (path.length === 0) {
      if (op === 0) root = randomValue(rng);
      continue;
    }
    const parent = getAt(root, path.slice(0, -1)) as Record<string | number, J>;
    const key = path[path.length - 1]!;
    switch (op) {
      case 0:
      case 1:
        parent[key] = randomValue(rng);
        break;
      case 2:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 3:
        parent[key] = swapType(rng, parent[key]!);
        break;
      case 4: {
        const target = parent[key];
        if (target && typeof target === 'object' && !Array.isArray(target)) target[randomString(rng)] = randomValue(rng);
        else parent[key] = null;
        break;
      }
      default: {
        const target = parent[key];
        if (Array.isArray(target) && target.length > 0) target.push(clone(target[0]!));
        else parent[key] = [target ?? null, target ?? null];
      }
    }
  }
  return root;
}

/** Metadata edits that validation must catch. */
export function mutateMetadata(rng: Rng, obj: J): J {
  const o = clone(obj) as Record<string, J>;
  const meta = (o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata) ? o.metadata : (o.metadata = {})) as Record<string, J>;
  switch (rng.int(14)) {
    case 0:
      meta.name = randomString(rng);
      break;
    case 1:
      delete meta.name;
      if (rng.chance(0.5)) meta.generateName = randomString(rng);
      break;
    case 2:
      meta.namespace = rng.pick(['other', '', 'kube-system', randomString(rng)]);
      break;
    case 3:
      meta.labels = rng.pick<J>([{ [randomString(rng)]: randomString(rng) }, { a: 5 }, ['a'], 'a=b', { 'a/b/c': 'x' }, { a: null }]);
      break;
    case 4:
      meta.annotations = rng.pick<J>([{ a: 'x'.repeat(300_000) }, { a: 1 }, { [randomString(rng)]: '' }, [], 'x']);
      break;
    case 5:
      meta.resourceVersion = rng.pick<J>(['abc', '-1', '0', '1', '99999999999999999999', 5, '']);
      break;
    case 6:
      meta.uid = randomValue(rng);
      break;
    case 7:
      meta.finalizers = rng.pick<J>([['a', 'a'], [5], 'kubernetes', [randomString(rng)], [{}]]);
      break;
    case 8:
      meta.ownerReferences = rng.pick<J>([
        [{}],
        [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }, { apiVersion: 'v1', kind: 'Pod', name: 'q', uid: 'v', controller: true }],
        'x',
        [{ apiVersion: 5, kind: null, name: [], uid: {} }],
      ]);
      break;
    case 9:
      meta.creationTimestamp = rng.pick<J>(['yesterday', 5, '9999-99-99T99:99:99Z', null, '1970-01-01T00:00:00Z']);
      break;
    case 10:
      meta.deletionTimestamp = rng.pick<J>(['2020-01-01T00:00:00Z', 'x', 0]);
      meta.deletionGracePeriodSeconds = rng.pick<J>([-1, 'x', 30]);
      break;
    case 11:
      meta.managedFields = rng.pick<J>([[{ manager: 5 }], 'x', [{ fieldsV1: 'x', fieldsType: 'FieldsV2' }]]);
      break;
    case 12:
      meta.generation = rng.pick<J>([-5, 'x', 1e300]);
      break;
    default:
      o.metadata = rng.pick<J>([null, [], 'x', 5]);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Malformed JSON text.

function deep(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

export function badJsonBody(rng: Rng, valid: string): { text: Buffer; note: string } {
  const s = (t: string, note: string) => ({ text: Buffer.from(t, 'utf8'), note });
  const depth = rng.pick([1000, 5000, 10_000]);
  switch (rng.int(20)) {
    case 0:
      return s(valid.slice(0, rng.int(valid.length)), 'truncated');
    case 1:
      return s(deep(depth, '[', ']'), `array nesting ${depth}`);
    case 2:
      return s(deep(depth, '{"a":', '}'), `object nesting ${depth}`);
    case 3:
      return s(valid.replace(/"data":\{|"spec":\{|"metadata":\{/, (m) => `${m}"deep":${deep(depth, '{"a":', '}')},`), `nesting ${depth} inside a valid object`);
    case 4:
      return s(valid.replace(/"labels":\{[^}]*\}|"metadata":\{/, (m) => (m.startsWith('"labels"') ? `"labels":${deep(depth, '[', ']')}` : `${m}"labels":${deep(depth, '{"a":', '}', '"x"')},`)), `nested labels ${depth}`);
    case 5:
      return s(valid.replace(/:(\d+|"[^"]*"|true|false)/, `:${rng.pick(['NaN', 'Infinity', '-Infinity', '+1', '01', '.5', '1.', '0x10', 'undefined'])}`), 'non-JSON number');
    case 6:
      return s(valid.replace(/:(\d+|"[^"]*")/, `:${rng.pick(['1e999', '-1e999', '1e-999', '-0', '123456789012345678901234567890'])}`), 'extreme number');
    case 7:
      return s(`\ufeff${valid}`, 'BOM');
    case 8: {
      const bytes = Buffer.from(valid, 'utf8');
      const at = rng.int(bytes.length);
      const bad = rng.pick([[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]);
      return { text: Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]), note: 'invalid UTF-8' };
    }
    case 9: {
      const name = valid.match(/"name":"([^"]*)"/)?.[1] ?? 'x';
      const bytes = Buffer.from(valid.replace(`"name":"${name}"`, `"name":"${name}\u0001"`), 'utf8');
      const i = bytes.indexOf(0x01);
      bytes[i] = rng.pick([0xff, 0xc3, 0x80]);
      return { text: bytes, note: 'invalid UTF-8 in the name' };
    }
    case 10:
      return s(rng.pick(['', ' ', '\n', 'null', '[]', '1', '"str"', 'true', '{}', '[{}]', '{"kind":"List","items":[]}']), 'not an object');
    case 11:
      return s(valid.replace('{', '{"kind":"Other","kind":"ConfigMap",'), 'duplicate keys');
    case 12:
      return s(valid.replace('{', '{"__proto__":{"polluted":"yes","metadata":{"name":"proto"}},"constructor":{"prototype":{"x":1}},'), 'prototype keys');
    case 13:
      return s(valid + rng.pick(['}', ']', 'garbage', '{}', '\u0000']), 'trailing data');
    case 14:
      return s(valid.replace(/"/g, "'"), 'single quotes');
    case 15:
      return s(`${valid.slice(0, -1)},}`, 'trailing comma');
    case 16:
      return s(valid.replace(/"([a-z]+)":"/, '"$1":"\\uZZZZ'), 'bad escape');
    case 17:
      return s(valid.replace(/"name":"/, '"name":"\\ud800\\udc00\\ud800'), 'lone surrogate escape');
    case 18:
      return s(`{"a":"${'\\u0000'.repeat(1000)}"}`, 'NUL escapes');
    default:
      return { text: rng.bytes(rng.range(1, 2000)), note: 'random bytes' };
  }
}

/** YAML documents that are legal YAML but odd as objects (aliases, tags, several docs). */
export function oddYaml(rng: Rng, name: string): string {
  return rng.pick([
    `apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: ${name}\n  labels: *m\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: &d\n  a: [*d]\n`,
    `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: !!binary aGVsbG8=\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  creationTimestamp: !!timestamp 2001-12-14\ndata:\n  a: b\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: !!set {a, b}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  ? [a, b]\n  : c\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: !custom {a: b}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-2\n`,
    `base: &base {a: b}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  <<: *base\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: 1\n  b: true\n  c: null\n  d: 0x1F\n  e: .inf\n  f: .nan\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  name: other\n`,
    `- a\n- b\n`,
    `just a string`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}\n`,
    `\t\tbad: indent\n  x`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  big: ${'9'.repeat(400)}\n`,
    `${'- '.repeat(2000)}x\n`,
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: yes\n`,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Paths and query strings.

/** encodeURIComponent that also takes lone surrogates, sending them as (invalid) 3-byte UTF-8. */
export function pct(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(text[i]!);
  }
  return out;
}

export function collectionPath(r: ResourceInfo, ns?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && ns !== undefined ? `${base}/namespaces/${ns}/${r.plural}` : `${base}/${r.plural}`;
}

export function objectPath(r: ResourceInfo, ns: string, name: string): string {
  return `${collectionPath(r, ns)}/${pct(name)}`;
}

const badLabelSelectors = [
  'a in (',
  'a=b=c',
  '!',
  'a notin b',
  '=',
  'a,,b',
  'a==',
  `${'x'.repeat(1000)}=1`,
  'a in (b,c',
  'a!=',
  'a gt 1',
  'a>1',
  'a>b',
  'a<-1',
  '名前=値',
  '%',
  '(',
  ')',
  'a in ()',
  'a in (b) c',
  '!a,!b,!!c',
  'a=b,',
  ',',
  'a=' + 'b'.repeat(64),
  'a/b/c=d',
  '-a=b',
  'a=\u0000',
  'a in (x,y),b notin (z),c,!d,e==f,g!=h',
];
const badFieldSelectors = [
  'metadata.name',
  'metadata.name==',
  'foo=bar',
  'metadata.name=a,metadata.namespace!=b',
  'spec.nodeName=x',
  'status.phase=Running',
  '\\',
  'metadata.name=a\\,b',
  'a=b\\',
  'metadata.name in (a)',
  'metadata.name!=',
  '=x',
  ',',
  'metadata.name=\u0000',
  'type=Opaque',
  'involvedObject.name=x',
  `metadata.name=${'x'.repeat(5000)}`,
];
const badLimits = ['-1', '1.5', 'abc', '1e20', '0x10', ' 5', '', '9007199254740993', 'Infinity', 'NaN', '0', '1', '500', '-0', '+3', '1e3'];
const badResourceVersions = ['-1', 'abc', '1e10', '99999999999999999999', '0', '1', '2', '9007199254740993', '', ' ', '0x1', '1.5', 'latest', '18446744073709551616'];

function forgedContinue(rng: Rng): string {
  const tok = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return rng.pick([
    'a',
    '%%%',
    '====',
    Buffer.from('not json').toString('base64'),
    tok({ v: 'meta.k8s.io/v1', rv: -1, start: '' }),
    tok({ v: 'meta.k8s.io/v1', rv: 0, start: '' }),
    tok({ v: 'meta.k8s.io/v1', rv: 1, start: '/registry/core/secrets/' }),
    tok({ v: 'meta.k8s.io/v1', rv: 2 ** 52, start: 'x' }),
    tok({ v: 'meta.k8s.io/v1', rv: 1e15, start: '' }),
    tok({ v: 'meta.k8s.io/v1', rv: 3, start: '\uffff' }),
    tok({ v: 'meta.k8s.io/v1', rv: 3, start: 5 }),
    tok({ v: 'meta.k8s.io/v2', rv: 3, start: '' }),
    tok({ v: 'meta.k8s.io/v1', rv: '3', start: '' }),
    tok([1, 2, 3]),
    tok(null),
    rng.bytes(rng.range(1, 100)).toString('base64url'),
  ]);
}

export function garbageQuery(rng: Rng): string {
  const params: string[] = [];
  for (let n = rng.range(1, 4); n > 0; n--) {
    const e = (v: string) => (rng.chance(0.85) ? pct(v) : v.replace(/[^\x21-\x7e]/g, (c) => pct(c)).replace(/[#]/g, '%23'));
    switch (rng.int(16)) {
      case 0:
        params.push(`labelSelector=${e(rng.pick(badLabelSelectors))}`);
        break;
      case 1:
        params.push(`fieldSelector=${e(rng.pick(badFieldSelectors))}`);
        break;
      case 2:
        params.push(`limit=${e(rng.pick(badLimits))}`);
        break;
      case 3:
        params.push(`continue=${e(forgedContinue(rng))}`);
        break;
      case 4:
        params.push(`resourceVersion=${e(rng.pick(badResourceVersions))}`);
        break;
      case 5:
        params.push(`resourceVersionMatch=${e(rng.pick(['Exact', 'NotOlderThan', 'exact', 'garbage', '']))}`);
        break;
      case 6:
        params.push(`timeoutSeconds=${e(rng.pick(['-1', 'abc', '1e20', '0.001', '0', '1']))}`);
        break;
      case 7:
        params.push(`dryRun=${e(rng.pick(['All', 'all', 'true', '', 'All,All']))}`);
        break;
      case 8:
        params.push(`fieldValidation=${e(rng.pick(['Strict', 'Warn', 'Ignore', 'garbage', '']))}`);
        break;
      case 9:
        params.push(`fieldManager=${e(rng.pick(['x'.repeat(200), '', 'kubectl', '\u0000']))}`);
        break;
      case 10:
        params.push(`gracePeriodSeconds=${e(rng.pick(['-1', 'abc', '1.5', '0', '1e20']))}`);
        break;
      case 11:
        params.push(`propagationPolicy=${e(rng.pick(['Orphan', 'garbage', '']))}`);
        break;
      case 12:
        params.push(`includeObject=${e(rng.pick(['Object', 'None', 'Metadata', 'garbage']))}`);
        break;
      case 13:
        params.push(rng.pick(['%', '%zz', 'a=%zz', '=', '&&&', '?', '%00=%00', 'a[]=1&a[]=2', 'pretty=true', 'watch=false', 'sendInitialEvents=garbage', 'allowWatchBookmarks=garbage', 'resourceVersion=1&resourceVersion=2']));
        break;
      case 14:
        params.push(`${pct(randomString(rng))}=${pct(randomString(rng))}`);
        break;
      default:
        params.push(`orphanDependents=${rng.pick(['true', 'x'])}`);
    }
  }
  return params.join('&');
}

export function oddPath(rng: Rng, world: FuzzWorld): string {
  const r = rng.pick(world.resources);
  const ns = rng.pick(world.namespaces);
  const fixed = [
    '/api/v1/namespaces/..%2f/configmaps',
    '/api/v1/namespaces/%2e%2e/configmaps',
    '/api/v1/namespaces/..%2F..%2F/secrets',
    '/api/v1/namespaces/default/configmaps/..',
    '/api/v1/namespaces/default/configmaps/.',
    '/api/v1/namespaces/default/configmaps/%2e%2e',
    '/api/v1/namespaces/default/configmaps/a%2Fb',
    '/api/v1/namespaces/default/configmaps/%zz',
    '/api/v1/namespaces/default/configmaps/%E0%A4%A',
    '/api/v1/namespaces/default/configmaps/%ff%fe',
    '/api/v1/namespaces/%zz/configmaps',
    '/api/v1/namespaces/%00/configmaps',
    '/api/v1/namespaces/default/configmaps/%00',
    '/api/v1/namespaces/default%00/configmaps',
    '//api//v1//namespaces//default//configmaps',
    '/api/v1/namespaces/default/configmaps//',
    '/api/v1//configmaps',
    '///',
    '/api/',
    '/apis/',
    '/api/v2/pods',
    '/api/v1/nope',
    '/apis/nope.example.com/v1/things',
    '/apis/apps/v9/deployments',
    '/apis/apps/v1/namespaces/default/deployments/x/unknownsub',
    '/apis/apps/v1/namespaces/default/deployments/x/scale/extra',
    '/api/v1/namespaces/default/pods/x/status/extra',
    '/api/v1/namespaces/default/pods/x/log',
    '/api/v1/namespaces/default/pods/x/exec',
    '/api/v1/namespaces/default/pods/x/binding',
    '/api/v1/namespaces/default/pods/x/eviction',
    '/api/v1/namespaces/default/configmaps/x/status',
    '/api/v1/namespaces/default/status',
    '/api/v1/namespaces/default/finalize',
    '/api/v1/namespaces/default/namespaces/x',
    '/api/v1/namespaces/default/nodes/x',
    '/api/v1/nodes/x/status',
    '/api/v1/namespaces/x/namespaces',
    '/api/v1/watch',
    '/api/v1/watch/namespaces',
    '/api/v1/watch/watch/configmaps',
    '/openapi/v3/apis/nope/v1',
    '/openapi/v3/../../etc/passwd',
    '/openapi/v2',
    '/openapi/v3/api/v1?hash=garbage',
    '/metrics',
    '/',
    '/healthz/etcd',
    '/livez/../readyz',
    '/version/extra',
    '/apis/apps',
    '/apis/apps/v1/',
    '/apis/apiregistration.k8s.io/v1',
    '/apis/apidiscovery.k8s.io/v2',
    '/api/v1/componentstatuses',
    '/api/v1/namespaces/default/configmaps/' + 'a'.repeat(rng.pick([300, 2000, 8000])),
    '/' + 'x/'.repeat(rng.pick([100, 1000, 3000])),
    '/api/v1/namespaces/' + 'n'.repeat(rng.pick([64, 300, 5000])) + '/configmaps',
    '/api/v1/namespaces/default/configmaps/%F0%9F%98%80',
    '/api/v1/namespaces/default/configmaps/%E5%90%8D%E5%89%8D',
    '/%2e%2e/%2e%2e/api/v1/pods',
    '/api/v1/namespaces/default/configmaps;x=y',
    '/api/v1/namespaces/default/configmaps#frag',
    '/api/v1/namespaces/default/configmaps/x/y/z/w',
    '/API/V1/PODS',
  ];
  const segs = ['api', 'apis', 'v1', 'namespaces', 'watch', ns, r.plural, r.group || 'apps', 'status', 'scale', 'x', '', '..', '%2e', '%', pct(randomString(rng))];
  const random = '/' + Array.from({ length: rng.range(1, 8) }, () => rng.pick(segs)).join('/');
  const base = rng.chance(0.6) ? rng.pick(fixed) : random;
  return rng.chance(0.3) ? `${base}${base.includes('?') ? '&' : '?'}${garbageQuery(rng)}` : base;
}

// ---------------------------------------------------------------------------------------------
// Patches.

export function brokenPatch(rng: Rng, kind: string): { contentType: string; body: string; note: string } {
  const jp = 'application/json-patch+json';
  const mp = 'application/merge-patch+json';
  const sp = 'application/strategic-merge-patch+json';
  const depth = rng.pick([100, 1000, 10_000]);
  const deepValue = deep(depth, '{"a":', '}');
  const podPath = kind === 'Pod' ? '/spec' : kind === 'CronJob' ? '/spec/jobTemplate/spec/template/spec' : '/spec/template/spec';
  const podPrefix = (inner: string) => {
    // Wraps a pod-spec fragment at the right depth for the kind (merge/strategic patches).
    const parts = podPath.split('/').filter(Boolean);
    return parts.reduceRight((acc, p) => `{"${p}":${acc}}`, inner);
  };
  const json = (v: unknown) => JSON.stringify(v);
  const choices: (() => { contentType: string; body: string; note: string })[] = [
    // JSON patch
    () => ({ contentType: jp, body: rng.pick(['{}', 'null', '1', '"x"', '[1,2]', '[null]', '[{}]', '[', '']), note: 'json-patch not a list of ops' }),
    () => ({ contentType: jp, body: json([{ op: rng.pick(['add', 'replace', 'bogus', '', 5, null]), path: rng.pick(['metadata/name', '', '/', '/metadata/labels/a~2b', '/metadata/labels/a~1b', '/~', `${podPath}/containers/999999/name`, `${podPath}/containers/-1`, `${podPath}/containers/-`, `${podPath}/containers/01`, '/__proto__/polluted', '/constructor/prototype/x', 5, null]), value: randomValue(rng) }]), note: 'json-patch odd op/path' }),
    () => ({ contentType: jp, body: json([{ op: 'replace', path: '', value: rng.pick([1, [], null, 'x', {}]) }]), note: 'json-patch replace the whole document' }),
    () => ({ contentType: jp, body: json([{ op: 'remove', path: rng.pick(['/metadata', '/metadata/name', '/kind', '/apiVersion', '', '/nope/deeper', `${podPath}/containers`, `${podPath}/containers/5`]) }]), note: 'json-patch remove' }),
    () => ({ contentType: jp, body: json([{ op: 'move', from: '/metadata', path: '/metadata/labels/x' }]), note: 'json-patch move into own child' }),
    () => ({ contentType: jp, body: json([{ op: 'copy', from: '/metadata', path: '/metadata/annotations/x' }]), note: 'json-patch copy object into string map' }),
    () => ({ contentType: jp, body: json([{ op: 'test', path: '/metadata/name', value: 'not-the-name' }]), note: 'json-patch failing test' }),
    () => ({ contentType: jp, body: json([{ op: 'add', path: '/metadata/labels', value: randomValue(rng) }, { op: 'add', path: '/spec/replicas', value: rng.pick(['3', -1, 1e300, null, 2 ** 53]) }]), note: 'json-patch type swaps' }),
    () => ({ contentType: jp, body: json([{ op: 'add', path: '/metadata/name', value: randomString(rng) }]), note: 'json-patch rename' }),
    () => ({ contentType: jp, body: json(Array.from({ length: rng.pick([1000, 10_000]) }, (_, i) => ({ op: 'add', path: `/metadata/annotations/a${i}`, value: 'x' }))), note: 'json-patch many ops' }),
    () => ({ contentType: jp, body: `[{"op":"add","path":"/metadata/annotations","value":${deepValue}}]`, note: `json-patch deep value ${depth}` }),
    () => ({ contentType: jp, body: json([{ op: 'add', path: '/x'.repeat(rng.pick([100, 5000])), value: 1 }]), note: 'json-patch deep path' }),
    () => ({ contentType: jp, body: json([{ op: 'add', path: '/metadata/resourceVersion', value: rng.pick(['1', 'abc', 5, '-1']) }]), note: 'json-patch resourceVersion' }),
    // merge patch
    () => ({ contentType: mp, body: rng.pick(['[]', '1', '"x"', 'null', 'true', '[{}]', '{', '']), note: 'merge patch not an object' }),
    () => ({ contentType: mp, body: json(rng.pick<unknown>([{ metadata: null }, { metadata: { name: 'other' } }, { kind: 'Other' }, { apiVersion: 5 }, { apiVersion: 'v9' }, { spec: [] }, { spec: null }, { data: { a: 5 } }, { data: [] }, { metadata: { labels: { a: 5 } } }, { metadata: { namespace: 'elsewhere' } }, { metadata: { resourceVersion: 'bogus' } }, { metadata: { resourceVersion: '1' } }, { metadata: { uid: 'x' } }, { status: 'x' }, { spec: { replicas: -5 } }, { spec: { replicas: '2' } }])), note: 'merge patch bad fields' }),
    () => ({ contentType: mp, body: `{"metadata":{"annotations":${deepValue}}}`, note: `merge patch deep ${depth}` }),
    () => ({ contentType: mp, body: `{"spec":${deepValue}}`, note: `merge patch deep spec ${depth}` }),
    // strategic merge patch
    () => ({ contentType: sp, body: json(rng.pick<unknown>([{ $patch: 'replace' }, { $patch: 'delete' }, { $patch: 'bogus' }, { $patch: 5 }, { metadata: { $patch: 'delete' } }, { metadata: { labels: { $patch: 'replace' } } }, { metadata: { labels: { $patch: 'bogus' } } }, { $retainKeys: 5 }, { $retainKeys: ['metadata'] }, { spec: { $retainKeys: [5] } }])), note: 'smp directives' }),
    () => ({ contentType: sp, body: podPrefix(json({ containers: rng.pick<unknown>([[{ $patch: 'delete' }], [{ name: 'c', $patch: 'bogus' }], [{ name: 'c', $patch: 'delete' }], { not: 'list' }, 'str', [1, 2], [null], [{ image: 'no-name' }], [{ name: 5 }], [{ name: 'c', env: [{ value: 'no-name' }] }], [{ name: 'c', ports: [{ containerPort: 'x' }] }], [{ name: 'c', ports: [{ $patch: 'delete' }] }], [{ $patch: 'replace' }], [{ name: 'c', env: { $patch: 'replace' } }]]) })), note: 'smp containers' }),
    () => ({ contentType: sp, body: podPrefix(json({ '$setElementOrder/containers': rng.pick<unknown>(['x', [1, 2], [{}], [{ name: 'zz' }], null, [{ name: 'c' }, { name: 'c' }]]), containers: [{ name: 'c', image: 'x' }] })), note: 'smp setElementOrder' }),
    () => ({ contentType: sp, body: json({ metadata: { '$deleteFromPrimitiveList/finalizers': rng.pick<unknown>([5, 'x', [{}], null, ['a']]), finalizers: rng.pick<unknown>([['a'], 'x', null]) } }), note: 'smp deleteFromPrimitiveList' }),
    () => ({ contentType: sp, body: json({ [`$${randomString(rng)}`]: randomValue(rng), metadata: { [`$setElementOrder/${randomString(rng)}`]: randomValue(rng) } }), note: 'smp random directives' }),
    () => ({ contentType: sp, body: podPrefix(`{"containers":[{"name":"c","env":[{"name":"A","value":${deepValue}}]}]}`), note: `smp deep ${depth}` }),
    () => ({ contentType: sp, body: podPrefix(json({ containers: [{ name: 'c', env: [{ name: 'A', value: 'x' }, { name: 'A', value: 'y' }] }, { name: 'c', image: 'dup' }] })), note: 'smp duplicate merge keys' }),
    () => ({ contentType: sp, body: podPrefix(json({ volumes: rng.pick<unknown>([[{ name: 'v', $patch: 'delete' }], [{ name: 'v', emptyDir: [] }], 'x']) })), note: 'smp volumes' }),
    // malformed JSON of every patch type
    () => {
      const ct = rng.pick([jp, mp, sp]);
      const valid = ct === jp ? json([{ op: 'add', path: '/metadata/labels/x', value: 'y' }]) : json({ metadata: { labels: { x: 'y' } } });
      const bad = badJsonBody(rng, valid);
      return { contentType: ct, body: bad.text.toString('latin1'), note: `patch body: ${bad.note}` };
    },
    // patch content types we do not take
    () => ({ contentType: rng.pick(['application/json', 'application/yaml', 'application/apply-patch+yaml', 'text/plain', '', 'application/merge-patch+json; charset=utf-16', 'APPLICATION/MERGE-PATCH+JSON', 'application/strategic-merge-patch+json;foo']), body: json({ metadata: { labels: { x: 'y' } } }), note: 'patch content type' }),
    // random mutations of a sensible patch
    () => {
      const ct = rng.pick([jp, mp, sp]);
      const base: J = ct === jp ? [{ op: 'add', path: '/metadata/labels/x', value: 'y' }, { op: 'replace', path: '/metadata/annotations', value: { a: 'b' } }] : { metadata: { labels: { x: 'y' }, annotations: { a: 'b' } }, spec: { replicas: 3 }, data: { k: 'v' } };
      return { contentType: ct, body: json(mutateJson(rng, base)), note: 'mutated patch' };
    },
  ];
  return rng.pick(choices)();
}

// ---------------------------------------------------------------------------------------------
// Protobuf bodies.

function writeVarint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

export function mutateProtobuf(rng: Rng, body: Buffer): { body: Buffer; note: string } {
  const b = Buffer.from(body);
  switch (rng.int(10)) {
    case 0: {
      const flips = rng.range(1, 10);
      for (let i = 0; i < flips; i++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return { body: b, note: `${flips} bit flips` };
    }
    case 1:
      return { body: b.subarray(0, rng.int(b.length)), note: 'truncated' };
    case 2: {
      const at = rng.int(b.length);
      return { body: Buffer.concat([b.subarray(0, at), rng.bytes(rng.range(1, 16)), b.subarray(at)]), note: 'inserted bytes' };
    }
    case 3: {
      // A huge length prefix at a random byte after the magic.
      const at = rng.range(4, b.length - 1);
      const len = rng.pick([0x7fffffff, 0xffffffff, 2 ** 40, 1e6]);
      return { body: Buffer.concat([b.subarray(0, at), Buffer.from(writeVarint(len)), b.subarray(at + 1)]), note: `length ${len} at ${at}` };
    }
    case 4:
      return { body: Buffer.concat([Buffer.from('k8s\0'), rng.bytes(rng.range(0, 500))]), note: 'magic + random bytes' };
    case 5:
      return { body: rng.bytes(rng.range(1, 500)), note: 'random bytes' };
    case 6:
      return { body: Buffer.from('k8s\0'), note: 'magic only' };
    case 7: {
      const at = rng.range(4, b.length - 1);
      b[at] = rng.pick([0xff, 0x80, 0x00, 0x07, 0x0f]);
      return { body: b, note: `byte ${at} set` };
    }
    case 8: {
      const at = rng.range(4, b.length - 1);
      const len = rng.range(1, Math.min(64, b.length - at));
      return { body: Buffer.concat([b, b.subarray(at, at + len)]), note: 'duplicated tail' };
    }
    default: {
      // Unterminated varint: continuation bits to the end.
      const at = rng.range(4, b.length - 1);
      return { body: Buffer.concat([b.subarray(0, at), Buffer.alloc(rng.range(1, 20), 0xff)]), note: 'unterminated varint' };
    }
  }
}
