// API fuzzing: ≥10,000 random and mutated requests from a seeded PRNG (a fixed seed unless FUZZ_SEED=<n>
// replays another run or FUZZ_SEED=random picks one; FUZZ_REQUESTS changes the count) against
// a real `bin/k3ts server`. Every answer must be < 500, every 4xx a proper Status, nothing may hang;
// afterwards the server is alive, every stored object decodes, and the SQLite file is intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { repoRoot } from '../e2e/harness.js';
import { httpsRequest, K3tsProcess, RequestTimeout, type AdminCredentials, type HttpsResponse } from '../durability/k3ts-process.js';
import { Rng, seedFromEnv } from './rng.js';
import { integerPaths, setAt } from './integer-fields.js';
import { rootType } from '../../src/registry/fields/schema.js';
import {
  badJsonBody,
  brokenPatch,
  collectionPath,
  garbageQuery,
  mutateJson,
  mutateMetadata,
  mutateProtobuf,
  objectPath,
  oddPath,
  oddYaml,
  pct,
  randomString,
  randomValue,
  templateFor,
  type FuzzRequest,
  type FuzzWorld,
  type ProtobufFixture,
  type ResourceInfo,
} from './generators.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const CONCURRENCY = 16;
const REQUEST_TIMEOUT_MS = 10_000;
const WATCH_CLOSE_MS = 150;
const BODY_LIMIT = 3 * 1024 * 1024;
const KEEP_NS = 'fuzz-keep';
const LIVE_NS = 'fuzz-live';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PURGE', 'SEARCH'];

type Json = Parameters<typeof mutateJson>[1];

// ---------------------------------------------------------------------------------------------
// The world: what the server serves, learned from discovery, plus the protobuf fixtures.

