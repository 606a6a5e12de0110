import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resourceMatches, ruleMatches, type RuleTarget } from './rules.js';

const pods: RuleTarget = { operation: 'CREATE', group: '', version: 'v1', resource: 'pods', subresource: '', namespaced: true };
const rule = { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*' };

describe('webhook rule matching', () => {
  it('matches operation, group, version and resource exactly or by *', () => {
    assert.equal(ruleMatches(rule, pods), true);
    assert.equal(ruleMatches(rule, { ...pods, operation: 'UPDATE' }), false);
    assert.equal(ruleMatches({ ...rule, operations: ['*'] }, { ...pods, operation: 'DELETE' }), true);
    assert.equal(ruleMatches(rule, { ...pods, group: 'apps' }), false);
    assert.equal(ruleMatches({ ...rule, apiGroups: ['*'] }, { ...pods, group: 'apps' }), true);
    assert.equal(ruleMatches(rule, { ...pods, version: 'v2' }), false);
    assert.equal(ruleMatches({ ...rule, apiVersions: ['*'] }, { ...pods, version: 'v2' }), true);
    assert.equal(ruleMatches(rule, { ...pods, resource: 'services' }), false);
  });

  it('an empty list matches nothing', () => {
    assert.equal(ruleMatches({ ...rule, operations: [] }, pods), false);
    assert.equal(ruleMatches({ ...rule, resources: undefined }, pods), false);
  });

  it('subresources: `pods` is the pod only; `pods/status`, `pods/*`, `*/status`, `*` and `*/*`', () => {
    const cases: Array<[string[], string, string, boolean]> = [
      [['pods'], 'pods', '', true],
      [['pods'], 'pods', 'status', false],
      [['pods/status'], 'pods', 'status', true],
      [['pods/status'], 'pods', '', false],
      [['pods/status'], 'pods', 'binding', false],
      [['pods/*'], 'pods', 'status', true],
      [['pods/*'], 'pods', '', false],
      [['*/status'], 'deployments', 'status', true],
      [['*/status'], 'deployments', 'scale', false],
      [['*'], 'deployments', '', true],
      [['*'], 'deployments', 'status', false],
      [['*/*'], 'deployments', 'scale', true],
      [['*/*'], 'pods', '', true],
      [['services', 'pods/status'], 'pods', 'status', true],
    ];
    for (const [entries, resource, sub, want] of cases) assert.equal(resourceMatches(entries, resource, sub), want, `${entries.join(',')} vs ${resource}/${sub}`);
  });

  it('scope: Cluster for cluster-scoped objects (Namespaces included), Namespaced for the rest, * for both', () => {
    const ns: RuleTarget = { ...pods, resource: 'namespaces', namespaced: false };
    assert.equal(ruleMatches({ ...rule, resources: ['namespaces'], scope: 'Cluster' }, ns), true);
    assert.equal(ruleMatches({ ...rule, resources: ['namespaces'], scope: 'Namespaced' }, ns), false);
    assert.equal(ruleMatches({ ...rule, scope: 'Cluster' }, pods), false);
    assert.equal(ruleMatches({ ...rule, scope: 'Namespaced' }, pods), true);
    assert.equal(ruleMatches({ ...rule, scope: undefined }, pods), true);
  });
});
