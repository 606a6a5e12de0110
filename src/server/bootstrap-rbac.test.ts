// The default policy on a real control plane: created once, aggregated by the controller, and at a
// restart (ensureDefaultPolicy again) missing parts come back while the user's own additions and
// autoupdate=false roles are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestControlPlane } from '../../test/support/control-plane.js';
import { eventually } from '../../test/support/eventually.js';
import { ensureDefaultPolicy } from './bootstrap-rbac.js';

const clusterRoles = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' };
const bindings = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' };
type Rule = { verbs: string[]; resources?: string[] };

test('default policy: created, aggregated, reconciled without undoing user edits', async () => {
  const plane = await startTestControlPlane();
  try {
    const c = plane.client;
    // admin gathers edit's and view's rules through the aggregation controller.
    await eventually(async () => {
      const admin = await c.get(clusterRoles, undefined, 'admin');
      const rules = (admin.rules as Rule[] | undefined) ?? [];
      return rules.some((r) => r.resources?.includes('rolebindings')) && rules.some((r) => r.resources?.includes('pods/log'));
    }, 5000, 'admin aggregated');

    // A user adds a rule to view (kept) and removes one from basic-user (restored).
    const view = await c.get(clusterRoles, undefined, 'system:aggregate-to-view');
    const extra = { verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] };
    await c.update(clusterRoles, { ...view, rules: [...(view.rules as Rule[]), extra] });
    const basic = await c.get(clusterRoles, undefined, 'system:basic-user');
    await c.update(clusterRoles, { ...basic, rules: (basic.rules as Rule[]).slice(1) });
    // One binding loses a subject; discovery is frozen by its owner with autoupdate=false.
    const pub = await c.get(bindings, undefined, 'system:public-info-viewer');
    await c.update(bindings, { ...pub, subjects: (pub.subjects as unknown[]).slice(0, 1) });
    const disc = await c.get(clusterRoles, undefined, 'system:discovery');
    await c.update(clusterRoles, { ...disc, metadata: { ...disc.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] });
    await c.delete(clusterRoles, undefined, 'system:aggregate-to-edit');

    await ensureDefaultPolicy(plane.context);

    const view2 = await c.get(clusterRoles, undefined, 'system:aggregate-to-view');
    assert.ok((view2.rules as Rule[]).some((r) => r.resources?.includes('widgets')), 'a rule the user added stays');
    const basic2 = await c.get(clusterRoles, undefined, 'system:basic-user');
    assert.equal((basic2.rules as Rule[]).length, 2, 'a removed default rule comes back');
    const pub2 = await c.get(bindings, undefined, 'system:public-info-viewer');
    assert.deepEqual((pub2.subjects as Array<{ name: string }>).map((s) => s.name).sort(), ['system:authenticated', 'system:unauthenticated']);
    const disc2 = await c.get(clusterRoles, undefined, 'system:discovery');
    assert.deepEqual(disc2.rules, [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], 'autoupdate=false is left alone');
    await c.get(clusterRoles, undefined, 'system:aggregate-to-edit');
    // And the aggregated widgets rule reaches admin.
    await eventually(async () => ((await c.get(clusterRoles, undefined, 'admin')).rules as Rule[]).some((r) => r.resources?.includes('widgets')), 5000, 'widgets in admin');
  } finally {
    await plane.close();
  }
});
