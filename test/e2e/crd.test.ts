// CustomResourceDefinitions with real kubectl: the issue's `kubectl apply -f crontab-crd.yaml &&
// kubectl apply -f my-crontab.yaml && kubectl get crontabs`, served within a second of creation,
// with printer columns, short names and the `all` category; `kubectl explain`; schema violations
// and invalid CRDs refused with the path and the rule; the status and scale subresources; a second
// version; and deleting the CRD while objects exist. Each kubectl ends by deleting the CRD, so the
// next one starts from nothing and creates it again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk, fixturesDir } from './harness.js';

const fixture = (name: string) => readFileSync(join(fixturesDir, 'crd', name), 'utf8');
const CRD = 'crontabs.stable.example.com';

describeWithKubectls('CustomResourceDefinitions', { nsPrefix: 'crd', timeout: 120_000 }, (t) => {
  const { kc, ns } = t;

  it('kubectl apply -f crontab-crd.yaml && kubectl apply -f my-crontab.yaml && kubectl get crontabs (served within a second)', async () => {
    const crd = t.server.writeFile('crontab-crd.yaml', fixture('crontab-crd.yaml'));
    const cr = t.server.writeFile('my-crontab.yaml', fixture('my-crontab.yaml'));
    assert.equal(expectOk(await kc(['apply', '-f', crd])).trim(), `customresourcedefinition.apiextensions.k8s.io/${CRD} created`);
    const created = Date.now();
    // Served: the collection answers (what kubectl's discovery then finds).
    for (;;) {
      const r = await kc(['get', '--raw', `/apis/stable.example.com/v1/namespaces/${ns}/crontabs`]);
      if (r.code === 0) break;
      assert.ok(Date.now() - created < 1000, `not served within a second: ${r.stderr}`);
    }
    assert.ok(Date.now() - created < 1000, 'served within a second of creation');
    assert.equal(expectOk(await kc(['apply', '-n', ns, '-f', cr])).trim(), 'crontab.stable.example.com/my-new-cron-object created');
    const out = expectOk(await kc(['get', 'crontabs', '-n', ns]));
    expectMatch(out, /^NAME\s+SPEC\s+REPLICAS\s+AGE\n/, 'kubectl get crontabs');
    // replicas came from the schema's default.
    expectMatch(out, /\nmy-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+\d+s\n/, 'kubectl get crontabs');
    const wide = expectOk(await kc(['get', 'ct', '-n', ns, '-o', 'wide']));
    expectMatch(wide, /^NAME\s+SPEC\s+REPLICAS\s+PHASE\s+AGE\n/, 'kubectl get ct -o wide');
    expectMatch(expectOk(await kc(['get', 'all', '-n', ns])), /crontab\.stable\.example\.com\/my-new-cron-object/, 'kubectl get all');
    const conditions = expectOk(await kc(['get', 'crd', CRD, '-o', 'jsonpath={range .status.conditions[*]}{.type}={.status} {end}{.status.acceptedNames.kind} {.status.storedVersions}']));
    assert.equal(conditions, 'NamesAccepted=True Established=True CronTab ["v1"]');
  });

  it('kubectl explain crontab.spec prints the schema', async () => {
    const out = expectOk(await kc(['explain', 'crontab.spec']));
    expectMatch(out, /KIND:\s+CronTab/, 'explain');
    expectMatch(out, /What the cron job runs and how often\./, 'explain');
    expectMatch(out, /cronSpec\s+<string> -required-/, 'explain');
    expectMatch(out, /The container image to run\./, 'explain');
  });

  it('an object violating its schema is Invalid with the path and the rule', async () => {
    const bad = t.server.writeFile('bad-crontab.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: bad\nspec:\n  cronSpec: "every minute"\n  replicas: 20\n  image: 5\n');
    const err = expectError(await kc(['apply', '-n', ns, '-f', bad]), 'The CronTab "bad" is invalid');
    assert.match(err, /spec\.cronSpec: Invalid value: "every minute": spec\.cronSpec in body should match '\^\(\\d\+\|\\\*\)/);
    assert.match(err, /spec\.replicas: Invalid value: 20: spec\.replicas in body should be less than or equal to 10/);
    assert.match(err, /spec\.image: Invalid value: "integer": spec\.image in body must be of type string: "integer"/);
    const missing = t.server.writeFile('no-spec.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: nospec\nspec:\n  image: x\n');
    expectError(await kc(['apply', '-n', ns, '-f', missing]), 'spec.cronSpec: Required value');
    // x-kubernetes-validations: the CEL rule's message, at the rule's node.
    const latest = t.server.writeFile('latest.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: latest\nspec:\n  cronSpec: "* * * * *"\n  image: nginx:latest\n');
    expectError(await kc(['apply', '-n', ns, '-f', latest]), 'spec: Invalid value: "object": image must name a version, not :latest');
    // Unknown fields: refused under kubectl's strict validation, pruned without it.
    const extra = t.server.writeFile('extra.yaml', 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: extra\nspec:\n  cronSpec: "* * * * *"\n  colour: blue\n');
    expectError(await kc(['apply', '-n', ns, '-f', extra]), 'strict decoding error: unknown field "spec.colour"');
    expectOk(await kc(['apply', '-n', ns, '--validate=false', '-f', extra]));
    assert.equal(expectOk(await kc(['get', 'ct', 'extra', '-n', ns, '-o', 'jsonpath={.spec}'])), '{"cronSpec":"* * * * *","replicas":1}');
  });

  it('an invalid CRD is Invalid with the path', async () => {
    const bad = t.server.writeFile(
      'bad-crd.yaml',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {plural: gadgets, kind: Gadget}\n' +
        '  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        properties:\n          spec: {type: object}\n  - name: v2\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object}\n',
    );
    const err = expectError(await kc(['apply', '-f', bad]), 'The CustomResourceDefinition "gadgets.example.com" is invalid');
    assert.match(err, /spec\.versions\[0\]\.schema\.openAPIV3Schema\.type: Required value: must not be empty at the root/);
    assert.match(err, /spec\.versions: Invalid value: .*: must have exactly one version marked as storage version/);
    const misnamed = t.server.writeFile('misnamed-crd.yaml', fixture('crontab-crd.yaml').replace(`name: ${CRD}`, 'name: crontabs.example.org'));
    expectError(await kc(['apply', '-f', misnamed]), 'metadata.name: Invalid value: "crontabs.example.org": must be spec.names.plural+"."+spec.group');
    const nodot = t.server.writeFile('nodot-crd.yaml', fixture('crontab-crd.yaml').replaceAll('stable.example.com', 'stable'));
    expectError(await kc(['apply', '-f', nodot]), 'spec.group: Invalid value: "stable": should be a domain with at least one dot');
  });

  it('kubectl patch --subresource=status changes only the status; spec changes bump the generation, status changes do not', async () => {
    const gen = async () => expectOk(await kc(['get', 'ct', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.metadata.generation}']));
    const before = await gen();
    const patch = '{"status":{"phase":"Running","replicas":2,"selector":"app=cron"},"spec":{"image":"ignored"}}';
    assert.equal(expectOk(await kc(['patch', 'crontab', 'my-new-cron-object', '-n', ns, '--subresource=status', '--type=merge', '-p', patch])).trim(), 'crontab.stable.example.com/my-new-cron-object patched');
    assert.equal(expectOk(await kc(['get', 'ct', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.status.phase} {.spec.image}'])), 'Running my-awesome-cron-image');
    assert.equal(await gen(), before);
    expectMatch(expectOk(await kc(['get', 'ct', '-n', ns, '-o', 'wide'])), /my-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+Running\s+/, 'wide columns');
    // The main resource ignores status.
    expectOk(await kc(['patch', 'crontab', 'my-new-cron-object', '-n', ns, '--type=merge', '-p', '{"spec":{"image":"v2"},"status":{"phase":"Lost"}}']));
    assert.equal(expectOk(await kc(['get', 'ct', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.status.phase} {.spec.image}'])), 'Running v2');
    assert.equal(await gen(), String(Number(before) + 1));
    // The status schema holds on /status too.
    expectError(await kc(['patch', 'crontab', 'my-new-cron-object', '-n', ns, '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":"two"}}']), 'status.replicas in body must be of type integer');
  });

  it('kubectl scale works through the scale subresource', async () => {
    assert.equal(expectOk(await kc(['scale', 'crontab', 'my-new-cron-object', '-n', ns, '--replicas=5'])).trim(), 'crontab.stable.example.com/my-new-cron-object scaled');
    assert.equal(expectOk(await kc(['get', 'ct', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])), '5');
    const scale = JSON.parse(expectOk(await kc(['get', '--raw', `/apis/stable.example.com/v1/namespaces/${ns}/crontabs/my-new-cron-object/scale`]))) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    assert.deepEqual({ spec: scale.spec, status: scale.status }, { spec: { replicas: 5 }, status: { replicas: 2, selector: 'app=cron' } });
    // Above the schema's maximum: the object's validation refuses it.
    expectError(await kc(['scale', 'crontab', 'my-new-cron-object', '-n', ns, '--replicas=11']), 'spec.replicas in body should be less than or equal to 10');
  });

  it('a second version is served with apiVersion rewritten; JSON patch works and strategic merge patch is refused as upstream', async () => {
    const v1beta1 = expectOk(await kc(['get', 'crontabs.v1beta1.stable.example.com', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.apiVersion} {.spec.image}']));
    assert.equal(v1beta1, 'stable.example.com/v1beta1 v2');
    expectOk(await kc(['patch', 'ct', 'my-new-cron-object', '-n', ns, '--type=json', '-p', '[{"op":"replace","path":"/spec/image","value":"v3"}]']));
    assert.equal(expectOk(await kc(['get', 'ct', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.apiVersion} {.spec.image}'])), 'stable.example.com/v1 v3');
    expectError(await kc(['patch', 'ct', 'my-new-cron-object', '-n', ns, '--type=strategic', '-p', '{"spec":{"image":"x"}}']), 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json');
    // Server-side apply takes custom resources too.
    const cr = t.server.writeFile('ssa-crontab.yaml', fixture('my-crontab.yaml').replace('my-awesome-cron-image', 'applied'));
    assert.equal(expectOk(await kc(['apply', '--server-side', '--force-conflicts', '-n', ns, '-f', cr])).trim(), 'crontab.stable.example.com/my-new-cron-object serverside-applied');
    assert.equal(expectOk(await kc(['get', 'ct', 'my-new-cron-object', '-n', ns, '-o', 'jsonpath={.spec.image}'])), 'applied');
  });

  it('deleting the CRD while objects exist removes them, and the kind stops being served', async () => {
    expectOk(await kc(['create', 'namespace', `${ns}-b`]));
    const cr = t.server.writeFile('other-crontab.yaml', fixture('my-crontab.yaml').replace('my-new-cron-object', 'elsewhere'));
    expectOk(await kc(['apply', '-n', `${ns}-b`, '-f', cr]));
    const watch = t.server.background(['get', 'crontabs', '-A', '-w', '--output-watch-events'], { bin: t.k.bin });
    try {
      await watch.waitFor(/ADDED\s+\S+\s+elsewhere/);
      assert.equal(expectOk(await kc(['delete', 'crd', CRD])).trim(), `customresourcedefinition.apiextensions.k8s.io "${CRD}" deleted`);
      // The watch saw its objects go and then ended with the kind.
      const ended = await Promise.race([watch.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      assert.ok(ended, `kubectl get -w still running after the CRD went:\n${watch.output().stdout}`);
      expectMatch(watch.output().stdout, /DELETED\s+\S+\s+elsewhere/, 'kubectl get -w');
    } finally {
      await watch.stop();
    }
    expectMatch(expectError(await kc(['get', 'crontabs', '-A']), /the server doesn't have a resource type "crontabs"|could not find the requested resource/), /crontabs/);
    expectError(await kc(['get', 'crd', CRD]), `"${CRD}" not found`);
    expectError(await kc(['get', '--raw', '/apis/stable.example.com/v1']), 'the server could not find the requested resource');
    expectOk(await kc(['delete', 'namespace', `${ns}-b`, '--wait=false']));
  });
});
