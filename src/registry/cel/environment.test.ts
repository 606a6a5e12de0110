import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { celCompileError, compileCel, evaluateCel } from './environment.js';
import { jsonToCel } from './values.js';

const run = (expression: string, vars: Record<string, unknown> = {}) => {
  const p = compileCel(expression);
  if (p instanceof Error) throw p;
  return evaluateCel(p, Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, jsonToCel(v)])));
};

describe('the shared CEL environment', () => {
  it('reports syntax errors as cel-go does, with the position', () => {
    assert.match(celCompileError('object.spec.replicas <=')!, /^ERROR: <input>:1:\d+: Syntax error: /);
    assert.equal(celCompileError('object.spec.replicas <= 5'), undefined);
  });

  it('with declared variables, refuses unknown names and functions with upstream wording', () => {
    assert.equal(celCompileError('objekt.spec.replicas <= 5', ['object']), "ERROR: <input>:1:1: undeclared reference to 'objekt' (in container '')");
    assert.match(celCompileError('object.items.all(i, i > limit)', ['object'])!, /undeclared reference to 'limit'/);
    assert.equal(celCompileError('object.items.all(i, i > 0) && [1].exists(x, x == 1)', ['object']), undefined);
    assert.match(celCompileError('nosuch(object)', ['object'])!, /undeclared reference to 'nosuch'/);
    assert.equal(celCompileError('has(object.spec) && object.metadata.name.matches("^a")', ['object']), undefined);
  });

  it('evaluates JSON with whole numbers as ints, strings and lists functions', () => {
    const object = { spec: { replicas: 3, ratio: 0.5, ports: [80, 443] }, metadata: { name: 'web-1' } };
    assert.deepEqual(run('object.spec.replicas <= 5', { object }), { value: true });
    assert.deepEqual(run('object.spec.ratio < 1.0', { object }), { value: true });
    assert.deepEqual(run('object.metadata.name.startsWith("web") && object.metadata.name.split("-").size() == 2', { object }), { value: true });
    assert.deepEqual(run('object.spec.ports.isSorted() && object.spec.ports.sum() == 523 && object.spec.ports.max() == 443 && object.spec.ports.indexOf(443) == 1', { object }), { value: true });
    assert.deepEqual(run('[3, 1].min()'), { value: 1n });
  });

  it('words runtime errors as cel-go does', () => {
    assert.deepEqual(run('object.spec.missing == 1', { object: { spec: {} } }), { error: 'no such key: missing' });
    assert.match(run('"a".matches("[")').error!, /error parsing regexp/);
    assert.equal(run('1 / 0').error, 'int divide by zero');
  });
});
