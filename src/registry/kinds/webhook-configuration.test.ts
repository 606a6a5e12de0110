import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { createCertificateAuthority } from '../../pki/issue.js';
import { mutatingWebhookConfiguration as mutating, validatingWebhookConfiguration as validating } from './webhook-configuration.js';

const hook = (extra: Record<string, unknown> = {}) => ({
  name: 'label.example.com',
  clientConfig: { url: 'https://127.0.0.1:8443/mutate' },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});

const config = (webhooks: unknown[]): KObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'cfg' }, webhooks });

function check(d = mutating, webhooks: unknown[]) {
  const obj = config(webhooks);
  d.defaults?.(obj);
  return { obj, errs: d.validate!(obj, {}).map((e) => `${e.field}: ${e.message}`) };
}

describe('webhook configuration kinds', () => {
  it('fills in upstream defaults', () => {
    const { obj, errs } = check(mutating, [hook({ clientConfig: { service: { namespace: 'ns', name: 'svc' } } })]);
    assert.deepEqual(errs, []);
    const h = (obj.webhooks as any[])[0];
    assert.equal(h.failurePolicy, 'Fail');
    assert.equal(h.matchPolicy, 'Equivalent');
    assert.equal(h.timeoutSeconds, 10);
    assert.equal(h.reinvocationPolicy, 'Never');
    assert.deepEqual(h.namespaceSelector, {});
    assert.deepEqual(h.objectSelector, {});
    assert.equal(h.rules[0].scope, '*');
    assert.equal(h.clientConfig.service.port, 443);
    const v = check(validating, [hook()]).obj;
    assert.equal((v.webhooks as any[])[0].reinvocationPolicy, undefined);
  });

  it('refuses what upstream refuses, in its words', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'nodots' }, 'webhooks[0].name: Invalid value: "nodots": should be a domain with at least three segments separated by dots'],
      [{ sideEffects: undefined }, 'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun'],
      [{ sideEffects: 'Some' }, 'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"'],
      [{ admissionReviewVersions: [] }, 'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1'],
      [{ admissionReviewVersions: ['v2'] }, 'webhooks[0].admissionReviewVersions: Invalid value: ["v2"]: must include at least one of v1, v1beta1'],
      [{ timeoutSeconds: 31 }, 'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds'],
      [{ failurePolicy: 'Maybe' }, 'webhooks[0].failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore"'],
      [{ clientConfig: {} }, 'webhooks[0].clientConfig: Required value: exactly one of url or service is required'],
      [{ clientConfig: { url: 'https://a.example.com/x', service: { namespace: 'n', name: 's' } } }, 'webhooks[0].clientConfig: Required value: exactly one of url or service is required'],
      [{ clientConfig: { url: 'http://a.example.com/x' } }, `webhooks[0].clientConfig.url: Invalid value: "http://a.example.com/x": 'https' is the only allowed URL scheme`],
      [{ clientConfig: { url: 'https://a.example.com/x?y=1' } }, 'webhooks[0].clientConfig.url: Invalid value: "https://a.example.com/x?y=1": query parameters are not permitted in the URL'],
      [{ clientConfig: { url: 'https://a.example.com/x#y' } }, 'webhooks[0].clientConfig.url: Invalid value: "https://a.example.com/x#y": fragments are not permitted in the URL'],
      [{ clientConfig: { url: 'https://a.example.com/', caBundle: 'bm90IGEgY2VydA==' } }, 'webhooks[0].clientConfig.caBundle: Invalid value: "<bytes>": must be base64-encoded PEM certificates'],
      [{ clientConfig: { service: { namespace: 'n', name: 's', port: 70000 } } }, 'webhooks[0].clientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive'],
      [{ rules: [{ operations: ['CREATE', '*'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }, `webhooks[0].rules[0].operations: Invalid value: ["CREATE","*"]: if '*' is present, must not specify other operations`],
      [{ rules: [{ operations: ['PATCH'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] }, 'webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH": supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"'],
      [{ rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['*/*', 'pods'] }] }, `webhooks[0].rules[0].resources[0]: Invalid value: "*/*": if '*/*' is present, must not specify other resources`],
      [{ rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Everywhere' }] }, 'webhooks[0].rules[0].scope: Unsupported value: "Everywhere": supported values: "*", "Cluster", "Namespaced"'],
      [{ objectSelector: { matchExpressions: [{ key: 'a', operator: 'Maybe' }] } }, 'webhooks[0].objectSelector.matchExpressions[0].operator: Invalid value: "Maybe": not a valid selector operator'],
    ];
    for (const [extra, want] of cases) {
      const { errs } = check(mutating, [hook(extra)]);
      assert.ok(errs.includes(want), `${JSON.stringify(extra)}: expected ${want}\n got ${errs.join('\n     ')}`);
    }
  });

  it('webhook names are unique within a configuration; a PEM caBundle is accepted', async () => {
    const CA = Buffer.from((await createCertificateAuthority({ commonName: 'test' })).certPem).toString('base64');
    assert.deepEqual(check(validating, [hook(), hook()]).errs, ['webhooks[1].name: Duplicate value: "label.example.com"']);
    assert.deepEqual(check(validating, [hook({ clientConfig: { url: 'https://127.0.0.1/x', caBundle: CA } })]).errs, []);
  });

  it('the table shows NAME WEBHOOKS AGE', () => {
    const t = mutating.table!;
    assert.deepEqual(t.columns.map((c) => c.name), ['Name', 'Webhooks', 'Age']);
    const obj = config([hook(), hook({ name: 'b.example.com' })]);
    obj.metadata.creationTimestamp = new Date(Date.now() - 65_000).toISOString();
    assert.deepEqual(t.cells(obj, new Date()), ['cfg', 2, '65s']);
  });
});
