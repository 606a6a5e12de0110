// Rule matching and coverage, case by case against what upstream's RBAC answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compact, ruleAllows, ruleString, uncovered, type PolicyRule, type RuleRequest } from './rules.js';

const res = (verb: string, group: string, resource: string, extra: { subresource?: string; name?: string } = {}): RuleRequest => ({ kind: 'resource', verb, group, resource, ...extra });
const url = (verb: string, path: string): RuleRequest => ({ kind: 'nonresource', verb, path });

test('ruleAllows: verbs, groups, resources, subresources, names and URLs', () => {
  const cases: Array<[PolicyRule, RuleRequest, boolean]> = [
    [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods'), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('list', '', 'pods'), false],
    [{ verbs: ['*'], apiGroups: [''], resources: ['pods'] }, res('deletecollection', '', 'pods'), true],
    [{ verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, res('get', '', 'pods'), false],
    [{ verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] }, res('get', 'apps', 'deployments'), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', '', 'secrets'), true],
    // A resource does not grant its subresources, nor the reverse.
    [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods', { subresource: 'log' }), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods', { subresource: 'log' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods'), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['*/status'] }, res('get', '', 'nodes', { subresource: 'status' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['*/status'] }, res('get', '', 'nodes'), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', '', 'pods', { subresource: 'exec' }), true],
    // Names restrict; a request without a name (list, create) is not granted by a named rule.
    [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', '', 'configmaps', { name: 'a' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', '', 'configmaps', { name: 'b' }), false],
    [{ verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('list', '', 'configmaps'), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, res('get', '', 'configmaps', { name: 'z' }), true],
    // URLs: exact, `*`, and a `*` suffix as a prefix match.
    [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz'), true],
    [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }, url('get', '/healthz/etcd'), false],
    [{ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, url('get', '/healthz/etcd'), true],
    [{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }, url('get', '/apis'), false],
    [{ verbs: ['get'], nonResourceURLs: ['*'] }, url('get', '/anything'), true],
    [{ verbs: ['get'], nonResourceURLs: ['*'] }, url('post', '/anything'), false],
    // A resource rule never grants a path, nor a URL rule a resource.
    [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, url('get', '/healthz'), false],
    [{ verbs: ['*'], nonResourceURLs: ['*'] }, res('get', '', 'pods'), false],
    [{ verbs: ['get'], resources: ['pods'] }, res('get', '', 'pods'), false],
  ];
  for (const [rule, req, want] of cases) assert.equal(ruleAllows(rule, req), want, `${JSON.stringify(rule)} ${JSON.stringify(req)}`);
});

test('uncovered: what a writer lacks, unit by unit', () => {
  const owner: PolicyRule[] = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'configmaps'] },
    { verbs: ['get'], apiGroups: [''], resources: ['*/status'] },
    { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['token'] },
    { verbs: ['get'], nonResourceURLs: ['/logs/*'] },
  ];
  assert.deepEqual(uncovered(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/status'] }]), []);
  assert.deepEqual(uncovered(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['token'] }]), []);
  assert.deepEqual(uncovered(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]), [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]);
  assert.deepEqual(uncovered(owner, [{ verbs: ['get'], nonResourceURLs: ['/logs/a'] }]), []);
  assert.deepEqual(uncovered(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }]), [{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
  assert.deepEqual(uncovered([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }]), []);
});

test('compact and ruleString print what upstream prints in an escalation refusal', () => {
  const missing = uncovered([], [{ verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['deployments'] }]);
  assert.deepEqual(compact(missing).map(ruleString), ['{APIGroups:[""], Resources:["deployments"], Verbs:["get" "list"]}', '{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}']);
  assert.equal(ruleString({ verbs: ['get'], nonResourceURLs: ['/x'] }), '{NonResourceURLs:["/x"], Verbs:["get"]}');
});
