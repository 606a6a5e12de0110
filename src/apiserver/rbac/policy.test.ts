// The RBAC authorizer over hand-filled caches: subjects, bindings in and out of a namespace, missing
// roles, and the default roles' answers for the questions kubectl auth can-i is asked most.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../registry/types.js';
import type { RequestInfo } from '../request-info.js';
import { aggregatedRules, selectorsOf } from '../../registry/kinds/rbac-aggregation.js';
import { decide } from './authorizer.js';
import { defaultClusterRoleBindings, defaultClusterRoles } from './default-policy.js';
import { PolicyIndex, type ObjectSource } from './policy.js';

class Source implements ObjectSource {
  private readonly items = new Map<string, KObject>();
  private readonly listeners = new Set<(ev: { type: string; object: KObject }) => void>();
  constructor(items: KObject[] = []) {
    for (const i of items) this.set(i);
  }
  private key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;
  list(namespace?: string) {
    return [...this.items.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace);
  }
  get(namespace: string | undefined, name: string) {
    return this.items.get(this.key(namespace, name));
  }
  subscribe(l: (ev: { type: string; object: KObject }) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(o: KObject) {
    this.items.set(this.key(o.metadata.namespace, o.metadata.name!), o);
    for (const l of this.listeners) l({ type: 'MODIFIED', object: o });
  }
}

/** The default ClusterRoles with admin, edit and view aggregated as the controller would. */
function aggregatedDefaults(): KObject[] {
  const roles = defaultClusterRoles();
  for (let pass = 0; pass < 3; pass++) for (const r of roles) if (selectorsOf(r)) r.rules = aggregatedRules(r, roles);
  return roles;
}

const binding = (name: string, ns: string | undefined, role: { kind: string; name: string }, subjects: object[]): KObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: ns ? 'RoleBinding' : 'ClusterRoleBinding',
  metadata: { name, ...(ns ? { namespace: ns } : {}) },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...role },
  subjects,
});

function fixture() {
  const s = {
    roles: new Source([{ metadata: { name: 'cm-reader', namespace: 'a' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['app'] }] }]),
    clusterRoles: new Source(aggregatedDefaults()),
    roleBindings: new Source([
      binding('admins', 'a', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'ada' }]),
      binding('editors', 'a', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'Group', name: 'devs' }]),
      binding('viewers', 'a', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'vic' }]),
      binding('ci', 'a', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'ServiceAccount', name: 'ci' }]),
      binding('cm', 'a', { kind: 'Role', name: 'cm-reader' }, [{ kind: 'User', name: 'carl' }]),
      binding('dangling', 'a', { kind: 'ClusterRole', name: 'nope' }, [{ kind: 'User', name: 'dan' }]),
    ]),
    clusterRoleBindings: new Source(defaultClusterRoleBindings()),
  };
  return { s, index: new PolicyIndex(s) };
}

const user = (name: string, ...groups: string[]) => ({ name, groups: [...groups, 'system:authenticated'] });
const r = (verb: string, resource: string, ns?: string, extra: Partial<{ group: string; name: string; subresource: string }> = {}): RequestInfo => ({
  kind: 'resource', verb, group: extra.group ?? '', version: 'v1', resource, ...(ns ? { namespace: ns } : {}),
  ...(extra.name ? { name: extra.name } : {}), ...(extra.subresource ? { subresource: extra.subresource } : {}),
});

