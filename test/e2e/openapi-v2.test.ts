// /openapi/v2 against real clients: kubectl 1.27 validates apply/create only through it (gnostic
// protobuf), and `kubectl get --raw` reads the JSON form. Newer kubectl read it too, for patch
// metadata, and must keep computing patches without warnings.
import assert from 'node:assert/strict';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expectError, expectOk, kubectls, TestServer } from './harness.js';

/** kubectl 1.27 sits beside the gcloud dispatcher that the harness finds on PATH. */
function kubectl127(): { bin?: string; skip?: string } {
  let dir = '/usr/lib/google-cloud-sdk/bin';
  try {
    dir = dirname(realpathSync(kubectls[0]!.bin));
  } catch {
    // no dispatcher: look in the usual place
  }
  const bin = join(dir, 'kubectl.1.27');
  if (existsSync(bin)) return { bin };
  const why = `no kubectl 1.27 at ${bin} (it comes with the Google Cloud SDK kubectl packages)`;
  if (process.env.CI) throw new Error(why);
  console.log(`skipping: ${why}`);
  return { skip: why };
}

const configMap = (ns: string, data: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v2\n  namespace: ${ns}\ndata: ${data}\n${extra}`;

describe('/openapi/v2', { timeout: 90_000 }, () => {
  let server: TestServer;
  const { bin, skip } = kubectl127();
  before(async () => {
    server = await TestServer.start();
  });
  after(async () => server?.stop());

  it('kubectl 1.27: apply and create validate on the server through /openapi/v2', { skip }, async () => {
    const kc = (args: string[]) => server.kubectl(args, { bin });
    expectOk(await kc(['create', 'namespace', 'old']));
    const file = server.writeFile('v2.yaml', configMap('old', '{a: "1"}'));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'configmap/v2 created');
    server.writeFile('v2.yaml', configMap('old', '{a: "2"}'));
    assert.equal(expectOk(await kc(['apply', '-f', file])).trim(), 'configmap/v2 configured');
    assert.equal(expectOk(await kc(['get', 'cm', 'v2', '-n', 'old', '-o', 'jsonpath={.data.a}'])), '2');
    const bad = server.writeFile('bad.yaml', configMap('old', '{a: "1"}', 'bogus: 1\n').replace('name: v2', 'name: bad'));
    expectError(await kc(['apply', '-f', bad]), 'strict decoding error: unknown field "bogus"');
    expectError(await kc(['create', '-f', file]), 'configmaps "v2" already exists');
  });

  it('a plain GET gets Swagger 2.0 JSON with the same paths as v3', async () => {
    const raw = expectOk(await server.kubectl(['get', '--raw', '/openapi/v2'], { bin: kubectls[1]!.bin }));
    const doc = JSON.parse(raw) as { swagger: string; paths: Record<string, Record<string, { 'x-kubernetes-group-version-kind'?: unknown; parameters?: Array<{ name: string }> }>> };
    assert.equal(doc.swagger, '2.0');
    const patch = doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}']!.patch!;
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.ok(patch.parameters!.some((p) => p.name === 'fieldValidation'));
    const v3 = JSON.parse(expectOk(await server.kubectl(['get', '--raw', '/openapi/v3/api/v1'], { bin: kubectls[1]!.bin }))) as { paths: Record<string, unknown> };
    for (const path of Object.keys(v3.paths)) assert.ok(doc.paths[path], `${path} is in v2 too`);
  });

  for (const k of kubectls) {
    it(`${k.name}: apply of an existing Deployment patches without an OpenAPI warning`, async () => {
      const kc = (args: string[]) => server.kubectl(args, { bin: k.bin });
      const ns = `new-${kubectls.indexOf(k)}`;
      expectOk(await kc(['create', 'namespace', ns]));
      const deploy = (image: string) =>
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: web}}\n` +
        `  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: ${image}}]}\n`;
      const file = server.writeFile(`deploy-${ns}.yaml`, deploy('nginx:1'));
      expectOk(await kc(['apply', '-f', file]));
      server.writeFile(`deploy-${ns}.yaml`, deploy('nginx:2'));
      const r = await kc(['apply', '-f', file]);
      assert.equal(expectOk(r).trim(), 'deployment.apps/web configured');
      assert.equal(r.stderr, '', 'no warning about OpenAPI');
    });
  }
});