async function discover(get: (path: string) => Promise<HttpsResponse>): Promise<ResourceInfo[]> {
  const json = async (path: string) => {
    const r = await get(path);
    assert.equal(r.status, 200, `discovery ${path}: ${r.status} ${r.body.toString().slice(0, 300)}`);
    return JSON.parse(r.body.toString()) as Record<string, unknown>;
  };
  const groupVersions: string[] = [];
  const core = (await json('/api')) as { versions: string[] };
  groupVersions.push(...core.versions);
  const groups = (await json('/apis')) as { groups: { versions: { groupVersion: string }[] }[] };
  for (const g of groups.groups) for (const v of g.versions) groupVersions.push(v.groupVersion);
  const out: ResourceInfo[] = [];
  for (const gv of groupVersions) {
    const list = (await json(gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`)) as {
      resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
    };
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    for (const r of list.resources) {
      if (r.name.includes('/')) continue;
      const subresources = list.resources.filter((s) => s.name.startsWith(`${r.name}/`)).map((s) => s.name.split('/')[1]!);
      out.push({ groupVersion: gv, group: group!, version: version!, plural: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs, subresources });
    }
  }
  return out;
}

function loadFixtures(): ProtobufFixture[] {
  const dir = join(repoRoot, 'test', 'fixtures', 'protobuf');
  const meta = JSON.parse(readFileSync(join(dir, 'captured.json'), 'utf8')) as { fixtures: Record<string, { path: string; query?: string }> };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .map((f) => {
      const name = f.slice(0, -4);
      const m = meta.fixtures[name];
      return { name, path: m?.path ?? '/api/v1/namespaces/default/configmaps', query: m?.query ?? '', body: readFileSync(join(dir, f)) };
    });
}

// ---------------------------------------------------------------------------------------------
// One request from the PRNG.

const jsonHeaders = (ct = 'application/json'): Record<string, string> => ({ 'Content-Type': ct, Accept: 'application/json' });

function withNamespace(path: string, rng: Rng, world: FuzzWorld): string {
  return path.replace(/\/namespaces\/[^/]+\//, `/namespaces/${rng.pick(world.namespaces)}/`);
}

function targetName(rng: Rng, r: ResourceInfo, i: number): string {
  return rng.weighted<string>([
    [4, `fz-${rng.int(i + 1)}`],
    [3, `seed-${r.kind.toLowerCase()}`],
    [2, `keep-${r.kind.toLowerCase()}`],
    [1, randomString(rng)],
  ]);
}

function pickResource(rng: Rng, world: FuzzWorld, withTemplate = false): ResourceInfo {
  const pool = withTemplate ? world.resources.filter((r) => templateFor(r, 'x', 'x') !== undefined) : world.resources;
  return rng.pick(pool);
}

function nsFor(rng: Rng, r: ResourceInfo, world: FuzzWorld): string {
  return r.namespaced ? rng.pick(world.namespaces) : '';
}

function generate(rng: Rng, world: FuzzWorld, i: number): FuzzRequest {
  const category = rng.weighted<string>([
    [12, 'bad-json'],
    [6, 'wrong-kind'],
    [14, 'mutated-object'],
    [6, 'bad-metadata'],
    [8, 'odd-path'],
    [10, 'bad-list-query'],
    [4, 'watch-garbage'],
    [10, 'any-method'],
    [14, 'broken-patch'],
    [8, 'protobuf'],
    [5, 'content-type-mismatch'],
    [3, 'odd-yaml'],
    [3, 'delete-options'],
    [4, 'int-range'],
    [3, 'subresource'],
    [2, 'accept-header'],
    [0.5, 'huge-body'],
    [1, 'auth'],
  ]);
  const r = pickResource(rng, world, ['bad-json', 'wrong-kind', 'mutated-object', 'bad-metadata', 'content-type-mismatch'].includes(category));
  const ns = nsFor(rng, r, world);
  const name = `fz-${i}`;
  const valid = templateFor(r, name, ns || 'default');
  const validText = JSON.stringify(valid ?? { apiVersion: r.groupVersion, kind: r.kind, metadata: { name } });
  const create = (): [string, string] => (rng.chance(0.8) ? ['POST', collectionPath(r, ns || undefined)] : ['PUT', objectPath(r, ns, name)]);

  switch (category) {
    case 'bad-json': {
      const bad = badJsonBody(rng, validText);
      const [method, path] = create();
      return { category: `${category}: ${bad.note}`, method, path, headers: jsonHeaders(), body: bad.text };
    }
    case 'wrong-kind': {
      const other = pickResource(rng, world, true);
      const body = (templateFor(other, name, ns || 'default') ?? {}) as Record<string, Json>;
      const variant = rng.int(6);
      if (variant === 1) body.apiVersion = rng.pick<Json>(['v2', 'apps/v1', 'nope.example.com/v1', '', 5, null, '/', 'apps/', '/v1', 'v1/v1/v1']);
      if (variant === 2) body.kind = rng.pick<Json>(['Status', 'List', `${r.kind}List`, '', 5, null, r.kind.toLowerCase(), 'DeleteOptions', 'Table']);
      if (variant === 3) delete body.kind;
      if (variant === 4) delete body.apiVersion;
      if (variant === 5) Object.assign(body, { kind: 'List', apiVersion: 'v1', items: [valid ?? {}, JSON.parse(JSON.stringify(body)) as Json] });
      const [method, path] = create();
      return { category: `${category}: ${other.kind} (${variant}) to ${r.plural}`, method, path, headers: jsonHeaders(), body: Buffer.from(JSON.stringify(body)) };
    }
    case 'mutated-object':
    case 'bad-metadata': {
      const obj = category === 'bad-metadata' ? mutateMetadata(rng, valid!) : mutateJson(rng, valid!);
      const [method, path] = create();
      const target = method === 'PUT' && rng.chance(0.5) ? objectPath(r, ns, targetName(rng, r, i)) : path;
      return { category, method, path: target, headers: jsonHeaders(), body: Buffer.from(JSON.stringify(obj)) };
    }
    case 'odd-path': {
      const method = rng.chance(0.7) ? 'GET' : rng.pick(METHODS);
      const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? Buffer.from(validText) : undefined;
      const ct = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      return { category, method, path: oddPath(rng, world), headers: jsonHeaders(ct), body };
    }
    case 'bad-list-query': {
      const allNs = r.namespaced && rng.chance(0.2);
      const base = allNs ? collectionPath(r) : collectionPath(r, ns || undefined);
      const single = rng.chance(0.15);
      const path = single ? objectPath(r, ns, targetName(rng, r, i)) : base;
      const accept = rng.chance(0.2) ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : rng.chance(0.1) ? 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' : 'application/json';
      return { category, method: 'GET', path: `${path}?${garbageQuery(rng)}`, headers: { Accept: accept } };
    }
    case 'watch-garbage': {
      const byPrefix = rng.chance(0.3);
      const base = collectionPath(r, ns || undefined);
      const path = byPrefix ? base.replace(/^(\/api\/v1|\/apis\/[^/]+\/[^/]+)/, '$1/watch') + (rng.chance(0.3) ? `/${pct(targetName(rng, r, i))}` : '') : base;
      const q = [byPrefix ? '' : `watch=${rng.pick(['1', 'true'])}`, garbageQuery(rng)].filter(Boolean).join('&');
      const accept = rng.chance(0.15) ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json';
      return { category, method: rng.chance(0.9) ? 'GET' : 'HEAD', path: `${path}?${q}`, headers: { Accept: accept } };
    }
    case 'any-method': {
      const method = rng.pick(METHODS);
      const paths = [
        collectionPath(r, ns || undefined),
        objectPath(r, ns, targetName(rng, r, i)),
        `${objectPath(r, ns, targetName(rng, r, i))}/${rng.pick(['status', 'scale', 'binding', 'eviction', 'log', 'x'])}`,
        rng.pick(['/api', '/apis', '/api/v1', '/apis/apps/v1', '/version', '/healthz', '/readyz', '/livez', '/openapi/v3', '/openapi/v3/api/v1', '/apis/apps', '/']),
      ];
      const path = rng.pick(paths);
      const withBody = rng.chance(method === 'GET' || method === 'HEAD' || method === 'DELETE' ? 0.2 : 0.8);
      const ct = rng.pick(['application/json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/yaml']);
      const body = withBody ? (ct === 'application/json-patch+json' ? Buffer.from('[{"op":"add","path":"/metadata/labels/z","value":"1"}]') : Buffer.from(validText)) : undefined;
      return { category: `${category}: ${method}`, method, path: rng.chance(0.15) ? `${path}?${garbageQuery(rng)}` : path, headers: jsonHeaders(ct), body };
    }
    case 'broken-patch': {
      const target = pickResource(rng, world, true);
      const patch = brokenPatch(rng, target.kind);
      const pns = target.namespaced ? (rng.chance(0.8) ? KEEP_NS : rng.pick(world.namespaces)) : '';
      const tname = rng.chance(0.85) ? `keep-${target.kind.toLowerCase()}` : targetName(rng, target, i);
      const sub = rng.chance(0.1) ? `/${rng.pick(target.subresources.length ? target.subresources : ['status'])}` : '';
      const dry = rng.chance(0.2) ? '?dryRun=All' : '';
      return {
        category: `${category}: ${patch.note}`,
        method: 'PATCH',
        path: `${objectPath(target, pns, tname)}${sub}${dry}`,
        headers: { 'Content-Type': patch.contentType, Accept: 'application/json' },
        body: Buffer.from(patch.body, 'latin1'),
      };
    }
    case 'protobuf': {
      const fx = rng.pick(world.fixtures);
      const m = rng.chance(0.85) ? mutateProtobuf(rng, fx.body) : { body: fx.body, note: 'unmodified' };
      let path = fx.path;
      const where = rng.int(4);
      if (where === 1) path = withNamespace(path, rng, world);
      if (where === 2) path = collectionPath(pickResource(rng, world), ns || undefined);
      const method = rng.chance(0.85) ? 'POST' : 'PUT';
      if (method === 'PUT') path = `${path}/${pct(targetName(rng, r, i))}`;
      const ct = rng.pick(['application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf', 'application/vnd.kubernetes.protobuf;stream=watch', 'application/json', 'application/yaml']);
      return { category: `${category}: ${fx.name} ${m.note}${ct.endsWith('protobuf') ? '' : ` as ${ct}`}`, method, path: `${path}${fx.query}`, headers: { 'Content-Type': ct, Accept: 'application/json, */*' }, body: m.body };
    }
    case 'content-type-mismatch': {
      const ct = rng.pick([
        'application/vnd.kubernetes.protobuf',
        'text/plain',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json-patch+json',
        'application/merge-patch+json',
        'multipart/form-data; boundary=x',
        '*/*',
        'application/json, application/yaml',
        `application/${'x'.repeat(2000)}`,
        ';;;',
        'application/x-www-form-urlencoded',
        'APPLICATION/JSON',
        'application/yaml',
        'text/yaml',
        'application/cbor',
        'application/apply-patch+yaml',
      ]);
      const body = rng.chance(0.7) ? Buffer.from(validText) : rng.chance(0.5) ? Buffer.from(validText, 'utf16le') : Buffer.from(`a=${pct(validText)}`);
      const [method, path] = create();
      return { category: `${category}: ${ct.slice(0, 60)}`, method, path, headers: { 'Content-Type': ct }, body };
    }
    case 'odd-yaml': {
      const cm = world.resources.find((x) => x.kind === 'ConfigMap' && x.group === '')!;
      const body = oddYaml(rng, name);
      return { category: `${category}: ${body.split('\n')[0]!.slice(0, 50)}`, method: 'POST', path: collectionPath(cm, rng.pick(world.namespaces)), headers: jsonHeaders(rng.pick(['application/yaml', 'application/x-yaml', 'text/yaml'])), body: Buffer.from(body) };
    }
    case 'int-range': {
      // A number no Go integer holds, in a random integer field of the kind (from the field tables).
      const type = rootType(r.group, r.kind);
      const paths = type && valid ? integerPaths(type) : [];
      if (paths.length === 0) return { category: 'int-range: none', method: 'GET', path: collectionPath(r, ns || undefined), headers: jsonHeaders() };
      const { path: field, bits } = rng.pick(paths);
      const obj = structuredClone(valid) as Record<string, unknown>;
      setAt(obj, field, rng.pick(bits === 32 ? [2147483648, -2147483649, 1e10, 1e300, 0.5] : [2 ** 63, -(2 ** 64), 1e300, 0.5]));
      const [method, path] = create();
      return { category: `int-range: ${r.kind} ${field.join('.')}`, method, path, headers: jsonHeaders(), body: Buffer.from(JSON.stringify(obj)), mustFail: true };
    }
    case 'delete-options': {
      const dns = rng.pick(world.namespaces.filter((n) => n !== KEEP_NS));
      const collection = rng.chance(0.2);
      const dname = rng.chance(0.5) ? `fz-${rng.int(i + 1)}` : `seed-${r.kind.toLowerCase()}`;
      const path = collection ? `${collectionPath(r, r.namespaced ? dns : undefined)}?labelSelector=${pct('fuzz-doomed=yes')}` : objectPath(r, dns, dname);
      const body = rng.pick<string>([
        '{"gracePeriodSeconds":"x"}',
        '{"gracePeriodSeconds":-1}',
        '{"gracePeriodSeconds":1e300}',
        '{"preconditions":{"uid":"x"}}',
        '{"preconditions":{"resourceVersion":5}}',
        '{"preconditions":{"resourceVersion":"abc"}}',
        '{"preconditions":"str"}',
        '{"preconditions":[]}',
        '{"propagationPolicy":5}',
        '{"propagationPolicy":"Foreground"}',
        '{"orphanDependents":"yes"}',
        '{"dryRun":"All"}',
        '{"dryRun":["Nope"]}',
        '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0}',
        '[]',
        'null',
        '{',
        '"x"',
        JSON.stringify(randomValue(rng)),
      ]);
      const q = rng.chance(0.3) ? `${path.includes('?') ? '&' : '?'}${garbageQuery(rng)}` : '';
      return { category, method: 'DELETE', path: `${path}${q}`, headers: jsonHeaders(), body: Buffer.from(body) };
    }
    case 'subresource': {
      const pod = world.resources.find((x) => x.kind === 'Pod' && x.group === '');
      const withScale = world.resources.filter((x) => x.subresources.includes('scale'));
      const kind = rng.int(4);
      if (kind === 0 && withScale.length) {
        const t = rng.pick(withScale);
        const body = mutateJson(rng, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: `keep-${t.kind.toLowerCase()}`, namespace: KEEP_NS }, spec: { replicas: 3 } });
        return { category: `${category}: scale`, method: rng.pick(['PUT', 'PATCH', 'GET']), path: `${objectPath(t, KEEP_NS, `keep-${t.kind.toLowerCase()}`)}/scale`, headers: jsonHeaders(rng.pick(['application/json', 'application/merge-patch+json'])), body: Buffer.from(JSON.stringify(body)) };
      }
      if (kind === 1 && pod) {
        const body = mutateJson(rng, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'seed-pod' }, target: { apiVersion: 'v1', kind: 'Node', name: 'keep-node' } });
        return { category: `${category}: binding`, method: 'POST', path: `${objectPath(pod, rng.pick([LIVE_NS, 'default', 'no-such-ns']), rng.pick(['seed-pod', `fz-${rng.int(i + 1)}`]))}/binding`, headers: jsonHeaders(), body: Buffer.from(JSON.stringify(body)) };
      }
      if (kind === 2 && pod) {
        const body = mutateJson(rng, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'seed-pod' }, deleteOptions: { gracePeriodSeconds: 0 } });
        return { category: `${category}: eviction`, method: 'POST', path: `${objectPath(pod, rng.pick([LIVE_NS, 'default', 'no-such-ns']), rng.pick(['seed-pod', `fz-${rng.int(i + 1)}`]))}/eviction`, headers: jsonHeaders(), body: Buffer.from(JSON.stringify(body)) };
      }
      const t = pickResource(rng, world, true);
      const obj = mutateJson(rng, templateFor(t, `keep-${t.kind.toLowerCase()}`, KEEP_NS)!);
      return { category: `${category}: status`, method: 'PUT', path: `${objectPath(t, t.namespaced ? KEEP_NS : '', `keep-${t.kind.toLowerCase()}`)}/status`, headers: jsonHeaders(), body: Buffer.from(JSON.stringify(obj)) };
    }
    case 'accept-header': {
      const accept = rng.pick([
        'text/html',
        'application/json;as=Table;g=meta.k8s.io;v=v9',
        'application/json;as=Nope;g=meta.k8s.io;v=v1',
        'application/json;as=Table;g=meta.k8s.io;v=v1beta1',
        'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
        'application/yaml',
        ';;;',
        ',',
        'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io',
        'application/json;q=0, text/plain',
        `application/${'x'.repeat(3000)}`,
        'application/apidiscovery+json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
        'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
        '*/*;q=garbage',
      ]);
      const path = rng.pick([collectionPath(r, ns || undefined), objectPath(r, ns, targetName(rng, r, i)), '/api', '/apis', '/api/v1', '/version']);
      return { category: `${category}: ${accept.slice(0, 60)}`, method: 'GET', path, headers: { Accept: accept } };
    }
    case 'huge-body': {
      const size = rng.pick([BODY_LIMIT - 64 * 1024, BODY_LIMIT + 1, BODY_LIMIT + 512 * 1024, 4 * 1024 * 1024]);
      const cm = world.resources.find((x) => x.kind === 'ConfigMap' && x.group === '')!;
      const head = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"data":{"big":"`;
      const tailText = '"}}';
      const body = Buffer.alloc(size, 'x');
      body.write(head, 0);
      body.write(tailText, size - tailText.length);
      const chunked = rng.chance(0.4);
      const ct = rng.pick(['application/json', 'application/yaml', 'application/merge-patch+json']);
      const patch = ct === 'application/merge-patch+json';
      return {
        category: `${category}: ${size} bytes${chunked ? ' chunked' : ''}${patch ? ' patch' : ''}`,
        method: patch ? 'PATCH' : 'POST',
        path: patch ? objectPath(cm, KEEP_NS, 'keep-configmap') : collectionPath(cm, rng.pick([LIVE_NS, 'default'])),
        headers: jsonHeaders(ct),
        body,
        chunked,
      };
    }
    default: {
      // Auth oddities: no client certificate, or garbage credentials on top of it.
      const anonymous = rng.chance(0.5);
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (rng.chance(0.7)) headers.Authorization = rng.pick(['Bearer ', 'Bearer x', `Bearer ${'x'.repeat(5000)}`, 'Basic Zm9vOmJhcg==', 'Basic !!!', 'Negotiate x', 'bearer', '']);
      if (rng.chance(0.3)) headers['Impersonate-User'] = rng.pick(['system:admin', '', 'x']);
      const path = rng.pick([collectionPath(r, ns || undefined), '/readyz', '/healthz', '/version', '/api', '/openapi/v3', objectPath(r, ns, targetName(rng, r, i))]);
      return { category: `auth${anonymous ? ' (no client cert)' : ''}`, method: rng.pick(['GET', 'GET', 'POST', 'DELETE']), path, headers, anonymous };
    }
  }
}

/** The `keep-*` objects must survive so patches have something to hit; namespaces and nodes too. */
function spareKeepers(req: FuzzRequest): FuzzRequest {
  const destructive = req.method === 'DELETE' || /\/eviction(\?|$)/.test(req.path);
  if (!destructive) return req;
  let decoded = req.path;
  try {
    decoded = decodeURIComponent(req.path);
  } catch {
    // keep the raw path
  }
  const hitsKeeper = /keep/i.test(decoded);
  const wholeClusterCollection = /^\/+api\/+v1\/+(namespaces|nodes)\/*(\?|$)/.test(decoded);
  if (!hitsKeeper && !wholeClusterCollection) return req;
  return { ...req, method: 'GET', category: `${req.category} (spared: GET)` };
}

// ---------------------------------------------------------------------------------------------
// Checking one answer.

interface Finding {
  method: string;
  path: string;
  /** The Status message of the answer, if it had one. */
  message?: string;
  kind: '5xx' | 'bad-status-body' | 'bad-json-answer' | 'hang' | 'no-response' | 'unexpected-status' | 'oversized-headers' | 'accepted-invalid';
  index: number;
  request: string;
  response: string;
}

function summarize(req: FuzzRequest, index: number): string {
  const body = req.body;
  let preview = '';
  if (body) {
    const text = body.subarray(0, 300).toString('utf8');
    preview = /[\x00-\x08\x0e-\x1f\ufffd]/.test(text) ? `hex:${body.subarray(0, 120).toString('hex')}` : JSON.stringify(text);
  }
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${String(v).slice(0, 120)}`)
    .join('; ');
  return `#${index} [${req.category}] ${req.method} ${req.path.length > 400 ? `${req.path.slice(0, 400)}…(${req.path.length} chars)` : req.path}${req.anonymous ? ' (no client cert)' : ''}${req.chunked ? ' (chunked)' : ''}\n      headers: ${headers}\n      body (${body?.length ?? 0} bytes): ${preview}`;
}

function describeAnswer(r: HttpsResponse): string {
  let big = '';
  if (r.headerBytes > MAX_RESPONSE_HEADER_BYTES) {
    const sizes = new Map<string, number>();
    for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) sizes.set(r.rawHeaders[i]!, (sizes.get(r.rawHeaders[i]!) ?? 0) + Buffer.byteLength(r.rawHeaders[i + 1]!));
    big = `(${r.headerBytes} bytes of response headers: ${[...sizes].filter(([, n]) => n > 1024).map(([h, n]) => `${h} ${n} bytes, starting ${JSON.stringify(r.headers[h.toLowerCase()]?.toString().slice(0, 120))}`).join('; ')}) `;
  }
  return `${big}${r.status} ${String(r.headers['content-type'] ?? '')} ${r.body.subarray(0, 600).toString('utf8')}`;
}

