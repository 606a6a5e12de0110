// ValidatingAdmissionPolicy and webhook matchConditions with real kubectl against `k3ts server`.
// Policies are cluster-wide, so every binding here is limited to this suite's namespaces (by the
// name label) and every name carries the suite's namespace: the two kubectl suites never meet.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';
import { startTestWebhookServer, type TestWebhookServer } from '../support/webhook-server.js';

const NAME_LABEL = 'kubernetes.io/metadata.name';
const GROUP = 'admissionregistration.k8s.io/v1';

describeWithKubectls('ValidatingAdmissionPolicy through kubectl', { nsPrefix: 'vap', timeout: 180_000 }, (t) => {
  const { kc, ns } = t;
  const testNs = () => `${ns}-test`;
  const created: Array<[string, string]> = [];
  let wh: TestWebhookServer;

  before(async () => {
    wh = await startTestWebhookServer();
    expectOk(await kc(['create', 'namespace', testNs()]));
    expectOk(await kc(['label', 'namespace', testNs(), 'environment=test']));
  });
  after(async () => {
    for (const [kind, name] of created.reverse()) await kc(['delete', kind, name, '--ignore-not-found']);
    await kc(['delete', 'namespace', testNs(), '--ignore-not-found', '--wait=false']);
    await wh?.stop();
  });

  const thisSuite = (...extra: string[]) => ({ matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: [ns, testNs(), ...extra] }] });
  const deploymentRules = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }];

  /** Creates the objects, then gives the server's watch the moment it takes to see them. */
  async function apply(...objects: Array<Record<string, unknown>>) {
    expectOk(await kc(['create', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n') }));
    for (const o of objects) created.push([`${String(o.kind).toLowerCase()}`, (o.metadata as { name: string }).name]);
    await new Promise((r) => setTimeout(r, 300));
  }
  const policy = (name: string, spec: Record<string, unknown>) => ({ apiVersion: GROUP, kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { matchConstraints: { resourceRules: deploymentRules }, ...spec } });
  const binding = (name: string, spec: Record<string, unknown>) => ({ apiVersion: GROUP, kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { validationActions: ['Deny'], ...spec } });

  it("upstream's example: a deployment with more than 5 replicas is denied in namespaces the binding selects", async () => {
    const p = `demo-policy.${ns}.example.com`;
    const b = `demo-binding-test.${ns}.example.com`;
    await apply(
      policy(p, { failurePolicy: 'Fail', validations: [{ expression: 'object.spec.replicas <= 5' }] }),
      binding(b, { policyName: p, matchResources: { namespaceSelector: { matchLabels: { environment: 'test', [NAME_LABEL]: testNs() } } } }),
    );
    expectError(
      await kc(['create', 'deployment', 'nginx', '--image=nginx', '--replicas=6', '-n', testNs()]),
      `deployments.apps "nginx" is forbidden: ValidatingAdmissionPolicy '${p}' with binding '${b}' denied request: failed expression: object.spec.replicas <= 5`,
    );
    expectError(await kc(['get', 'deployment', 'nginx', '-n', testNs()]), 'not found');
    // Within the limit it is created; outside the selected namespace the policy does not apply.
    expectOk(await kc(['create', 'deployment', 'small', '--image=nginx', '--replicas=5', '-n', testNs()]));
    expectOk(await kc(['create', 'deployment', 'nginx', '--image=nginx', '--replicas=6', '-n', ns]));
    // An update is judged too.
    expectError(await kc(['patch', 'deployment', 'small', '-n', testNs(), '--type=merge', '-p', '{"spec":{"replicas":7}}']), 'denied request: failed expression: object.spec.replicas <= 5');
    const listed = expectOk(await kc(['get', 'validatingadmissionpolicies', p]));
    expectMatch(listed, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\s*$/m);
    expectMatch(listed, new RegExp(`^${p.replace(/\./g, '\\.')}\\s+1\\s+<unset>\\s+\\d+s\\s*$`, 'm'));
    expectMatch(expectOk(await kc(['get', 'validatingadmissionpolicybindings', b])), new RegExp(`^${b.replace(/\./g, '\\.')}\\s+${p.replace(/\./g, '\\.')}\\s+<unset>\\s+\\d+s\\s*$`, 'm'));
  });

  it('a policy with paramKind ConfigMap reads its limit from the bound ConfigMap', async () => {
    expectOk(await kc(['create', 'configmap', 'replica-limit', '-n', ns, '--from-literal=maxReplicas=3']));
    const p = `replica-limit.${ns}.example.com`;
    await apply(
      policy(p, {
        paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
        validations: [{ expression: 'object.spec.replicas <= int(params.data.maxReplicas)', messageExpression: "'replicas must be at most ' + params.data.maxReplicas", reason: 'Forbidden' }],
      }),
      binding(`${p}-binding`, { policyName: p, paramRef: { name: 'replica-limit', namespace: ns, parameterNotFoundAction: 'Deny' }, matchResources: { namespaceSelector: thisSuite() } }),
    );
    expectError(
      await kc(['create', 'deployment', 'four', '--image=nginx', '--replicas=4', '-n', ns]),
      `deployments.apps "four" is forbidden: ValidatingAdmissionPolicy '${p}' with binding '${p}-binding' denied request: replicas must be at most 3`,
    );
    expectOk(await kc(['create', 'deployment', 'three', '--image=nginx', '--replicas=3', '-n', ns]));
    expectMatch(expectOk(await kc(['get', 'validatingadmissionpolicies', p])), /\s1\s+v1\/ConfigMap\s/);
    // The limit is read at each write: raising it lets the same deployment through.
    expectOk(await kc(['patch', 'configmap', 'replica-limit', '-n', ns, '--type=merge', '-p', '{"data":{"maxReplicas":"4"}}']));
    expectOk(await kc(['create', 'deployment', 'four', '--image=nginx', '--replicas=4', '-n', ns]));
    expectOk(await kc(['delete', 'validatingadmissionpolicybinding', `${p}-binding`]));
    expectOk(await kc(['delete', 'deployment', 'three', 'four', '-n', ns]));
  });

  it('the Warn action lets the write through and kubectl prints the Warning', async () => {
    const p = `warn-names.${ns}.example.com`;
    await apply(
      policy(p, { validations: [{ expression: "object.metadata.name.startsWith('app-')", message: "deployment names should start with 'app-'" }] }),
      binding(`${p}-binding`, { policyName: p, validationActions: ['Warn'], matchResources: { namespaceSelector: thisSuite() } }),
    );
    const r = await kc(['create', 'deployment', 'unprefixed', '--image=nginx', '-n', ns]);
    expectOk(r);
    assert.match(r.stderr, new RegExp(`Warning: Validation failed for ValidatingAdmissionPolicy '${p.replace(/\./g, '\\.')}' with binding '${p.replace(/\./g, '\\.')}-binding': deployment names should start with 'app-'`));
    const quiet = await kc(['create', 'deployment', 'app-ok', '--image=nginx', '-n', ns]);
    expectOk(quiet);
    assert.doesNotMatch(quiet.stderr, /Warning/);
    expectOk(await kc(['delete', 'validatingadmissionpolicybinding', `${p}-binding`]));
  });

  it('an expression that does not compile is refused when the policy is written', async () => {
    const p = `broken.${ns}.example.com`;
    const r = await kc(['create', '-f', '-'], { input: JSON.stringify(policy(p, { validations: [{ expression: 'object.spec.replicas <=' }, { expression: 'object.spec.replica < maxReplicas' }] })) });
    expectError(r, `The ValidatingAdmissionPolicy "${p}" is invalid:`);
    assert.match(r.stderr, /spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: ERROR: <input>:1:\d+: Syntax error/);
    assert.match(r.stderr, /spec\.validations\[1\]\.expression: Invalid value: "object\.spec\.replica < maxReplicas": compilation failed: ERROR: <input>:1:\d+: undeclared reference to 'maxReplicas'/);
    expectError(await kc(['get', 'validatingadmissionpolicy', p]), 'not found');
  });

  it('an evaluation error: failurePolicy Ignore admits, Fail denies with the error', async () => {
    const expression = "object.spec.template.metadata.annotations['owner'] != ''";
    const lenient = `lenient.${ns}.example.com`;
    await apply(
      policy(lenient, { failurePolicy: 'Ignore', validations: [{ expression }] }),
      binding(`${lenient}-binding`, { policyName: lenient, matchResources: { namespaceSelector: thisSuite() } }),
    );
    expectOk(await kc(['create', 'deployment', 'no-annotations', '--image=nginx', '-n', ns]));
    expectOk(await kc(['delete', 'validatingadmissionpolicybinding', `${lenient}-binding`]));
    const strict = `strict.${ns}.example.com`;
    await apply(
      policy(strict, { failurePolicy: 'Fail', validations: [{ expression }] }),
      binding(`${strict}-binding`, { policyName: strict, matchResources: { namespaceSelector: thisSuite() } }),
    );
    expectError(
      await kc(['create', 'deployment', 'no-annotations-2', '--image=nginx', '-n', ns]),
      `ValidatingAdmissionPolicy '${strict}' with binding '${strict}-binding' denied request: expression '${expression}' resulted in error: no such key: annotations`,
    );
    expectOk(await kc(['delete', 'validatingadmissionpolicybinding', `${strict}-binding`]));
  });

  it("a webhook's matchCondition excludes requests from the webhook", async () => {
    const name = `${ns}-exempt`;
    const config = {
      apiVersion: GROUP, kind: 'ValidatingWebhookConfiguration', metadata: { name },
      webhooks: [{
        name: 'deny-unless-exempt.k3ts.test', sideEffects: 'None', admissionReviewVersions: ['v1'], namespaceSelector: thisSuite(),
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
        clientConfig: { url: `https://127.0.0.1:${wh.port}/deny/not%20exempt`, caBundle: wh.caBundle },
        matchConditions: [{ name: 'not-exempt', expression: "!object.metadata.name.startsWith('exempt-')" }, { name: 'not-the-server', expression: "request.userInfo.username != 'system:apiserver'" }],
      }],
    };
    await apply(config);
    const calls = (await wh.log()).length;
    expectOk(await kc(['create', 'configmap', 'exempt-one', '-n', ns]));
    assert.equal((await wh.log()).length, calls, 'an excluded request never reaches the webhook');
    expectError(await kc(['create', 'configmap', 'checked', '-n', ns]), 'configmaps "checked" is forbidden: admission webhook "deny-unless-exempt.k3ts.test" denied the request: not exempt');
    // A condition that does not compile is refused when the configuration is written.
    const bad = structuredClone(config);
    bad.metadata.name = `${ns}-bad-condition`;
    bad.webhooks[0]!.matchConditions = [{ name: 'typo', expression: 'objekt.metadata.name == "x"' }];
    expectError(await kc(['create', '-f', '-'], { input: JSON.stringify(bad) }), /webhooks\[0\]\.matchConditions\[0\]\.expression: Invalid value: .*compilation failed: ERROR: <input>:1:1: undeclared reference to 'objekt'/);
  });
});
