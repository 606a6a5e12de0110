import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, parseAuditPolicy } from './policy.js';
import { parseRequestInfo } from '../request-info.js';

const policy = parseAuditPolicy({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    { level: 'None', users: ['system:kube-proxy'], verbs: ['watch'] },
    { level: 'None', userGroups: ['system:nodes'], resources: [{ group: '', resources: ['events'] }] },
    { level: 'RequestResponse', resources: [{ group: '', resources: ['pods/log'] }] },
    { level: 'Request', resources: [{ group: '', resources: ['configmaps'], resourceNames: ['special'] }], namespaces: ['kube-system'] },
    { level: 'Metadata', resources: [{ group: '', resources: ['secrets', 'configmaps'] }], omitStages: ['ResponseStarted'] },
    { level: 'Request', resources: [{ group: 'apps', resources: ['*'] }] },
    { level: 'None', nonResourceURLs: ['/healthz*', '/version'] },
    { level: 'Metadata', namespaces: [''] },
  ],
});

const req = (method: string, path: string) => parseRequestInfo(method, path, new URLSearchParams(path.split('?')[1] ?? ''));
const level = (user: string, groups: string[], method: string, path: string) => decide(policy, { name: user, groups }, req(method, path)).level;

describe('audit policy', () => {
  it('the first matching rule decides, by user, group, verb, resource, name, namespace and URL', () => {
    const cases: Array<[string, string[], string, string, string]> = [
      ['system:kube-proxy', [], 'GET', '/api/v1/services?watch=1', 'None'],
      ['system:kube-proxy', [], 'GET', '/api/v1/services', 'Metadata'], // list is not watch; cluster-wide list has namespace ""
      ['system:node:a', ['system:nodes'], 'POST', '/api/v1/namespaces/x/events', 'None'],
      // events from someone else reach no rule but the cluster-scope one, and x is not "".
      ['bob', [], 'POST', '/api/v1/namespaces/x/events', 'None'],
      ['bob', [], 'GET', '/api/v1/namespaces/x/pods/p/log', 'RequestResponse'],
      ['bob', [], 'GET', '/api/v1/namespaces/x/pods/p', 'None'],
      ['bob', [], 'GET', '/api/v1/namespaces/kube-system/configmaps/special', 'Request'],
      ['bob', [], 'GET', '/api/v1/namespaces/default/configmaps/special', 'Metadata'],
      ['bob', [], 'GET', '/api/v1/namespaces/kube-system/configmaps/other', 'Metadata'],
      ['bob', [], 'DELETE', '/api/v1/namespaces/x/secrets/s', 'Metadata'],
      ['bob', [], 'PATCH', '/apis/apps/v1/namespaces/x/deployments/d/scale', 'Request'],
      ['bob', [], 'GET', '/healthz/etcd', 'None'],
      ['bob', [], 'GET', '/version', 'None'],
      ['bob', [], 'GET', '/versionx', 'None'],
      ['bob', [], 'GET', '/api/v1/nodes', 'Metadata'],
    ];
    for (const [user, groups, method, path, want] of cases) assert.equal(level(user, groups, method, path), want, `${user} ${method} ${path}`);
  });

  it('"pods" alone does not cover its subresources, "pods/*" and "*/log" do', () => {
    const p = (resources: string[]) => parseAuditPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'Metadata', resources: [{ resources }] }] });
    const at = (resources: string[], path: string) => decide(p(resources), { name: 'u', groups: [] }, req('GET', path)).level;
    assert.equal(at(['pods'], '/api/v1/namespaces/x/pods/p/log'), 'None');
    assert.equal(at(['pods'], '/api/v1/namespaces/x/pods/p'), 'Metadata');
    assert.equal(at(['pods/*'], '/api/v1/namespaces/x/pods/p/log'), 'Metadata');
    assert.equal(at(['pods/*'], '/api/v1/namespaces/x/pods/p'), 'None');
    assert.equal(at(['*/log'], '/api/v1/namespaces/x/pods/p/log'), 'Metadata');
    assert.equal(at(['*'], '/api/v1/namespaces/x/pods/p/exec'), 'Metadata');
    assert.equal(at(['*'], '/apis/apps/v1/namespaces/x/deployments'), 'None', 'the group must match too');
  });

  it('omitStages joins the policy\'s and the rule\'s; omitManagedFields is inherited unless the rule says', () => {
    const d = decide(policy, { name: 'bob', groups: [] }, req('GET', '/api/v1/namespaces/x/secrets/s'));
    assert.deepEqual([...d.omitStages].sort(), ['RequestReceived', 'ResponseStarted']);
    const p = parseAuditPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitManagedFields: true, rules: [{ level: 'Request', users: ['a'], omitManagedFields: false }, { level: 'Request' }] });
    assert.equal(decide(p, { name: 'a', groups: [] }, req('GET', '/api/v1/pods')).omitManagedFields, false);
    assert.equal(decide(p, { name: 'b', groups: [] }, req('GET', '/api/v1/pods')).omitManagedFields, true);
  });

  it('refuses what upstream refuses, naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ apiVersion: 'audit.k8s.io/v1beta1', kind: 'Policy', rules: [{ level: 'None' }] }, /apiVersion: must be "audit.k8s.io\/v1"/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [] }, /rules: at least one rule/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'All' }] }, /rules\[0\]\.level: Unsupported value: "All"/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', nonResourceURLs: ['/a'], resources: [{ resources: ['pods'] }] }] }, /both regular resources and non-resource URLs/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', nonResourceURLs: ['/a*b'] }] }, /"\*" only at its end/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', omitStages: ['Done'] }] }, /rules\[0\]\.omitStages: unsupported stage "Done"/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', resources: [{ group: 'apps/v1' }] }] }, /group name, without a version/],
      [{ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None', verb: ['get'] }] }, /unknown field "verb"/],
    ];
    for (const [doc, re] of bad) assert.throws(() => parseAuditPolicy(doc), re);
  });
});