/** Node clients refuse more response header bytes than this by default (upstream caps warnings at 4 KiB). */
const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;

function checkAnswer(req: FuzzRequest, r: HttpsResponse): Finding['kind'] | undefined {
  if (r.status >= 500) return '5xx';
  if (req.mustFail && r.status < 400) return 'accepted-invalid';
  if (r.headerBytes > MAX_RESPONSE_HEADER_BYTES) return 'oversized-headers';
  const redirect = [301, 302, 307, 308].includes(r.status) && typeof r.headers.location === 'string';
  if (r.status < 200 || (r.status >= 300 && r.status < 400 && r.status !== 304 && !redirect)) return 'unexpected-status';
  if (r.status >= 400 && req.method !== 'HEAD') {
    try {
      const s = JSON.parse(r.body.toString('utf8')) as { kind?: unknown; reason?: unknown; code?: unknown; apiVersion?: unknown; status?: unknown };
      if (s.kind !== 'Status' || s.apiVersion !== 'v1' || typeof s.reason !== 'string' || s.reason === '' || s.code !== r.status || s.status !== 'Failure') return 'bad-status-body';
    } catch {
      return 'bad-status-body';
    }
  }
  if (r.status < 300 && req.method !== 'HEAD' && !r.stream && /^application\/json/.test(String(r.headers['content-type'] ?? ''))) {
    try {
      JSON.parse(r.body.toString('utf8'));
    } catch {
      return 'bad-json-answer';
    }
  }
  return undefined;
}

