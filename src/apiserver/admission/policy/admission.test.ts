// ValidatingAdmissionPolicy on a real in-process control plane: policies and bindings written
// through the API path, read back by the server's watch caches, and evaluated on later writes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane, type TestControlPlane } from '../../../../test/support/control-plane.js';
import { ApiError } from '../../errors.js';
import { createObject, deleteObject, updateObject } from '../../resources/operations.js';
import type { KObject } from '../../../registry/types.js';

describe('ValidatingAdmissionPolicy admission', () => {
  let cp: TestControlPlane;
  const find = (group: string, version: string, resource: string) => cp.context.registry.findByResource(group, version, resource)!;
  const settle = () => new Promise((r) => setTimeout(r, 150));
  const cleanup: Array<() => Promise<void>> = [];

  before(async () => {
    cp = await startTestControlPlane();
    for (const ns of ['vap-a', 'vap-b']) await createObject(cp.context, find('', 'v1', 'namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { env: ns === 'vap-a' ? 'test' : 'prod' } } });
  });
  after(async () => {
    await cp?.close();
  });

  async function write(resource: string, obj: Record<string, unknown>): Promise<void> {
    const d = find('admissionregistration.k8s.io', 'v1', resource);
    const name = (obj.metadata as { name: string }).name;
    await createObject(cp.context, d, undefined, { apiVersion: 'admissionregistration.k8s.io/v1', kind: d.kind, ...obj });
    cleanup.push(() => deleteObject(cp.context, d, undefined, name).then(() => undefined));
  }
  async function policy(name: string, spec: Record<string, unknown>, bindingSpec: Record<string, unknown> = {}) {
    await write('validatingadmissionpolicies', { metadata: { name }, spec: { matchConstraints: { resourceRules: [{ operations: ['CREATE', 'UPDATE', 'DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] }, ...spec } });
    await write('validatingadmissionpolicybindings', { metadata: { name: `${name}-binding` }, spec: { policyName: name, validationActions: ['Deny'], ...bindingSpec } });
    await settle();
  }
  async function reset() {
    while (cleanup.length) await cleanup.pop()!();
    await settle();
  }
  const configMaps = () => find('', 'v1', 'configmaps');
  const cm = (name: string, data: Record<string, string> = {}, labels: Record<string, string> = {}): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });
  async function refusal(p: Promise<unknown>): Promise<ApiError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiError, `expected a refusal, got ${String(err)}`);
    return err;
  }

  it('denies with upstream wording, reason Invalid and 422; a named reason sets the code; messageExpression wins', async () => {
    await policy('small', { validations: [
      { expression: 'size(object.data) <= 2' },
      { expression: '!has(object.data.forbidden)', reason: 'Forbidden', message: 'no forbidden key' },
      { expression: "!('bad' in object.data)", messageExpression: '"key bad in " + object.metadata.name' },
    ] });
    let err = await refusal(createObject(cp.context, configMaps(), 'vap-a', cm('big', { a: '1', b: '2', c: '3' })));
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, `configmaps "big" is forbidden: ValidatingAdmissionPolicy 'small' with binding 'small-binding' denied request: failed expression: size(object.data) <= 2`);
    assert.deepEqual(err.details?.causes, [{ message: `ValidatingAdmissionPolicy 'small' with binding 'small-binding' denied request: failed expression: size(object.data) <= 2` }]);
    err = await refusal(createObject(cp.context, configMaps(), 'vap-a', cm('f', { forbidden: 'x' })));
    assert.deepEqual([err.code, err.reason], [403, 'Forbidden']);
    assert.match(err.message, /denied request: no forbidden key$/);
    err = await refusal(createObject(cp.context, configMaps(), 'vap-a', cm('m', { bad: 'x' })));
    assert.match(err.message, /denied request: key bad in m$/);
    await createObject(cp.context, configMaps(), 'vap-a', cm('fine', { a: '1' }));
    // An update is judged against the new object; oldObject is there too.
    const current = await cp.context.store.get(configMaps(), 'vap-a', 'fine');
    err = await refusal(updateObject(cp.context, configMaps(), 'vap-a', 'fine', { ...current, data: { a: '1', b: '2', c: '3' } }));
    assert.match(err.message, /failed expression: size\(object.data\) <= 2/);
    await reset();
  });

  it('Warn adds a warning and lets the write through; Audit only reports', async () => {
    await policy('warned', { validations: [{ expression: 'object.metadata.name.startsWith("ok-")', message: 'names start with ok-' }] }, { validationActions: ['Warn', 'Audit'] });
    const warnings: string[] = [];
    await createObject(cp.context, configMaps(), 'vap-a', cm('plain'), { warn: (w) => warnings.push(w) });
    assert.deepEqual(warnings, [`Validation failed for ValidatingAdmissionPolicy 'warned' with binding 'warned-binding': names start with ok-`]);
    await reset();
  });

  it('an evaluation error: failurePolicy Fail denies with the error, Ignore admits', async () => {
    await policy('strict', { validations: [{ expression: 'object.data.required == "yes"' }] });
    const err = await refusal(createObject(cp.context, configMaps(), 'vap-a', cm('no-key', { other: 'x' })));
    assert.equal(err.message, `configmaps "no-key" is forbidden: ValidatingAdmissionPolicy 'strict' with binding 'strict-binding' denied request: expression 'object.data.required == "yes"' resulted in error: no such key: required`);
    await reset();
    await policy('lenient', { failurePolicy: 'Ignore', validations: [{ expression: 'object.data.required == "yes"' }] });
    await createObject(cp.context, configMaps(), 'vap-a', cm('no-key-2', { other: 'x' }));
    await reset();
  });

  it('a binding namespaceSelector limits the policy to matching namespaces; request and namespaceObject are there', async () => {
    await policy('ns-only', { validations: [{ expression: 'request.operation != "CREATE" || namespaceObject.metadata.labels.env != "test" || request.userInfo.username == "nobody"' }] }, { matchResources: { namespaceSelector: { matchLabels: { env: 'test' } } } });
    await refusal(createObject(cp.context, configMaps(), 'vap-a', cm('in-test')));
    await createObject(cp.context, configMaps(), 'vap-b', cm('in-prod'));
    await reset();
  });

  it('params from a ConfigMap by name (request namespace), and parameterNotFoundAction', async () => {
    await createObject(cp.context, configMaps(), 'vap-a', cm('limits', { maxKeys: '1' }));
    await policy('param', {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      matchConditions: [{ name: 'not-the-params', expression: 'object == null || object.metadata.name != "limits"' }],
      variables: [{ name: 'keys', expression: 'object.data.size()' }],
      validations: [{ expression: 'variables.keys <= int(params.data.maxKeys)', messageExpression: '"at most " + params.data.maxKeys + " keys"' }],
    }, { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } });
    const err = await refusal(createObject(cp.context, configMaps(), 'vap-a', cm('two', { a: '1', b: '2' })));
    assert.match(err.message, /denied request: at most 1 keys$/);
    await createObject(cp.context, configMaps(), 'vap-a', cm('one', { a: '1' }));
    // No `limits` in vap-b: Deny makes that a configuration error the failure policy refuses.
    const missing = await refusal(createObject(cp.context, configMaps(), 'vap-b', cm('one', { a: '1' })));
    assert.equal(missing.message, 'configmaps "one" is forbidden: ValidatingAdmissionPolicy \'param\' with binding \'param-binding\' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
    await reset();
  });

  it('compiles a policy once per generation, not on binding changes or writes', async () => {
    await policy('cached', { validations: [{ expression: 'true' }] });
    const set = cp.context.policies!.set;
    set.current();
    const before = set.compilations;
    for (let i = 0; i < 3; i++) await createObject(cp.context, configMaps(), 'vap-a', cm(`c${i}`));
    await write('validatingadmissionpolicybindings', { metadata: { name: 'cached-second' }, spec: { policyName: 'cached', validationActions: ['Deny'] } });
    await settle();
    set.current();
    assert.equal(set.compilations, before);
    const d = find('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies');
    const stored = await cp.context.store.get(d, undefined, 'cached');
    await updateObject(cp.context, d, undefined, 'cached', { ...stored, spec: { ...(stored.spec as object), validations: [{ expression: 'object == null || object.metadata.name != "nope"' }] } });
    await settle();
    set.current();
    assert.equal(set.compilations, before + 1);
    await refusal(createObject(cp.context, configMaps(), 'vap-a', cm('nope')));
    await reset();
  });

  it('a DELETE is judged with object null and oldObject the stored object', async () => {
    await createObject(cp.context, configMaps(), 'vap-a', cm('keep', {}, { protected: 'yes' }));
    await policy('protect', { validations: [{ expression: 'request.operation != "DELETE" || oldObject.metadata.labels.protected != "yes"', message: 'protected' }] });
    const err = await refusal(deleteObject(cp.context, configMaps(), 'vap-a', 'keep'));
    assert.match(err.message, /^configmaps "keep" is forbidden: .*denied request: protected$/);
    await reset();
    await deleteObject(cp.context, configMaps(), 'vap-a', 'keep');
  });
});
