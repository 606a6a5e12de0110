// RBAC through kubectl: the four kinds (create generators, tables, patches, validation), the default
// roles as `kubectl auth can-i` reports them, token users limited to their bindings with upstream's
// 403 messages, escalation refused, a binding to a missing role, and the access reviews.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk, type KubectlResult } from './harness.js';

const TOKENS = ['dana-token-111111,dana,2001', 'erin-token-222222,erin,2002,"qa"', 'fred-token-333333,fred,2003'].join('\n');

/** `kubectl auth can-i` prints yes or no (exiting 0 or 1). */
function answer(r: KubectlResult): string {
  const out = r.stdout.trim();
  if (out !== 'yes' && out !== 'no') throw new Error(`unexpected can-i answer\n$ ${r.command}\n${r.stdout}\n${r.stderr}`);
  return out;
}

describeWithKubectls('kubectl and RBAC', { nsPrefix: 'rbac', server: { tokenAuthCsv: TOKENS }, timeout: 180_000 }, (t) => {
  const { kc, ns, index } = t;
  const asUser = (name: string, token: string) => t.server.kubeconfigFor({ name: `${name}-${index}`, token });
  let dana = '';
  let erin = '';
  let fred = '';
  before(() => {
    dana = asUser('dana', 'dana-token-111111');
    erin = asUser('erin', 'erin-token-222222');
    fred = asUser('fred', 'fred-token-333333');
  });

  it('api-resources lists the four kinds, without short names as upstream', async () => {
    const out = expectOk(await kc(['api-resources', '--api-group=rbac.authorization.k8s.io']));
    expectMatch(out, /^clusterrolebindings\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRoleBinding\s*$/m);
    expectMatch(out, /^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole\s*$/m);
    expectMatch(out, /^rolebindings\s+rbac\.authorization\.k8s\.io\/v1\s+true\s+RoleBinding\s*$/m);
    expectMatch(out, /^roles\s+rbac\.authorization\.k8s\.io\/v1\s+true\s+Role\s*$/m);
  });

  it('the story: a CI service account with edit in its namespace', async () => {
    const team = `team-a-${index}`;
    assert.equal(expectOk(await kc(['create', 'namespace', team])).trim(), `namespace/${team} created`);
    assert.equal(expectOk(await kc(['create', 'serviceaccount', 'ci', '-n', team])).trim(), 'serviceaccount/ci created');
    assert.equal(expectOk(await kc(['create', 'rolebinding', 'ci-edit', '--clusterrole=edit', `--serviceaccount=${team}:ci`, '-n', team])).trim(), 'rolebinding.rbac.authorization.k8s.io/ci-edit created');
    const sa = `--as=system:serviceaccount:${team}:ci`;
    assert.equal(answer(await kc(['auth', 'can-i', 'delete', 'pods', '-n', team, sa])), 'yes');
    assert.equal(answer(await kc(['auth', 'can-i', 'get', 'secrets', '-n', 'kube-system', sa])), 'no');
    const wide = expectOk(await kc(['get', 'rolebindings', '-n', team, '-o', 'wide']));
    expectMatch(wide, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\s*$/m);
    expectMatch(wide, new RegExp(`^ci-edit\\s+ClusterRole/edit\\s+\\d+s\\s+${team}/ci\\s*$`, 'm'));
  });

  it('the default roles answer as upstream (can-i matrix)', async () => {
    for (const [user, role] of [['viewer', 'view'], ['editor', 'edit'], ['boss', 'admin']]) {
      expectOk(await kc(['create', 'rolebinding', `${user}-${role}`, `--clusterrole=${role}`, `--user=${user}`, '-n', ns]));
    }
    const cases: Array<[string, string[], 'yes' | 'no']> = [
      ['viewer', ['get', 'pods'], 'yes'],
      ['viewer', ['list', 'deployments.apps'], 'yes'],
      ['viewer', ['get', 'pods/log'], 'yes'],
      ['viewer', ['watch', 'services'], 'yes'],
      ['viewer', ['get', 'configmaps'], 'yes'],
      ['viewer', ['get', 'secrets'], 'no'],
      ['viewer', ['create', 'pods'], 'no'],
      ['viewer', ['create', 'pods/exec'], 'no'],
      ['viewer', ['delete', 'deployments.apps'], 'no'],
      ['viewer', ['list', 'roles.rbac.authorization.k8s.io'], 'no'],
      ['viewer', ['get', 'networkpolicies.networking.k8s.io'], 'yes'],
      ['viewer', ['list', 'endpointslices.discovery.k8s.io'], 'yes'],
      ['editor', ['create', 'pods'], 'yes'],
      ['editor', ['delete', 'pods'], 'yes'],
      ['editor', ['get', 'secrets'], 'yes'],
      ['editor', ['create', 'secrets'], 'yes'],
      ['editor', ['create', 'pods/exec'], 'yes'],
      ['editor', ['patch', 'deployments.apps/scale'], 'yes'],
      ['editor', ['create', 'jobs.batch'], 'yes'],
      ['editor', ['update', 'leases.coordination.k8s.io'], 'yes'],
      ['editor', ['create', 'roles.rbac.authorization.k8s.io'], 'no'],
      ['editor', ['create', 'rolebindings.rbac.authorization.k8s.io'], 'no'],
      ['editor', ['create', 'resourcequotas'], 'no'],
      ['boss', ['create', 'rolebindings.rbac.authorization.k8s.io'], 'yes'],
      ['boss', ['update', 'roles.rbac.authorization.k8s.io'], 'yes'],
      ['boss', ['delete', 'secrets'], 'yes'],
      ['boss', ['create', 'localsubjectaccessreviews.authorization.k8s.io'], 'yes'],
      ['boss', ['bind', 'clusterroles.rbac.authorization.k8s.io/cluster-admin'], 'no'],
      ['boss', ['escalate', 'roles.rbac.authorization.k8s.io'], 'no'],
      ['boss', ['list', 'nodes'], 'no'],
      ['boss', ['get', 'pods', '--namespace=kube-system'], 'no'],
      ['nobody', ['get', 'pods'], 'no'],
      ['nobody', ['create', 'selfsubjectaccessreviews.authorization.k8s.io'], 'yes'],
    ];
    const inNs = (args: string[]) => (args.some((a) => a.startsWith('--namespace=')) ? args : [...args, '-n', ns]);
    const results = await Promise.all(cases.map(([user, args]) => kc(['auth', 'can-i', ...inNs(args), `--as=${user}`])));
    const wrong = cases.filter((c, i) => answer(results[i]) !== c[2]).map(([u, a, want]) => `${u} ${a.join(' ')}: want ${want}`);
    assert.deepEqual(wrong, []);
    assert.ok(cases.length >= 30);
  });

  it('a token user bound by a RoleBinding gets exactly its rights, and upstream 403s otherwise', async () => {
    expectOk(await kc(['create', 'role', 'cm-reader', '--verb=get,list', '--resource=configmaps', '-n', ns]));
    expectOk(await kc(['create', 'rolebinding', 'dana-cm', '--role=cm-reader', '--user=dana', '-n', ns]));
    expectOk(await kc(['create', 'configmap', 'settings', '--from-literal=a=1', '-n', ns]));
    expectMatch(expectOk(await kc(['get', 'configmaps', '-n', ns], { kubeconfig: dana })), /^settings\s+1\s+/m);
    expectError(await kc(['delete', 'configmap', 'settings', '-n', ns], { kubeconfig: dana }),
      `Error from server (Forbidden): configmaps "settings" is forbidden: User "dana" cannot delete resource "configmaps" in API group "" in the namespace "${ns}"`);
    expectError(await kc(['get', 'configmaps', '-n', 'default'], { kubeconfig: dana }),
      'Error from server (Forbidden): configmaps is forbidden: User "dana" cannot list resource "configmaps" in API group "" in the namespace "default"');
    expectError(await kc(['get', 'secrets', '-n', ns], { kubeconfig: dana }),
      `Error from server (Forbidden): secrets is forbidden: User "dana" cannot list resource "secrets" in API group "" in the namespace "${ns}"`);
    expectError(await kc(['get', 'namespace', ns], { kubeconfig: dana }),
      `Error from server (Forbidden): namespaces "${ns}" is forbidden: User "dana" cannot get resource "namespaces" in API group "" in the namespace "${ns}"`);
    expectError(await kc(['get', 'nodes'], { kubeconfig: dana }),
      'Error from server (Forbidden): nodes is forbidden: User "dana" cannot list resource "nodes" in API group "" at the cluster scope');
    assert.equal(answer(await kc(['auth', 'can-i', 'list', 'configmaps', '-n', ns], { kubeconfig: dana })), 'yes');
    assert.equal(answer(await kc(['auth', 'can-i', 'create', 'configmaps', '-n', ns], { kubeconfig: dana })), 'no');
    const list = expectOk(await kc(['auth', 'can-i', '--list', '-n', ns], { kubeconfig: dana }));
    expectMatch(list, /^configmaps\s+\[\]\s+\[\]\s+\[get list\]\s*$/m);
    expectMatch(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]\s*$/m);
    assert.doesNotMatch(list, /^secrets/m);
    // Impersonation needs its own right.
    expectError(await kc(['get', 'configmaps', '-n', ns, '--as=boss'], { kubeconfig: dana }),
      'Error from server (Forbidden): users "boss" is forbidden: User "dana" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it('escalation is refused with the rights not held; bind and escalate lift it', async () => {
    expectOk(await kc(['create', 'rolebinding', 'erin-admin', '--clusterrole=admin', '--user=erin', '-n', ns]));
    expectError(await kc(['create', 'role', 'node-reader', '--verb=get', '--resource=nodes', '-n', ns], { kubeconfig: erin }),
      `roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "erin" (groups=["qa" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}`);
    // Rights erin holds may be handed on.
    expectOk(await kc(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', ns], { kubeconfig: erin }));
    expectOk(await kc(['create', 'rolebinding', 'fred-pods', '--role=pod-reader', '--user=fred', '-n', ns], { kubeconfig: erin }));
    assert.equal(answer(await kc(['auth', 'can-i', 'list', 'pods', '-n', ns], { kubeconfig: fred })), 'yes');
    expectError(await kc(['create', 'rolebinding', 'fred-root', '--clusterrole=cluster-admin', '--user=fred', '-n', ns], { kubeconfig: erin }),
      /rolebindings\.rbac\.authorization\.k8s\.io "fred-root" is forbidden: user "erin" \(groups=\["qa" "system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
    // With `bind` on cluster-admin (given by the admin), the same binding is allowed.
    expectOk(await kc(['create', 'role', 'binder', '--verb=bind', '--resource=clusterroles.rbac.authorization.k8s.io', '--resource-name=cluster-admin', '-n', ns]));
    expectOk(await kc(['create', 'rolebinding', 'erin-binder', '--role=binder', '--user=erin', '-n', ns]));
    expectOk(await kc(['create', 'rolebinding', 'fred-root', '--clusterrole=cluster-admin', '--user=fred', '-n', ns], { kubeconfig: erin }));
    assert.equal(answer(await kc(['auth', 'can-i', 'delete', 'secrets', '-n', ns], { kubeconfig: fred })), 'yes');
    // Editing an existing role is checked too.
    expectError(await kc(['patch', 'role', 'pod-reader', '-n', ns, '--type=json', '-p', '[{"op":"add","path":"/rules/-","value":{"verbs":["*"],"apiGroups":[""],"resources":["nodes"]}}]'], { kubeconfig: erin }),
      /roles\.rbac\.authorization\.k8s\.io "pod-reader" is forbidden: user "erin" .* is attempting to grant RBAC permissions not currently held/);
  });

  it('a RoleBinding to a missing role gives no rights, says why, and breaks nothing', async () => {
    const missing = `does-not-exist-${index}`;
    expectOk(await kc(['create', 'rolebinding', 'ghost', `--clusterrole=${missing}`, '--user=ghost', '-n', ns]));
    expectError(await kc(['get', 'pods', '-n', ns, '--as=ghost']),
      `Error from server (Forbidden): pods is forbidden: User "ghost" cannot list resource "pods" in API group "" in the namespace "${ns}": RBAC: clusterrole.rbac.authorization.k8s.io "${missing}" not found`);
    expectOk(await kc(['get', 'pods', '-n', ns]));
    // Once the role exists, the binding works.
    expectOk(await kc(['create', 'clusterrole', missing, '--verb=list', '--resource=pods']));
    assert.equal(answer(await kc(['auth', 'can-i', 'list', 'pods', '-n', ns, '--as=ghost'])), 'yes');
  });

  it('get shows NAME CREATED AT for roles; ClusterRoles aggregate', async () => {
    const out = expectOk(await kc(['get', 'roles', '-n', ns]));
    expectMatch(out, /^NAME\s+CREATED AT\s*$/m);
    expectMatch(out, /^cm-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s*$/m);
    expectMatch(expectOk(await kc(['get', 'clusterroles'])), /^system:aggregate-to-edit\s+\d{4}-/m);
    const crb = `auditors-${index}`;
    assert.equal(expectOk(await kc(['create', 'clusterrolebinding', crb, '--clusterrole=view', '--group=auditors', '--user=ann', `--serviceaccount=${ns}:robot`])).trim(), `clusterrolebinding.rbac.authorization.k8s.io/${crb} created`);
    expectMatch(expectOk(await kc(['get', 'clusterrolebindings', crb, '-o', 'wide'])), new RegExp(`^${crb}\\s+ClusterRole/view\\s+\\d+s\\s+ann\\s+auditors\\s+${ns}/robot\\s*$`, 'm'));
    const described = expectOk(await kc(['describe', 'rolebinding', 'dana-cm', '-n', ns]));
    expectMatch(described, /^Role:\s*\n\s+Kind:\s+Role\s*\n\s+Name:\s+cm-reader/m);
    expectMatch(expectOk(await kc(['describe', 'role', 'cm-reader', '-n', ns])), /^\s+configmaps\s+\[\]\s+\[\]\s+\[get list\]/m);
    // Leases are not in view by default: a role labelled aggregate-to-view adds them to view, edit and admin.
    const role = `lease-viewer-${index}`;
    expectOk(await kc(['create', 'clusterrole', role, '--verb=get', '--resource=leases.coordination.k8s.io']));
    expectOk(await kc(['label', 'clusterrole', role, 'rbac.authorization.k8s.io/aggregate-to-view=true']));
    const jp = '{range .rules[*]}{.resources}{"\\n"}{end}';
    for (let i = 0; i < 50; i++) {
      if (answer(await kc(['auth', 'can-i', 'get', 'leases.coordination.k8s.io', '-n', ns, '--as=viewer'])) === 'yes') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(expectOk(await kc(['get', 'clusterrole', 'admin', '-o', `jsonpath=${jp}`])), /"leases"/);
    assert.equal(answer(await kc(['auth', 'can-i', 'get', 'leases.coordination.k8s.io', '-n', ns, '--as=viewer'])), 'yes');
  });

  it('patch: strategic, merge and json; roleRef is immutable', async () => {
    expectOk(await kc(['create', 'role', 'patched', '--verb=get', '--resource=pods', '-n', ns]));
    expectOk(await kc(['patch', 'role', 'patched', '-n', ns, '-p', '{"rules":[{"verbs":["list"],"apiGroups":[""],"resources":["pods"]}]}']));
    expectOk(await kc(['patch', 'role', 'patched', '-n', ns, '--type=merge', '-p', '{"metadata":{"labels":{"a":"b"}}}']));
    expectOk(await kc(['patch', 'role', 'patched', '-n', ns, '--type=json', '-p', '[{"op":"add","path":"/rules/0/verbs/-","value":"watch"}]']));
    assert.equal(expectOk(await kc(['get', 'role', 'patched', '-n', ns, '-o', 'jsonpath={.rules[0].verbs} {.metadata.labels.a}'])), '["list","watch"] b');
    expectError(await kc(['patch', 'rolebinding', 'dana-cm', '-n', ns, '--type=merge', '-p', '{"roleRef":{"name":"other"}}']),
      `The RoleBinding "dana-cm" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef`);
  });

  it('malformed RBAC objects are Invalid with upstream field errors', async () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'bad', namespace: ns }, rules: [{ apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'] }, { verbs: ['get'] }] };
    const err = expectError(await kc(['create', '-f', '-'], { input: JSON.stringify(role) }), 'The Role "bad" is invalid:');
    assert.match(err, /rules\[0\]\.verbs: Required value: verbs must contain at least one value/);
    assert.match(err, /rules\[1\]\.nonResourceURLs: Invalid value: \[\]string\{"\/x"\}: namespaced rules cannot apply to non-resource URLs/);
    assert.match(err, /rules\[2\]\.apiGroups: Required value: resource rules must supply at least one api group/);
    assert.match(err, /rules\[2\]\.resources: Required value: resource rules must supply at least one resource/);
    const crb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `bad-${index}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'ci' }, { kind: 'Robot', name: 'r2' }] };
    const err2 = expectError(await kc(['create', '-f', '-'], { input: JSON.stringify(crb) }), `The ClusterRoleBinding "bad-${index}" is invalid:`);
    assert.match(err2, /roleRef\.kind: Unsupported value: "Role": supported values: "ClusterRole"/);
    assert.match(err2, /subjects\[0\]\.namespace: Required value/);
    assert.match(err2, /subjects\[1\]\.kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"/);
    const agg = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `agg-${index}` }, aggregationRule: { clusterRoleSelectors: [] } };
    expectError(await kc(['create', '-f', '-'], { input: JSON.stringify(agg) }), 'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil');
  });

  // --validate=false: with only `create` served, the reviews' OpenAPI has no PATCH operation, so
  // kubectl would validate against /openapi/v2, which k3ts does not serve.
  it('SubjectAccessReview and LocalSubjectAccessReview answer for another subject', async () => {
    const sar = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'dana', resourceAttributes: { namespace: ns, verb: 'list', resource: 'configmaps' } } };
    const out = JSON.parse(expectOk(await kc(['create', '--validate=false', '-f', '-', '-o', 'json'], { input: JSON.stringify(sar) })));
    assert.equal(out.status.allowed, true);
    assert.equal(out.status.reason, `RBAC: allowed by RoleBinding "dana-cm/${ns}" of Role "cm-reader" to User "dana"`);
    const lsar = { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', metadata: { namespace: ns }, spec: { user: 'dana', resourceAttributes: { verb: 'delete', resource: 'configmaps' } } };
    const out2 = JSON.parse(expectOk(await kc(['create', '--validate=false', '-f', '-', '-o', 'json'], { input: JSON.stringify(lsar) })));
    assert.equal(out2.status.allowed, false);
    // Asking about others is an admin's right: dana may not.
    expectError(await kc(['create', '--validate=false', '-f', '-', '-o', 'json'], { input: JSON.stringify(sar), kubeconfig: dana }),
      'User "dana" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
  });
});
