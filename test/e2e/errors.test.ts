// What users see when things go wrong: kubectl's usual error lines for each kind of API failure,
// and for requests without credentials or without permission.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

const TOKENS = ['bob-token-1234567890,bob,1001,"devs,testers"', 'alice-token-0987654321,alice,1002,"system:masters"'].join('\n');

const yamlConfigMap = (name: string, ns?: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data:\n  a: "1"\n`;

const deployment = (name: string, spec: { replicas?: number; containers?: boolean }) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${spec.replicas ?? 1}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:${spec.containers === false ? ' []' : `
        - name: web
          image: nginx:1.27`}
`;

/** kubectl prints one cause on the same line as the header and several as `* ` lines. */
const cause = (field: string, message: string) =>
  new RegExp(`(is invalid: |^\\* )${field.replace(/[.[\]]/g, '\\$&')}: ${message}`, 'm');

describeWithKubectls('kubectl error output', { nsPrefix: 'err', server: { tokenAuthCsv: TOKENS } }, (t) => {
  const { kc, ns, index } = t;

  it('NotFound', async () => {
    expectError(await kc(['get', 'configmap', 'nope', '-n', ns]), `Error from server (NotFound): configmaps "nope" not found`);
    expectError(await kc(['delete', 'configmap', 'nope', '-n', ns]), `Error from server (NotFound): configmaps "nope" not found`);
    expectError(await kc(['get', 'deploy', 'nope', '-n', ns]), `Error from server (NotFound): deployments.apps "nope" not found`);
  });

  it('AlreadyExists on create -f twice', async () => {
    const file = t.server.writeFile(`twice-${index}.yaml`, yamlConfigMap('twice', ns));
    expectMatch(expectOk(await kc(['create', '-f', file])), /^configmap\/twice created$/m);
    expectError(
      await kc(['create', '-f', file]),
      `Error from server (AlreadyExists): error when creating "${file}": configmaps "twice" already exists`,
    );
  });

  it('Invalid: a bad name', async () => {
    const file = t.server.writeFile(`badname-${index}.yaml`, yamlConfigMap('Bad_Name', ns));
    const stderr = expectError(await kc(['create', '-f', file]), 'The ConfigMap "Bad_Name" is invalid: ');
    expectMatch(stderr, cause('metadata.name', 'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of'));
  });

  it('Invalid: a deployment without containers', async () => {
    const file = t.server.writeFile(`nocontainers-${index}.yaml`, deployment('nocontainers', { containers: false }));
    const stderr = expectError(await kc(['create', '-n', ns, '-f', file]), 'The Deployment "nocontainers" is invalid: ');
    expectMatch(stderr, cause('spec.template.spec.containers', 'Required value'));
  });

  it('Invalid: negative replicas', async () => {
    const file = t.server.writeFile(`negative-${index}.yaml`, deployment('negative', { replicas: -1 }));
    const stderr = expectError(await kc(['apply', '-n', ns, '-f', file]), 'The Deployment "negative" is invalid: ');
    expectMatch(stderr, cause('spec.replicas', 'Invalid value: -1: must be greater than or equal to 0'));
  });

  it('Invalid: several causes print as `* field: message` lines', async () => {
    const file = t.server.writeFile(`both-${index}.yaml`, deployment('both', { replicas: -1, containers: false }));
    const stderr = expectError(await kc(['create', '-n', ns, '-f', file]), /^The Deployment "both" is invalid: $/m);
    expectMatch(stderr, /^\* spec\.replicas: Invalid value: -1: must be greater than or equal to 0$/m);
    expectMatch(stderr, /^\* spec\.template\.spec\.containers: Required value$/m);
  });

  it('Invalid: NodePort 99999', async () => {
    const svc = `apiVersion: v1\nkind: Service\nmetadata:\n  name: badport\nspec:\n  type: NodePort\n  selector:\n    app: x\n  ports:\n    - port: 80\n      nodePort: 99999\n`;
    const file = t.server.writeFile(`badport-${index}.yaml`, svc);
    const stderr = expectError(await kc(['create', '-n', ns, '-f', file]), 'The Service "badport" is invalid: ');
    expectMatch(stderr, cause('spec.ports[0].nodePort', 'Invalid value: 99999: '));
  });

  it('Conflict on replace with a stale resourceVersion', async () => {
    expectOk(await kc(['create', 'configmap', 'stale', '-n', ns, '--from-literal=a=1']));
    const old = expectOk(await kc(['get', 'configmap', 'stale', '-n', ns, '-o', 'yaml']));
    const file = t.server.writeFile(`stale-${index}.yaml`, old.replace(/^(\s+)a: "1"$/m, '$1a: "stale"'));
    expectOk(await kc(['label', 'configmap', 'stale', '-n', ns, 'bumped=yes']));
    expectError(
      await kc(['replace', '-f', file]),
      `Error from server (Conflict): error when replacing "${file}": Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again`,
    );
    assert.equal(expectOk(await kc(['get', 'configmap', 'stale', '-n', ns, '-o', 'jsonpath={.data.a}'])), '1');
  });

  it('unknown resource type', async () => {
    expectError(await kc(['get', 'nopes']), `error: the server doesn't have a resource type "nopes"`);
  });

  it('401 without credentials', async () => {
    // No certificate and no token at all: the API refuses with a 401 Status.
    const raw = await t.server.rawGet(`/api/v1/namespaces/${ns}/configmaps`);
    assert.equal(raw.status, 401, raw.body);
    const status = JSON.parse(raw.body);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Unauthorized');
    assert.equal(status.code, 401);
    // kubectl with credentials the server does not accept.
    const basic = t.server.kubeconfigFor({ name: `basic-${index}`, username: 'nobody', password: 'nothing' });
    expectError(await kc(['get', 'configmaps', '-n', ns], { kubeconfig: basic }), /^error: You must be logged in to the server/m);
    const badToken = t.server.kubeconfigFor({ name: `badtoken-${index}`, token: 'not-a-real-token' });
    expectError(await kc(['get', 'configmaps', '-n', ns], { kubeconfig: badToken }), /^error: You must be logged in to the server/m);
  });

  it('403 for a token user outside system:masters', async () => {
    const bob = t.server.kubeconfigFor({ name: `bob-${index}`, token: 'bob-token-1234567890' });
    expectError(
      await kc(['get', 'configmaps', '-n', 'default'], { kubeconfig: bob }),
      `Error from server (Forbidden): configmaps is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "default"`,
    );
    expectError(
      await kc(['get', 'configmap', 'x', '-n', 'default'], { kubeconfig: bob }),
      `Error from server (Forbidden): configmaps "x" is forbidden: User "bob" cannot get resource "configmaps" in API group "" in the namespace "default"`,
    );
    // The same token file's admin works, so the 403 above is authorization, not a broken token.
    const alice = t.server.kubeconfigFor({ name: `alice-${index}`, token: 'alice-token-0987654321' });
    expectOk(await kc(['get', 'configmaps', '-n', 'default'], { kubeconfig: alice }));
  });

  it('auth whoami and auth can-i answer for the caller', async () => {
    const bob = t.server.kubeconfigFor({ name: `bob-who-${index}`, token: 'bob-token-1234567890' });
    const who = expectOk(await kc(['auth', 'whoami'], { kubeconfig: bob }));
    expectMatch(who, /^Username\s+bob$/m);
    expectMatch(who, /^Groups\s+\[devs testers system:authenticated\]$/m);
    const no = await kc(['auth', 'can-i', 'list', 'pods', '-n', 'default'], { kubeconfig: bob });
    assert.equal(no.code, 1);
    assert.equal(no.stdout.trim(), 'no');
    const yes = await kc(['auth', 'can-i', 'delete', 'deployments', '-n', 'default']);
    assert.equal(yes.code, 0);
    assert.equal(yes.stdout.trim(), 'yes');
    expectMatch(expectOk(await kc(['auth', 'whoami'])), /^Username\s+system:admin$/m);
  });

  it('an object in a namespace that does not exist', async () => {
    const file = t.server.writeFile(`nons-${index}.yaml`, yamlConfigMap('orphan'));
    expectError(
      await kc(['create', '-n', 'nope', '-f', file]),
      `Error from server (NotFound): error when creating "${file}": namespaces "nope" not found`,
    );
    expectError(await kc(['create', 'configmap', 'orphan', '-n', 'nope']), 'namespaces "nope" not found');
  });
});
