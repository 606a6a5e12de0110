import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../types.js';
import { validatingAdmissionPolicy as policyKind, validatingAdmissionPolicyBinding as bindingKind } from './admission-policy.js';
import { validatingWebhookConfiguration } from './webhook-configuration.js';

const rules = [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }];
const policy = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'p' }, spec });
const binding = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'b' }, spec });

function check(d: typeof policyKind, obj: KObject): string[] {
  d.defaults?.(obj);
  return d.validate!(obj, {}).map((e) => `${e.field}: ${e.message}`);
}

describe('ValidatingAdmissionPolicy and its binding', () => {
  it('defaults as upstream: failurePolicy Fail, matchPolicy Equivalent, empty selectors, rule scope *', () => {
    const p = policy({ matchConstraints: { resourceRules: structuredClone(rules) }, validations: [{ expression: 'object.spec.replicas <= 5' }] });
    assert.deepEqual(check(policyKind, p), []);
    const spec = p.spec as any;
    assert.equal(spec.failurePolicy, 'Fail');
    assert.deepEqual([spec.matchConstraints.matchPolicy, spec.matchConstraints.namespaceSelector, spec.matchConstraints.objectSelector, spec.matchConstraints.resourceRules[0].scope], ['Equivalent', {}, {}, '*']);
    const b = binding({ policyName: 'p', validationActions: ['Deny'], paramRef: { name: 'x' } });
    assert.deepEqual(check(bindingKind, b), []);
    assert.equal((b.spec as any).paramRef.parameterNotFoundAction, 'Deny');
  });

  it('refuses an expression that does not compile, naming the field', () => {
    const errs = check(policyKind, policy({ matchConstraints: { resourceRules: rules }, validations: [{ expression: 'object.spec.replicas <=' }, { expression: 'objet.spec.replicas < 5' }] }));
    assert.equal(errs.length, 2);
    assert.match(errs[0]!, /^spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: ERROR: <input>:1:\d+: Syntax error/);
    assert.match(errs[1]!, /^spec\.validations\[1\]\.expression: .*undeclared reference to 'objet'/);
    const authz = check(policyKind, policy({ matchConstraints: { resourceRules: rules }, validations: [{ expression: 'authorizer.group("").resource("pods").check("get").allowed()' }] }));
    assert.match(authz[0]!, /authorizer library is not supported/);
  });

  it('requires matchConstraints with resourceRules and a validation; checks reasons, messages, variables, matchConditions', () => {
    assert.deepEqual(check(policyKind, policy({})), ['spec.matchConstraints: Required value', 'spec.validations: Required value: validations or auditAnnotations must contain at least one item']);
    const errs = check(policyKind, policy({
      matchConstraints: { resourceRules: rules },
      failurePolicy: 'Sometimes',
      validations: [{ expression: 'true', reason: 'Teapot', message: 'two\nlines' }],
      variables: [{ name: 'not-an-identifier', expression: 'object' }, { name: 'ok', expression: 'variables.ok2 +' }],
      matchConditions: [{ name: 'a', expression: 'true' }, { name: 'a', expression: 'namespaceObject == null' }],
    }));
    assert.ok(errs.includes('spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"'), errs.join('\n'));
    assert.ok(errs.includes('spec.validations[0].reason: Unsupported value: "Teapot": supported values: "Unauthorized", "Forbidden", "Invalid", "RequestEntityTooLarge"'));
    assert.ok(errs.includes('spec.validations[0].message: Invalid value: "two\\nlines": message must not contain line breaks'));
    assert.ok(errs.includes('spec.variables[0].name: Invalid value: "not-an-identifier": name is not a valid CEL identifier'));
    assert.ok(errs.some((e) => e.startsWith('spec.variables[1].expression: Invalid value')));
    assert.ok(errs.includes('spec.matchConditions[1].name: Duplicate value: "a"'));
    // Match conditions of a policy do not see namespaceObject, as upstream.
    assert.ok(errs.some((e) => e.startsWith('spec.matchConditions[1].expression') && e.includes("undeclared reference to 'namespaceObject'")));
  });

  it('binding: policyName and actions required, Deny with Warn refused, paramRef name xor selector', () => {
    assert.deepEqual(check(bindingKind, binding({})), ['spec.policyName: Required value', 'spec.validationActions: Required value: at least one validation action is required']);
    const errs = check(bindingKind, binding({ policyName: 'p', validationActions: ['Deny', 'Warn', 'Deny', 'Shout'], paramRef: { name: 'a', selector: {} } }));
    assert.ok(errs.includes('spec.validationActions[2]: Duplicate value: "Deny"'));
    assert.ok(errs.includes('spec.validationActions[3]: Unsupported value: "Shout": supported values: "Deny", "Warn", "Audit"'));
    assert.ok(errs.some((e) => e.startsWith('spec.validationActions: Invalid value') && e.includes('must not contain both Deny and Warn')));
    assert.ok(errs.includes('spec.paramRef: Forbidden: `name` and `selector` are mutually exclusive'));
    assert.ok(check(bindingKind, binding({ policyName: 'p', validationActions: ['Audit'], paramRef: {} })).includes('spec.paramRef: Forbidden: one of `name` or `selector` must be set'));
  });

  it('webhook matchConditions are accepted now, and compiled like policy expressions', () => {
    const config = (conditions: unknown[]): KObject => ({
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'c' },
      webhooks: [{ name: 'a.b.c', clientConfig: { url: 'https://127.0.0.1/x' }, rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }], sideEffects: 'None', admissionReviewVersions: ['v1'], matchConditions: conditions }],
    });
    assert.deepEqual(check(validatingWebhookConfiguration, config([{ name: 'not-exempt', expression: '!object.metadata.name.startsWith("exempt-")' }])), []);
    const errs = check(validatingWebhookConfiguration, config([{ name: 'x', expression: 'params == null' }, { name: '', expression: '' }]));
    assert.ok(errs.some((e) => e.startsWith('webhooks[0].matchConditions[0].expression') && e.includes("undeclared reference to 'params'")), errs.join('\n'));
    assert.ok(errs.includes('webhooks[0].matchConditions[1].name: Required value'));
    assert.ok(errs.includes('webhooks[0].matchConditions[1].expression: Required value'));
  });
});
