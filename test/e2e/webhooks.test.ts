// Admission webhooks with real kubectl against `k3ts server`, the webhook a separate HTTPS process
// on 127.0.0.1 (test/support/webhook-server-main.ts) with a certificate from its own test CA. Every
// configuration is limited to this suite's namespace (namespaceSelector on the name label), so the
// two kubectl suites and the server's own writes never meet another suite's webhooks.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk, freePort } from './harness.js';
import { createCertificateAuthority } from '../../src/pki/issue.js';
import { startTestWebhookServer, type TestWebhookServer } from '../support/webhook-server.js';

const NAME_LABEL = 'kubernetes.io/metadata.name';

describeWithKubectls('admission webhooks through kubectl', { nsPrefix: 'webhooks', timeout: 180_000 }, (t) => {
  const { kc, ns } = t;
  let wh: TestWebhookServer;
  const configs: Array<[string, string]> = [];

  before(async () => {
    wh = await startTestWebhookServer({ dnsNames: [`wh.${ns}.svc`] });
  });
  after(async () => {
    for (const [kind, name] of configs) await kc(['delete', kind, name, '--ignore-not-found']);
    await kc(['delete', 'namespace', `${ns}-labelled`, '--ignore-not-found', '--wait=false']);
    await wh?.stop();
  });

  const url = (path: string, port = wh.port) => `https://127.0.0.1:${port}${path}`;
  const rules = (resources = ['configmaps'], operations = ['CREATE']) => [{ operations, apiGroups: [''], apiVersions: ['v1'], resources }];
  const inThisNamespace = () => ({ matchLabels: { [NAME_LABEL]: ns } });

  /** Creates a configuration with one webhook per entry and waits until a dry-run write sees it. */
  async function configure(kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration', name: string, webhooks: Array<Record<string, unknown>>) {
    const full = `${ns}-${name}`;
    const body = {
      apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name: full },
      webhooks: webhooks.map((w) => ({
        sideEffects: 'None', admissionReviewVersions: ['v1'], rules: rules(), namespaceSelector: inThisNamespace(), ...w,
        clientConfig: { caBundle: wh.caBundle, ...(w.clientConfig as object) },
      })),
    };
    expectOk(await kc(['create', '-f', '-'], { input: JSON.stringify(body) }));
    configs.push([kind.toLowerCase() + 's', full]);
    // The server reads configurations from a watch: give it the moment a watch event takes.
    await new Promise((r) => setTimeout(r, 300));
    return full;
  }
  const remove = async (kind: string, name: string) => expectOk(await kc(['delete', kind, name]));
  const labelOf = async (cm: string, key: string, namespace = ns) =>
    expectOk(await kc(['get', 'configmap', cm, '-n', namespace, '-o', `jsonpath={.metadata.labels.${key.replace(/\./g, '\\.')}}`]));
  const configMap = (name: string, labels: Record<string, string> = {}) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { a: 'b' } });

  it('a mutating webhook adds a label that kubectl then shows; its warning reaches kubectl', async () => {
    const name = await configure('MutatingWebhookConfiguration', 'add-label', [{ name: 'add-label.k3ts.test', clientConfig: { url: url('/add-label/added-by/webhook') } }]);
    const r = await kc(['create', 'configmap', 'mutated', '-n', ns, '--from-literal=k=v']);
    expectOk(r);
    assert.match(r.stderr, /Warning: label added by test webhook/);
    assert.equal(await labelOf('mutated', 'added-by'), 'webhook');
    expectMatch(expectOk(await kc(['get', 'configmap', 'mutated', '-n', ns, '--show-labels'])), /added-by=webhook/);
    const review = (await wh.log()).filter((e) => e.path === '/add-label/added-by/webhook').at(-1)!;
    assert.equal(review.query, 'timeout=10s');
    assert.equal(review.review.apiVersion, 'admission.k8s.io/v1');
    const req = review.review.request;
    assert.deepEqual([req.operation, req.name, req.namespace, req.dryRun], ['CREATE', 'mutated', ns, false]);
    assert.deepEqual(req.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(req.resource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.deepEqual(req.requestKind, req.kind);
    assert.equal(req.userInfo.username, 'system:admin');
    assert.ok(req.userInfo.groups.includes('system:masters'));
    assert.equal(req.object.data.k, 'v');
    assert.equal(req.oldObject, null);
    assert.equal(req.options.kind, 'CreateOptions');

    // A server-side dry run reaches the webhook (sideEffects None) flagged as such, and stores nothing.
    const dry = expectOk(await kc(['create', 'configmap', 'dry', '-n', ns, '--from-literal=k=v', '--dry-run=server', '-o', 'jsonpath={.metadata.labels.added-by}']));
    assert.equal(dry, 'webhook');
    assert.equal((await wh.log()).at(-1)!.review.request.dryRun, true);
    expectError(await kc(['get', 'configmap', 'dry', '-n', ns]), 'configmaps "dry" not found');
    await remove('mutatingwebhookconfigurations', name);
  });

  it('kubectl get lists the configurations as NAME WEBHOOKS AGE', async () => {
    const name = await configure('ValidatingWebhookConfiguration', 'listed', [
      { name: 'one.k3ts.test', clientConfig: { url: url('/allow') } },
      { name: 'two.k3ts.test', clientConfig: { url: url('/allow') } },
    ]);
    const out = expectOk(await kc(['get', 'validatingwebhookconfigurations', name]));
    expectMatch(out, /^NAME\s+WEBHOOKS\s+AGE\s*$/m);
    expectMatch(out, new RegExp(`^${name}\\s+2\\s+\\d+s\\s*$`, 'm'));
    await remove('validatingwebhookconfigurations', name);
  });

  it('a validating webhook denies with its message, in upstream wording; the object selector spares others', async () => {
    const name = await configure('ValidatingWebhookConfiguration', 'deny', [
      { name: 'deny.k3ts.test', clientConfig: { url: url('/deny/configmaps%20labelled%20deny%20are%20not%20allowed') }, rules: rules(['configmaps'], ['CREATE', 'UPDATE']), objectSelector: { matchLabels: { deny: 'yes' } } },
    ]);
    expectError(
      await kc(['create', '-f', '-'], { input: configMap('refused', { deny: 'yes' }) }),
      `configmaps "refused" is forbidden: admission webhook "deny.k3ts.test" denied the request: configmaps labelled deny are not allowed`,
    );
    expectError(await kc(['get', 'configmap', 'refused', '-n', ns]), 'not found');
    expectOk(await kc(['create', '-f', '-'], { input: configMap('spared', { deny: 'no' }) }));
    // An update that adds the label is matched through the new object's labels.
    expectError(await kc(['label', 'configmap', 'spared', '-n', ns, 'deny=yes', '--overwrite']), 'denied the request: configmaps labelled deny are not allowed');
    const update = (await wh.log()).at(-1)!.review.request;
    assert.deepEqual([update.operation, update.oldObject.metadata.labels.deny, update.object.metadata.labels.deny, update.options.kind], ['UPDATE', 'no', 'yes', 'UpdateOptions']);
    await remove('validatingwebhookconfigurations', name);
  });

  it('a webhook that times out, answers garbage, is unreachable or has an unknown CA: Fail refuses with upstream text, Ignore lets the write through', async () => {
    const closed = await freePort();
    const otherCa = Buffer.from((await createCertificateAuthority({ commonName: 'not-the-webhook-ca' })).certPem).toString('base64');
    const cases = [
      { hook: 'slow', clientConfig: { url: url('/slow') }, timeoutSeconds: 1, message: `failed calling webhook "slow.k3ts.test": failed to call webhook: Post "${url('/slow')}?timeout=1s": context deadline exceeded` },
      { hook: 'garbage', clientConfig: { url: url('/garbage') }, message: `failed calling webhook "garbage.k3ts.test": failed to call webhook: couldn't get version/kind; json parse error` },
      { hook: 'unreachable', clientConfig: { url: url('/allow', closed) }, message: `failed calling webhook "unreachable.k3ts.test": failed to call webhook: Post "${url('/allow', closed)}?timeout=10s": dial tcp 127.0.0.1:${closed}: connect: connection refused` },
      { hook: 'bad-ca', clientConfig: { url: url('/allow'), caBundle: otherCa }, message: `failed calling webhook "bad-ca.k3ts.test": failed to call webhook: Post "${url('/allow')}?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority` },
    ];
    for (const c of cases) {
      const hook = { name: `${c.hook}.k3ts.test`, clientConfig: c.clientConfig, ...(c.timeoutSeconds ? { timeoutSeconds: c.timeoutSeconds } : {}) };
      const failing = await configure('ValidatingWebhookConfiguration', `${c.hook}-fail`, [{ ...hook, failurePolicy: 'Fail' }]);
      const r = await kc(['create', 'configmap', `${c.hook}-fail`, '-n', ns]);
      expectError(r, `Internal error occurred: ${c.message}`);
      expectError(await kc(['get', 'configmap', `${c.hook}-fail`, '-n', ns]), 'not found');
      await remove('validatingwebhookconfigurations', failing);
      const ignoring = await configure('ValidatingWebhookConfiguration', `${c.hook}-ignore`, [{ ...hook, failurePolicy: 'Ignore' }]);
      expectOk(await kc(['create', 'configmap', `${c.hook}-ignore`, '-n', ns]));
      await remove('validatingwebhookconfigurations', ignoring);
    }
  });

  it('the namespace selector matches on the namespace labels', async () => {
    const labelled = `${ns}-labelled`;
    expectOk(await kc(['create', 'namespace', labelled]));
    expectOk(await kc(['label', 'namespace', labelled, 'webhooks=on']));
    const name = await configure('MutatingWebhookConfiguration', 'ns-selector', [
      { name: 'ns-selector.k3ts.test', clientConfig: { url: url('/add-label/ns-selected/yes') }, namespaceSelector: { matchLabels: { webhooks: 'on' } } },
    ]);
    expectOk(await kc(['create', 'configmap', 'selected', '-n', labelled]));
    expectOk(await kc(['create', 'configmap', 'not-selected', '-n', ns]));
    assert.equal(await labelOf('selected', 'ns-selected', labelled), 'yes');
    assert.equal(await labelOf('not-selected', 'ns-selected'), '');
    await remove('mutatingwebhookconfigurations', name);
  });

  it('an IfNeeded webhook is called again when a later webhook changed the object', async () => {
    const first = await configure('MutatingWebhookConfiguration', 'a-first', [{ name: 'first.k3ts.test', clientConfig: { url: url('/reinvoke-first') }, reinvocationPolicy: 'IfNeeded' }]);
    const second = await configure('MutatingWebhookConfiguration', 'b-second', [{ name: 'second.k3ts.test', clientConfig: { url: url('/reinvoke-second') } }]);
    const before = (await wh.log()).length;
    expectOk(await kc(['create', 'configmap', 'reinvoked', '-n', ns]));
    assert.equal(await labelOf('reinvoked', 'second'), 'yes');
    assert.equal(await labelOf('reinvoked', 'first-saw-second'), 'true');
    assert.deepEqual((await wh.log()).slice(before).map((e) => e.path), ['/reinvoke-first', '/reinvoke-second', '/reinvoke-first']);
    await remove('mutatingwebhookconfigurations', first);
    // With Never, the first webhook's view stays the one it had.
    expectOk(await kc(['patch', 'mutatingwebhookconfiguration', second, '--type=json', '-p', '[{"op":"replace","path":"/webhooks/0/clientConfig/url","value":"' + url('/allow') + '"}]']));
    await remove('mutatingwebhookconfigurations', second);
  });

  it('a webhook behind a Service without selector is called at its hand-written Endpoints, verified as <svc>.<ns>.svc', async () => {
    expectOk(await kc(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'wh', namespace: ns }, spec: { ports: [{ port: 443, targetPort: wh.port }] } }) }));
    expectOk(await kc(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'wh', namespace: ns }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: wh.port }] }] }) }));
    const name = await configure('MutatingWebhookConfiguration', 'via-service', [
      { name: 'via-service.k3ts.test', clientConfig: { service: { namespace: ns, name: 'wh', path: '/add-label/via/service' } } },
    ]);
    expectOk(await kc(['create', 'configmap', 'through-service', '-n', ns]));
    assert.equal(await labelOf('through-service', 'via'), 'service');
    assert.equal((await wh.log()).at(-1)!.query, 'timeout=10s');
    await remove('mutatingwebhookconfigurations', name);
  });

  it('configurations themselves are never sent to webhooks, so a webhook refusing them can still be removed', async () => {
    const name = await configure('ValidatingWebhookConfiguration', 'guard', [
      { name: 'guard.k3ts.test', clientConfig: { url: url('/deny/no%20changes') }, rules: [{ operations: ['*'], apiGroups: ['admissionregistration.k8s.io'], apiVersions: ['*'], resources: ['*'] }] },
    ]);
    const other = await configure('ValidatingWebhookConfiguration', 'unguarded', [{ name: 'allow.k3ts.test', clientConfig: { url: url('/allow') } }]);
    await remove('validatingwebhookconfigurations', other);
    await remove('validatingwebhookconfigurations', name);
  });

  it('an invalid configuration is refused with upstream messages', async () => {
    const r = await kc(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: `${ns}-invalid` },
        webhooks: [{ name: 'short', clientConfig: { url: 'http://127.0.0.1/x' }, admissionReviewVersions: ['v1'], timeoutSeconds: 60 }],
      }),
    });
    expectError(r, `The ValidatingWebhookConfiguration "${ns}-invalid" is invalid`);
    for (const m of [
      'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].timeoutSeconds: Invalid value: 60: the timeout value must be between 1 and 30 seconds',
      `webhooks[0].clientConfig.url: Invalid value: "http://127.0.0.1/x": 'https' is the only allowed URL scheme`,
    ]) assert.ok(r.stderr.includes(m), `missing ${m} in\n${r.stderr}`);
  });
});
