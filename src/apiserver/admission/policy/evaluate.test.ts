import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../registry/types.js';
import { jsonToCel } from '../../../registry/cel/values.js';
import { evaluatePolicy } from './evaluate.js';
import { compilePolicy } from './policy-set.js';

const policy = (spec: Record<string, unknown>) => compilePolicy({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'p' }, spec } as KObject);
const vars = (object: unknown) => ({ object: jsonToCel(object), oldObject: null, request: jsonToCel({ operation: 'CREATE' }), params: null, namespaceObject: null });

describe('evaluating one policy', () => {
  it('any false match condition skips the policy, even beside an erroring one; errors alone follow the failure policy', () => {
    const conditions = [{ name: 'broken', expression: 'object.nope == 1' }, { name: 'no', expression: 'false' }];
    assert.equal(evaluatePolicy(policy({ matchConditions: conditions, validations: [{ expression: 'false' }] }), vars({})), undefined);
    const erroring = [{ name: 'broken', expression: 'object.nope == 1' }];
    assert.deepEqual(evaluatePolicy(policy({ matchConditions: erroring, validations: [{ expression: 'false' }] }), vars({})), [
      { action: 'deny', error: true, message: "expression 'object.nope == 1' resulted in error: no such key: nope" },
    ]);
    assert.equal(evaluatePolicy(policy({ failurePolicy: 'Ignore', matchConditions: erroring, validations: [{ expression: 'false' }] }), vars({}))![0]!.action, 'admit');
  });

  it('variables see earlier ones; a failing variable only fails the validations that read it', () => {
    const p = policy({
      variables: [{ name: 'n', expression: 'object.spec.replicas' }, { name: 'twice', expression: 'variables.n * 2' }, { name: 'broken', expression: 'object.nope' }],
      validations: [{ expression: 'variables.twice == 6' }, { expression: 'variables.broken == 1' }],
    });
    const [first, second] = evaluatePolicy(p, vars({ spec: { replicas: 3 } }))!;
    assert.equal(first!.action, 'admit');
    assert.deepEqual([second!.action, second!.error], ['deny', true]);
    assert.match(second!.message, /^expression 'variables.broken == 1' resulted in error: variables.broken: no such key: nope$/);
  });

  it('a result that is not a bool is an error; an empty or multi-line messageExpression falls back to message', () => {
    assert.match(evaluatePolicy(policy({ validations: [{ expression: '1' }] }), vars({}))![0]!.message, /result is not a bool/);
    const d = evaluatePolicy(policy({ validations: [{ expression: 'false', message: 'static', messageExpression: '"a\\nb"' }] }), vars({}))![0]!;
    assert.deepEqual([d.action, d.message, d.reason], ['deny', 'static', 'Invalid']);
  });
});
