// Each class of input an outside probe used against the server, with the outcome a user relies on:
// numbers out of range in every integer field of every kind (read from the field tables), on every
// write path; YAML bombs; malformed DeleteOptions; bad query parameters. Nothing out of range is
// stored, nothing is deleted by options that are wrong, and /readyz answers throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootType } from '../../src/registry/fields/schema.js';
import { descriptors } from '../../src/registry/index.js';
import { httpsRequest, K3tsProcess, type AdminCredentials, type HttpsResponse } from '../durability/k3ts-process.js';
import { collectionPath, objectPath, templateFor, type ResourceInfo } from './generators.js';
import { integerPaths, setAt } from './integer-fields.js';

const OUT_OF_RANGE: Record<32 | 64, number[]> = { 32: [2147483648, -2147483649, 1e10, 1e300, 1.5], 64: [2 ** 63, 1e300, 0.5] };

describe('inputs a hostile or careless client sends', { timeout: 200_000 }, () => {
  let root: string;
  let server: K3tsProcess;
  let creds: AdminCredentials;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const call = (o: { method?: string; path: string; body?: string; contentType?: string; timeoutMs?: number }): Promise<HttpsResponse> =>
    httpsRequest({
      url: `${server.url}${o.path}`,
      method: o.method,
      headers: { 'Content-Type': o.contentType ?? 'application/json', Accept: 'application/json' },
      body: o.body,
      creds,
      agent,
      timeoutMs: o.timeoutMs ?? 15_000,
    });
  const status = (r: HttpsResponse) => JSON.parse(r.body.toString()) as { kind: string; code: number; reason: string; message: string };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'k3ts-harden-'));
    server = await K3tsProcess.start({ root });
    creds = server.credentials();
  });
  after(async () => {
    agent.destroy();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  const deployments: ResourceInfo = { groupVersion: 'apps/v1', group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, verbs: [], subresources: ['scale', 'status'] };

  test('a number out of range in any integer field of any kind is refused as Go would refuse it, and never stored', async () => {
    let tried = 0;
    const accepted: string[] = [];
    for (const d of descriptors) {
      const type = rootType(d.group, d.kind);
      if (!type || d.ephemeral) continue;
      const r: ResourceInfo = { groupVersion: d.group ? `${d.group}/${d.version}` : d.version, group: d.group, version: d.version, plural: d.plural, kind: d.kind, namespaced: d.namespaced, verbs: [], subresources: [] };
      const base = templateFor(r, 'x', 'default');
      if (!base) continue;
      for (const { path, bits } of integerPaths(type)) {
        const value = OUT_OF_RANGE[bits][tried % OUT_OF_RANGE[bits].length]!;
        const obj = structuredClone(base) as Record<string, unknown>;
        setAt(obj, path, value);
        const name = `int-${tried++}`;
        (obj.metadata as Record<string, unknown>).name = name;
        const resp = await call({ method: 'POST', path: collectionPath(r, r.namespaced ? 'default' : undefined), body: JSON.stringify(obj) });
        const field = `${d.kind} ${path.join('.')}=${value}`;
        if (resp.status < 300) accepted.push(`${field}: ${resp.status}`);
        else {
          assert.equal(resp.status, 400, `${field}: ${resp.body.toString().slice(0, 300)}`);
          assert.match(status(resp).message, /cannot unmarshal number/, field);
        }
      }
    }
    assert.ok(tried > 150, `only ${tried} integer fields found`);
    assert.deepEqual(accepted, []);
  });

  test('replicas out of range through every write path leaves the Deployment as it was', async () => {
    const d = templateFor(deployments, 'replicas', 'default') as Record<string, unknown>;
    const created = await call({ method: 'POST', path: collectionPath(deployments, 'default'), body: JSON.stringify(d) });
    assert.equal(created.status, 201);
    const before = JSON.parse(created.body.toString()) as { spec: { replicas: number } };
    const path = objectPath(deployments, 'default', 'replicas');
    const writes: Array<[string, string, string, string]> = [
      ['PATCH', path, 'application/json-patch+json', '[{"op":"add","path":"/spec/replicas","value":1e300}]'],
      ['PATCH', path, 'application/merge-patch+json', '{"spec":{"replicas":2147483648}}'],
      ['PATCH', path, 'application/strategic-merge-patch+json', '{"spec":{"replicas":1e10}}'],
      ['PATCH', path, 'application/merge-patch+json', '{"spec":{"replicas":2.5}}'],
      ['PATCH', `${path}/scale`, 'application/merge-patch+json', '{"spec":{"replicas":1e300}}'],
      ['PUT', `${path}/scale`, 'application/json', '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"replicas","namespace":"default"},"spec":{"replicas":2147483648}}'],
      ['PATCH', `${path}/scale`, 'application/merge-patch+json', '{"spec":{"replicas":-1}}'],
    ];
    for (const [method, p, contentType, body] of writes) {
      const resp = await call({ method, path: p, contentType, body });
      assert.ok(resp.status === 400 || resp.status === 422, `${method} ${p} ${body}: ${resp.status} ${resp.body.toString().slice(0, 200)}`);
    }
    const stored = JSON.parse((await call({ path })).body.toString()) as { spec: { replicas: number }; metadata: { generation: number } };
    assert.equal(stored.spec.replicas, before.spec.replicas);
    assert.equal(stored.metadata.generation, 1);
  });

  test('YAML nested a million levels, alias bombs and megabytes of flat YAML are refused quickly while /readyz keeps answering', async () => {
    const bodies: Array<[string, string]> = [
      ['block nesting', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata: ${'- '.repeat(1_000_000)}x`],
      ['flow nesting', `{"apiVersion":"v1","kind":"ConfigMap","data":${'['.repeat(1_000_000)}`],
      ['alias bomb', ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n')],
      ['200,000 keys', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n${Array.from({ length: 200_000 }, (_, i) => `  k${i}: v`).join('\n')}`],
    ];
    for (const [what, body] of bodies) {
      let worstReadyMs = 0;
      let polling = true;
      const poll = (async () => {
        while (polling) {
          const t0 = performance.now();
          await httpsRequest({ url: `${server.url}/readyz`, creds, timeoutMs: 10_000 });
          worstReadyMs = Math.max(worstReadyMs, performance.now() - t0);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const t0 = performance.now();
      const resp = await call({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', contentType: 'application/yaml', body, timeoutMs: 20_000 });
      const tookMs = performance.now() - t0;
      polling = false;
      await poll;
      assert.ok(resp.status >= 400 && resp.status < 500, `${what}: ${resp.status}`);
      assert.equal(status(resp).kind, 'Status');
      assert.ok(tookMs < 3500, `${what}: answered after ${Math.round(tookMs)} ms`);
      assert.ok(worstReadyMs < 250, `${what}: /readyz took ${Math.round(worstReadyMs)} ms meanwhile`);
    }
  });

  test('DeleteOptions that are wrong in any way delete nothing', async () => {
    const bad = [
      '{"dryRun":["Nope"]}',
      '{"dryRun":"All"}',
      '{"preconditions":"s"}',
      '{"preconditions":{"uid":5}}',
      '{"kind":"Pod"}',
      '{"orphanDependents":"yes"}',
      '{"gracePeriodSeconds":-1}',
      '{"gracePeriodSeconds":1e300}',
      '{"gracePeriodSeconds":"10"}',
      '{"propagationPolicy":"Sometimes"}',
      '{"propagationPolicy":"Orphan","orphanDependents":true}',
      '[]',
      '"x"',
      '{',
    ];
    assert.equal((await call({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '{"metadata":{"name":"victim"}}' })).status, 201);
    for (const body of bad) {
      const resp = await call({ method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/victim', body });
      assert.ok(resp.status === 400 || resp.status === 422, `${body}: ${resp.status} ${resp.body.toString().slice(0, 200)}`);
      assert.equal(status(resp).kind, 'Status');
      assert.equal((await call({ path: '/api/v1/namespaces/default/configmaps/victim' })).status, 200, `deleted by ${body}`);
    }
    for (const query of ['gracePeriodSeconds=abc', 'gracePeriodSeconds=-5', 'orphanDependents=perhaps', 'dryRun=Nope', 'propagationPolicy=x']) {
      const resp = await call({ method: 'DELETE', path: `/api/v1/namespaces/default/configmaps/victim?${query}` });
      assert.ok(resp.status === 400 || resp.status === 422, `${query}: ${resp.status}`);
    }
    assert.equal((await call({ path: '/api/v1/namespaces/default/configmaps/victim' })).status, 200);
    const ok = await call({ method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/victim', body: '{"kind":"DeleteOptions","apiVersion":"apps/v1","gracePeriodSeconds":0,"propagationPolicy":"Background"}' });
    assert.equal(ok.status, 200, 'options as typed clients of another group send them are fine');
  });

  test('query parameters that are not what they name are refused, not read as something else', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/v1/namespaces/default/configmaps?watch=maybe', /watch: Invalid value: "maybe": must be true or false/],
      ['/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=abc', /timeoutSeconds: strconv\.ParseInt: parsing "abc": invalid syntax/],
      ['/api/v1/namespaces/default/configmaps?resourceVersion=abc', /resourceVersion: Invalid value: "abc"/],
      ['/api/v1/namespaces/default/configmaps?limit=ten', /limit: strconv\.ParseInt/],
      ['/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=sure', /allowWatchBookmarks: Invalid value/],
    ];
    for (const [path, message] of cases) {
      const resp = await call({ path });
      assert.equal(resp.status, 400, `${path}: ${resp.status}`);
      assert.match(status(resp).message, message);
    }
    const odd = await call({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', contentType: ';;;', body: '{"metadata":{"name":"odd-ct"}}' });
    assert.equal(odd.status, 415);
    assert.equal((await call({ path: '/api/v1/namespaces/default/configmaps/odd-ct' })).status, 404);
  });
});