/** Where each internal error was thrown, from the server's log: "METHOD url" → [message, first frames in src/]. */
function internalErrorFrames(log: string): Map<string, { message: string; at: string }[]> {
  const out = new Map<string, { message: string; at: string }[]>();
  for (const entry of log.split(/\n(?=\d{4}-\d\d-\d\dT)/)) {
    const m = /internal error on (\S+) (\S*): (?:\w*Error(?: \[\w+\])?: )?([^\n]*)\n([\s\S]*)/.exec(entry);
    if (!m) continue;
    const at = m[4]!.split('\n').filter((l) => l.includes('/src/')).slice(0, 3).map((l) => l.trim().replace(/^at /, '').replace(/file:\/\/\S*?\/dist\//, '')).join(' ← ');
    const key = `${m[1]} ${m[2]}`;
    out.set(key, [...(out.get(key) ?? []), { message: m[3]!, at }]);
  }
  return out;
}

function statusMessage(f: Finding): string | undefined {
  return f.message;
}

function messageOf(body: Buffer): string | undefined {
  try {
    const m = (JSON.parse(body.toString('utf8')) as { message?: unknown }).message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** One line per distinct failure: volatile parts (quoted values, numbers) folded so alike answers group. */
function groupKey(f: Finding, where: string): string {
  const msg = f.kind === 'oversized-headers' ? f.response.slice(0, f.response.indexOf(')') + 1) : statusMessage(f) ?? f.response;
  return `${f.kind}: ${msg.replace(/'[^']*'|"[^"]*"/g, '…').replace(/\d+/g, 'N').slice(0, 200)}${where ? `\n      thrown at: ${where}` : ''}`;
}

function report(findings: Finding[], frames: Map<string, { message: string; at: string }[]>): string {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const msg = (statusMessage(f) ?? '').replace(/^Internal error occurred: /, '');
    const logged = frames.get(`${f.method} ${f.path}`);
    // A HEAD answer has no body to name the error: take what the log says for that request.
    const where = f.kind === '5xx' ? (msg ? logged?.find((e) => e.message === msg) : logged?.[0])?.at ?? '' : '';
    const key = groupKey(f, where);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups]
    .sort(([, a], [, b]) => b.length - a.length)
    .map(([key, of]) => `${of.length} × ${key}\n  e.g. ${of[0]!.request}\n      → ${of[0]!.response.replace(/\n/g, ' ')}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------

test('API fuzz: malformed and mutated requests never yield 5xx, bad Status bodies or hangs, and leave the store intact', { timeout: 170_000 }, async (t) => {
  const { seed, origin } = seedFromEnv();
  const how = origin === 'default' ? 'the fixed default; FUZZ_SEED=random for a new one' : origin === 'random' ? 'FUZZ_SEED=random' : 'from FUZZ_SEED';
  console.log(`# fuzz seed: ${seed} (${how}; replay with FUZZ_SEED=${seed})`);
  t.diagnostic(`fuzz seed: ${seed}`);
  const rng = new Rng(seed);
  const root = mkdtempSync(join(tmpdir(), 'k3ts-fuzz-'));
  let server: K3tsProcess | undefined;
  t.after(async () => {
    if (server?.alive) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });
  server = await K3tsProcess.start({ root });
  const creds: AdminCredentials = server.credentials();
  const anonymousCreds: AdminCredentials = { ca: creds.ca, cert: '', key: '' };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const call = (o: { method?: string; path: string; body?: Buffer | string; headers?: Record<string, string | number>; timeoutMs?: number }) =>
    httpsRequest({ url: `${server!.url}${o.path}`, method: o.method, headers: o.headers, body: o.body, creds, agent, timeoutMs: o.timeoutMs ?? REQUEST_TIMEOUT_MS });

  // Setup: namespaces and one object per kind to patch (keep-*) and to hit with anything (seed-*).
  const setupProblems: string[] = [];
  for (const nsName of [LIVE_NS, KEEP_NS]) {
    const r = await call({ method: 'POST', path: '/api/v1/namespaces', headers: jsonHeaders(), body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName } }) });
    assert.equal(r.status, 201, `create namespace ${nsName}: ${describeAnswer(r)}`);
  }
  const resources = await discover((path) => call({ path }));
  assert.ok(resources.length > 5, `discovery lists only ${resources.length} resources`);
  for (const r of resources) {
    const lower = r.kind.toLowerCase();
    if (!r.verbs.includes('create') || r.kind === 'Namespace') continue;
    const targets: [string, string][] = r.namespaced ? [[KEEP_NS, `keep-${lower}`], ['default', `seed-${lower}`], [LIVE_NS, `seed-${lower}`]] : [['', `keep-${lower}`], ['', `seed-${lower}`]];
    for (const [tns, tname] of targets) {
      const obj = templateFor(r, tname, tns || 'default');
      if (!obj) continue;
      const resp = await call({ method: 'POST', path: collectionPath(r, tns || undefined), headers: jsonHeaders(), body: JSON.stringify(obj) });
      if (resp.status !== 201) setupProblems.push(`${r.groupVersion} ${r.plural} ${tns}/${tname}: ${describeAnswer(resp)}`);
    }
  }
  if (setupProblems.length) t.diagnostic(`setup objects not created (template problem or server bug):\n  ${setupProblems.join('\n  ')}`);
  for (const p of setupProblems) assert.ok(!/^\S+ \S+ \S+: 5\d\d/.test(p), `setup create failed with 5xx: ${p}`);

  const world: FuzzWorld = {
    resources,
    namespaces: ['default', LIVE_NS, KEEP_NS, 'kube-system', 'no-such-ns', 'Bad_NS', 'n'.repeat(70)],
    keepNamespace: KEEP_NS,
    fixtures: loadFixtures(),
  };
  assert.ok(world.fixtures.length > 0, 'no protobuf fixtures found');

  // The fuzz run.
  const histogram = new Map<string, number>();
  const byCategory = new Map<string, Map<string, number>>();
  const findings: Finding[] = [];
  let nextIndex = 0;
  const started = Date.now();
  const worker = async () => {
    for (;;) {
      const index = nextIndex++;
      if (index >= REQUESTS) return;
      const req = spareKeepers(generate(rng, world, index));
      const isWatch = /[?&]watch=(1|true)(&|$)/.test(req.path) || /\/watch\//.test(req.path);
      let outcome: string;
      // A HEAD answer has no body, so the client reuses its connection at once: it gets a connection of
      // its own and a follow-up request on it, so a HEAD the server never finishes is blamed on itself.
      const headAgent = req.method === 'HEAD' ? new Agent({ keepAlive: true, maxSockets: 1 }) : undefined;
      try {
        const r = await httpsRequest({
          url: `${server!.url}${req.path}`,
          method: req.method,
          headers: req.headers,
          body: req.body,
          chunked: req.chunked,
          creds: req.anonymous ? anonymousCreds : creds,
          agent: headAgent ?? agent,
          timeoutMs: REQUEST_TIMEOUT_MS,
          closeStreamsAfterMs: WATCH_CLOSE_MS,
          maxBytes: isWatch ? 256 * 1024 : undefined,
          maxHeaderSize: 4 * 1024 * 1024,
        });
        outcome = String(r.status);
        const problem = checkAnswer(req, r);
        if (problem) findings.push({ method: req.method, path: req.path, message: messageOf(r.body), kind: problem, index, request: summarize(req, index), response: describeAnswer(r) });
        if (headAgent) {
          try {
            await httpsRequest({ url: `${server!.url}/version`, creds: req.anonymous ? anonymousCreds : creds, agent: headAgent, timeoutMs: 3000 });
          } catch (err) {
            findings.push({ method: req.method, path: req.path, kind: 'hang', index, request: summarize(req, index), response: `HEAD answered ${r.status}, but the next request on the same keep-alive connection (GET /version) got no answer: ${(err as Error).message}` });
          }
        }
      } catch (err) {
        const timeout = err instanceof RequestTimeout;
        outcome = timeout ? 'timeout' : `error:${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        const head = req.path.length + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0);
        const why = head > 16 * 1024 ? ' (request line + headers over 16 KiB: the connection was dropped instead of answered, e.g. 431/414)' : '';
        findings.push({ method: req.method, path: req.path, kind: timeout ? 'hang' : 'no-response', index, request: summarize(req, index), response: `${(err as Error).message}${why}` });
      }
      headAgent?.destroy();
      histogram.set(outcome, (histogram.get(outcome) ?? 0) + 1);
      const cat = req.category.split(':')[0]!;
      const m = byCategory.get(cat) ?? new Map<string, number>();
      m.set(outcome, (m.get(outcome) ?? 0) + 1);
      byCategory.set(cat, m);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = Date.now() - started;
  agent.destroy();

  const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}:${v}`).join(' ');
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  console.log(`# fuzz: ${total} requests in ${elapsed} ms (seed ${seed}); status histogram: ${sorted(histogram)}`);
  for (const [cat, m] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) console.log(`#   ${cat}: ${sorted(m)}`);

  // After the storm: alive, ready, every resource lists, every stored object decodes.
  const postProblems: string[] = [];
  const postAgent = new Agent({ keepAlive: true, maxSockets: 4 });
  const post = (path: string) => httpsRequest({ url: `${server!.url}${path}`, creds, agent: postAgent, timeoutMs: 30_000 });
  try {
    assert.ok(server.alive, `the server died during the fuzz run:\n${server.log}`);
    const ready = await post('/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.toString(), 'ok');
    const after = await discover(post);
    let objects = 0;
    for (const r of after) {
      if (!r.verbs.includes('list')) continue;
      const resp = await post(collectionPath(r));
      if (resp.status !== 200) {
        postProblems.push(`LIST ${collectionPath(r)}: ${describeAnswer(resp)}`);
        continue;
      }
      let list: { kind?: string; items?: { apiVersion?: string; kind?: string; metadata?: { name?: unknown } }[] };
      try {
        list = JSON.parse(resp.body.toString('utf8'));
      } catch (err) {
        postProblems.push(`LIST ${collectionPath(r)} does not decode: ${(err as Error).message}`);
        continue;
      }
      if (list.kind !== `${r.kind}List` || !Array.isArray(list.items)) postProblems.push(`LIST ${collectionPath(r)}: kind ${list.kind}, items ${typeof list.items}`);
      for (const item of list.items ?? []) {
        objects++;
        const itemName = item.metadata?.name;
        if (typeof itemName !== 'string' || itemName === '' || item.apiVersion !== r.groupVersion || item.kind !== r.kind) {
          postProblems.push(`LIST ${collectionPath(r)}: corrupt item ${JSON.stringify(item).slice(0, 300)}`);
        }
      }
    }
    t.diagnostic(`after the fuzz run: ${objects} stored objects listed across ${after.length} resources`);
  } finally {
    postAgent.destroy();
  }

  // Stop with SIGTERM, then check the file.
  const stopped = await server.stop();
  assert.equal(stopped.forced, false, `the server ignored SIGTERM:\n${server.log.slice(-3000)}`);
  assert.equal(stopped.code, 0, `the server exited ${stopped.code ?? stopped.signal} on SIGTERM`);
  const db = new Database(join(server.dataDir, 'server', 'db', 'state.db'), { readonly: true, fileMustExist: true });
  try {
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    const rows = db.prepare('SELECT k.name, k.value FROM kv_log k WHERE k.deleted = 0 AND k.id = (SELECT MAX(m.id) FROM kv_log m WHERE m.name = k.name)').all() as { name: string; value: string }[];
    for (const row of rows) {
      if (!row.name.startsWith('/registry/')) continue;
      try {
        const obj = JSON.parse(row.value) as { metadata?: { name?: unknown } };
        const keyName = row.name.slice(row.name.lastIndexOf('/') + 1);
        if (obj.metadata?.name !== keyName) postProblems.push(`row ${row.name}: metadata.name ${JSON.stringify(obj.metadata?.name)}`);
      } catch (err) {
        postProblems.push(`row ${row.name} does not decode: ${(err as Error).message}`);
      }
    }
  } finally {
    db.close();
  }

  // Report: every distinct failure once, with an example request and where the server threw.
  const text = report(findings, internalErrorFrames(server.log));
  assert.ok(total >= REQUESTS, `only ${total} requests were sent`);
  assert.deepEqual(postProblems, [], 'the store is not intact after the fuzz run');
  assert.equal(findings.length, 0, `seed ${seed}: ${findings.length} bad answers\n${text}`);
});