test('default roles answer as upstream does', () => {
  const { index } = fixture();
  const rbac = 'rbac.authorization.k8s.io';
  const ada = user('ada');
  const dev = user('eve', 'devs');
  const vic = user('vic');
  const sa = { name: 'system:serviceaccount:a:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:a', 'system:authenticated'] };
  const cases: Array<[string, { name: string; groups: string[] }, RequestInfo, boolean]> = [
    ['view reads pods', vic, r('list', 'pods', 'a'), true],
    ['view reads pod logs', vic, r('get', 'pods', 'a', { name: 'p', subresource: 'log' }), true],
    ['view cannot read secrets', vic, r('get', 'secrets', 'a', { name: 's' }), false],
    ['view cannot exec', vic, r('create', 'pods', 'a', { name: 'p', subresource: 'exec' }), false],
    ['view cannot create pods', vic, r('create', 'pods', 'a'), false],
    ['view reads deployments', vic, r('list', 'deployments', 'a', { group: 'apps' }), true],
    ['view reads its namespace', vic, r('get', 'namespaces', undefined, { name: 'a' }), true],
    ['view cannot read another namespace', vic, r('get', 'namespaces', undefined, { name: 'b' }), false],
    ['view cannot read roles', vic, r('list', 'roles', 'a', { group: rbac }), false],
    ['view reads endpointslices', vic, r('list', 'endpointslices', 'a', { group: 'discovery.k8s.io' }), true],
    ['view reads network policies', vic, r('list', 'networkpolicies', 'a', { group: 'networking.k8s.io' }), true],
    ['view cannot read leases', vic, r('list', 'leases', 'a', { group: 'coordination.k8s.io' }), false],
    ['edit creates pods', dev, r('create', 'pods', 'a'), true],
    ['edit reads secrets', dev, r('get', 'secrets', 'a', { name: 's' }), true],
    ['edit execs into pods', dev, r('create', 'pods', 'a', { name: 'p', subresource: 'exec' }), true],
    ['edit scales deployments', dev, r('patch', 'deployments', 'a', { group: 'apps', name: 'd', subresource: 'scale' }), true],
    ['edit cannot edit roles', dev, r('create', 'roles', 'a', { group: rbac }), false],
    ['edit cannot create rolebindings', dev, r('create', 'rolebindings', 'a', { group: rbac }), false],
    ['edit writes leases', dev, r('update', 'leases', 'a', { group: 'coordination.k8s.io', name: 'l' }), true],
    ['edit evicts pods', dev, r('create', 'pods', 'a', { name: 'p', subresource: 'eviction' }), true],
    ['edit cannot delete the namespace', dev, r('delete', 'namespaces', undefined, { name: 'a' }), false],
    ['edit writes nothing elsewhere', dev, r('create', 'pods', 'b'), false],
    ['edit impersonates service accounts', dev, r('impersonate', 'serviceaccounts', 'a', { name: 'ci' }), true],
    ['admin creates rolebindings', ada, r('create', 'rolebindings', 'a', { group: rbac }), true],
    ['admin edits roles', ada, r('update', 'roles', 'a', { group: rbac, name: 'x' }), true],
    ['admin asks local access reviews', ada, r('create', 'localsubjectaccessreviews', 'a', { group: 'authorization.k8s.io' }), true],
    ['admin cannot read nodes', ada, r('list', 'nodes'), false],
    ['admin cannot bind', ada, r('bind', 'clusterroles', 'a', { group: rbac, name: 'cluster-admin' }), false],
    ['admin cannot escalate', ada, r('escalate', 'roles', 'a', { group: rbac, name: 'x' }), false],
    ['admin cannot write resource quotas', ada, r('create', 'resourcequotas', 'a'), false],
    ['a service account by its subject', sa, r('delete', 'pods', 'a', { name: 'p' }), true],
    ['a service account only in its namespace', sa, r('get', 'secrets', 'kube-system', { name: 's' }), false],
    ['a named role grants its one name', user('carl'), r('get', 'configmaps', 'a', { name: 'app' }), true],
    ['a named role grants no list', user('carl'), r('list', 'configmaps', 'a'), false],
    ['everyone may ask self reviews', user('nobody'), r('create', 'selfsubjectaccessreviews', undefined, { group: 'authorization.k8s.io' }), true],
    ['everyone may ask rules reviews', user('nobody'), r('create', 'selfsubjectrulesreviews', undefined, { group: 'authorization.k8s.io' }), true],
    ['everyone may whoami', user('nobody'), r('create', 'selfsubjectreviews', undefined, { group: 'authentication.k8s.io' }), true],
    ['nobody else may list pods', user('nobody'), r('list', 'pods', 'a'), false],
    ['discovery for the authenticated', user('nobody'), { kind: 'nonresource', verb: 'get', path: '/apis/apps/v1' }, true],
    ['health for the unauthenticated', { name: 'system:anonymous', groups: ['system:unauthenticated'] }, { kind: 'nonresource', verb: 'get', path: '/healthz' }, true],
    ['no discovery for the unauthenticated', { name: 'system:anonymous', groups: ['system:unauthenticated'] }, { kind: 'nonresource', verb: 'get', path: '/api' }, false],
    ['masters do anything through cluster-admin', { name: 'root', groups: ['system:masters'] }, r('delete', 'nodes', undefined, { name: 'n' }), true],
    ['masters post anywhere', { name: 'root', groups: ['system:masters'] }, { kind: 'nonresource', verb: 'post', path: '/x' }, true],
  ];
  for (const [what, who, info, want] of cases) assert.equal(decide(index, who, info).allowed, want, what);
  assert.ok(cases.length >= 30);
});

test('the reason names the binding that allowed, or the role that is missing', () => {
  const { index } = fixture();
  assert.equal(decide(index, user('eve', 'devs'), r('list', 'pods', 'a')).reason, 'RBAC: allowed by RoleBinding "editors/a" of ClusterRole "edit" to Group "devs"');
  const sa = { name: 'system:serviceaccount:a:ci', groups: [] };
  assert.equal(decide(index, sa, r('list', 'pods', 'a')).reason, 'RBAC: allowed by RoleBinding "ci/a" of ClusterRole "edit" to ServiceAccount "a/ci"');
  // A binding to a missing role grants nothing and says why.
  assert.deepEqual(decide(index, user('dan'), r('list', 'pods', 'a')), { allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found' });
  assert.deepEqual(decide(index, user('dan'), r('list', 'pods', 'b')), { allowed: false });
});

test('the index follows binding changes', () => {
  const { s, index } = fixture();
  assert.equal(decide(index, user('newbie'), r('list', 'pods', 'z')).allowed, false);
  s.roleBindings.set(binding('late', 'z', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'newbie' }]));
  assert.equal(decide(index, user('newbie'), r('list', 'pods', 'z')).allowed, true);
  // Roles are read at decision time: a changed role counts at once.
  s.roles.set({ metadata: { name: 'cm-reader', namespace: 'a' }, rules: [] });
  assert.equal(decide(index, user('carl'), r('get', 'configmaps', 'a', { name: 'app' })).allowed, false);
});

test('aggregation gathers matching roles in name order, each rule once', () => {
  const roles = aggregatedDefaults();
  const admin = roles.find((x) => x.metadata.name === 'admin')!;
  const view = roles.find((x) => x.metadata.name === 'view')!;
  const edit = roles.find((x) => x.metadata.name === 'edit')!;
  const key = (rules: unknown) => new Set((rules as object[]).map((x) => JSON.stringify(x)));
  for (const rule of key(view.rules)) assert.ok(key(edit.rules).has(rule), `edit has view's ${rule}`);
  for (const rule of key(edit.rules)) assert.ok(key(admin.rules).has(rule), `admin has edit's ${rule}`);
  assert.equal((admin.rules as unknown[]).length, key(admin.rules).size);
});
