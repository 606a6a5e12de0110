// Upstream's schemas for the built-in kinds, seen through real kubectl: `kubectl explain` prints
// upstream's descriptions (from /openapi/v3, and from /openapi/v2's protobuf form with
// --output=plaintext-openapiv2), apply computes its strategic merge patches from the published patch
// extensions (a container removed from the list is removed, not kept), unknown fields fail strict
// validation with upstream's wording, and both documents answer with strong ETags and 304s.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { it } from 'node:test';
import { parse } from 'yaml';
import { describeWithKubectls, expectError, expectMatch, expectOk, type TestServer } from './harness.js';

/** One GET with the admin kubeconfig's credentials; headers included, which `kubectl get --raw` hides. */
function get(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const kc = parse(readFileSync(server.kubeconfig, 'utf8')) as { clusters: Array<{ cluster: Record<string, string> }>; users: Array<{ user: Record<string, string> }> };
  const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);
  const user = kc.users[0]!.user;
  return new Promise((res, rej) => {
    const req = request(
      `${server.url}${path}`,
      { ca: b64(kc.clusters[0]!.cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']), headers: user.token ? { ...headers, Authorization: `Bearer ${user.token}` } : headers, timeout: 10_000 },
      (resp) => {
        const chunks: Buffer[] = [];
        resp.on('data', (c: Buffer) => chunks.push(c));
        resp.on('end', () => res({ status: resp.statusCode ?? 0, headers: resp.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', rej);
    req.end();
  });
}

/** Each path with a line of upstream's description of it and a field it lists. */
const EXPLAINED: Array<[path: string, description: RegExp, field: RegExp]> = [
  ['deployment.spec.strategy', /The deployment strategy to use to replace existing pods with new ones\./, /rollingUpdate\s+<RollingUpdateDeployment>/],
  ['pod.spec.containers.resources', /Compute Resources required by this container\. Cannot be updated\./, /limits\s+<map\[string\]Quantity>/],
  ['service.spec.ports', /The list of ports that are exposed by this service\./, /port\s+<integer> -required-/],
  ['statefulset.spec.volumeClaimTemplates', /volumeClaimTemplates is a list of claims that pods are allowed to reference\./, /spec\s+<PersistentVolumeClaimSpec>/],
  ['job.spec.backoffLimit', /Specifies the number of retries before marking this job failed\./, /FIELD:\s+backoffLimit <integer>/],
  ['cronjob.spec.timeZone', /The time zone name for the given schedule/, /FIELD:\s+timeZone <string>/],
];

describeWithKubectls('OpenAPI schemas of the built-in kinds', { nsPrefix: 'oas', timeout: 120_000 }, (t) => {
  const { kc, ns } = t;

  for (const [path, description, field] of EXPLAINED) {
    it(`kubectl explain ${path} prints upstream's description`, async () => {
      const out = expectOk(await kc(['explain', path]));
      expectMatch(out, description, `explain ${path}`);
      expectMatch(out, field, `explain ${path}`);
    });
  }

  it('fields the server serves that the vendored release predates are listed, typed from the field tables', async () => {
    expectMatch(expectOk(await kc(['explain', 'pod.spec.resources'])), /FIELD:\s+resources <ResourceRequirements>/, 'explain pod.spec.resources');
    expectMatch(expectOk(await kc(['explain', 'pod.spec.volumes.image'])), /reference\s+<string>/, 'explain pod.spec.volumes.image');
  });

  it('kubectl explain --output=plaintext-openapiv2 reads the same from /openapi/v2 (protobuf)', async () => {
    const out = expectOk(await kc(['explain', 'deployment.spec.strategy', '--output=plaintext-openapiv2']));
    expectMatch(out, /The deployment strategy to use to replace existing pods with new ones\./, 'explain v2');
    expectMatch(out, /rollingUpdate\s+<Object>/, 'explain v2');
    expectMatch(expectOk(await kc(['explain', 'pods.spec', '--output=plaintext-openapiv2'])), /containers\s+<\[\]Object> -required-/, 'explain v2 pods.spec');
  });

  it('kubectl explain --recursive walks nested upstream schemas', async () => {
    const out = expectOk(await kc(['explain', 'job.spec.template.spec', '--recursive']));
    expectMatch(out, /^\s+containers\s+<\[\]Container> -required-$/m, 'explain --recursive');
    expectMatch(out, /^\s+livenessProbe\s+<Probe>$/m, 'explain --recursive');
  });

  it('apply computes patches from the published merge keys: a removed container goes, env merges by name', async () => {
    const deploy = (containers: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: two, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: two}}\n` +
      `  strategy: {type: Recreate}\n  template:\n    metadata: {labels: {app: two}}\n    spec:\n      containers: ${containers}\n`;
    const file = t.server.writeFile(`two-${ns}.yaml`, deploy('[{name: a, image: nginx:1, env: [{name: X, value: "1"}]}, {name: b, image: busybox:1}]'));
    expectOk(await kc(['apply', '-f', file]));
    // Another writer adds an env var to container a: a three-way merge by name must keep it.
    expectOk(await kc(['set', 'env', `deployment/two`, '-n', ns, '-c', 'a', 'Y=2']));
    t.server.writeFile(`two-${ns}.yaml`, deploy('[{name: a, image: nginx:2, env: [{name: X, value: "1"}]}]'));
    const r = await kc(['apply', '-f', file]);
    assert.equal(expectOk(r).trim(), 'deployment.apps/two configured');
    assert.equal(r.stderr, '', 'no warning about OpenAPI or patches');
    const got = expectOk(await kc(['get', 'deployment', 'two', '-n', ns, '-o', 'jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {.env[*].name};{end}']));
    assert.equal(got, 'a=nginx:2 X Y;');
  });

  it('apply --validate=strict of an unknown field fails with upstream wording', async () => {
    const file = t.server.writeFile(
      `unknown-${ns}.yaml`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: typo, namespace: ${ns}}\nspec:\n  replicaz: 2\n  selector: {matchLabels: {app: typo}}\n` +
        `  template:\n    metadata: {labels: {app: typo}}\n    spec: {containers: [{name: c, image: nginx, imagePullPolice: Always}]}\n`,
    );
    const err = expectError(await kc(['apply', '--validate=strict', '-f', file]), 'strict decoding error: unknown field "spec.replicaz"');
    assert.match(err, /unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolice"/);
    expectError(await kc(['get', 'deployment', 'typo', '-n', ns]), 'deployments.apps "typo" not found');
  });

  it('/openapi/v3 and /openapi/v2 answer with strong ETags, 304 on If-None-Match', async () => {
    const root = await get(t.server, '/openapi/v3');
    assert.equal(root.status, 200);
    const etag = String(root.headers.etag);
    assert.match(etag, /^"[0-9A-F]{128}"$/);
    assert.equal((await get(t.server, '/openapi/v3', { 'If-None-Match': etag })).status, 304);
    const rootPaths = (JSON.parse(root.body.toString()) as { paths: Record<string, { serverRelativeURL: string }> }).paths;
    // Exactly the group versions discovery serves.
    const core = JSON.parse((await get(t.server, '/api')).body.toString()) as { versions: string[] };
    const groups = JSON.parse((await get(t.server, '/apis')).body.toString()) as { groups: Array<{ versions: Array<{ groupVersion: string }> }> };
    const discovered = [...core.versions.map((v) => `api/${v}`), ...groups.groups.flatMap((g) => g.versions.map((v) => `apis/${v.groupVersion}`))];
    assert.deepEqual(Object.keys(rootPaths).sort(), discovered.sort());
    const url = rootPaths['apis/apps/v1']!.serverRelativeURL;
    const apps = await get(t.server, url);
    assert.equal(apps.status, 200);
    assert.equal(apps.headers['cache-control'], 'public, immutable');
    assert.equal(apps.headers.etag, `"${new URL(url, 'https://x').searchParams.get('hash')}"`);
    assert.equal((await get(t.server, url, { 'If-None-Match': String(apps.headers.etag) })).status, 304);
    const doc = JSON.parse(apps.body.toString()) as { components: { schemas: Record<string, { description?: string }> } };
    assert.match(doc.components.schemas['io.k8s.api.apps.v1.StatefulSetSpec']!.description!, /StatefulSetSpec is the specification of a StatefulSet\./);

    for (const accept of ['application/json', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf']) {
      const v2 = await get(t.server, '/openapi/v2', { Accept: accept });
      assert.equal(v2.status, 200, accept);
      const tag = String(v2.headers.etag);
      assert.match(tag, /^"[0-9A-F]{128}"$/);
      assert.equal((await get(t.server, '/openapi/v2', { Accept: accept, 'If-None-Match': tag })).status, 304, accept);
    }
  });
});
