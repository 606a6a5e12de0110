import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchMetaFor } from '../../registry/patch-meta.js';
import { PatchError } from './patch-error.js';
import { applyStrategicMergePatch } from './strategic.js';

const deploymentMeta = patchMetaFor('apps', 'Deployment')!;
const nodeMeta = patchMetaFor('', 'Node')!;
const podMeta = patchMetaFor('', 'Pod')!;
const serviceMeta = patchMetaFor('', 'Service')!;

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/** Applies to a frozen original, so any mutation of it throws. */
function smp(original: object, patch: unknown, meta = deploymentMeta): any {
  return applyStrategicMergePatch(deepFreeze(structuredClone(original)), patch, meta);
}

function deployment(containers: object[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { a: '1' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } },
    },
  };
}

const nginx = { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] };
const sidecar = { name: 'sidecar', image: 'busybox', args: ['sleep', 'inf'] };

const containersOf = (d: any) => d.spec.template.spec.containers;

function expectPatchError(fn: () => unknown, code: PatchError['code'], message?: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PatchError, `expected PatchError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('strategic merge patch: what kubectl apply sends', () => {
  it('changes one image with $setElementOrder and keeps the other container and fields', () => {
    const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment"}\n';
    const out = smp(deployment([nginx, sidecar]), {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } },
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
        containers: [{ image: 'nginx:1.26', name: 'nginx' }],
      } } },
    });
    assert.deepEqual(containersOf(out), [{ ...nginx, image: 'nginx:1.26' }, sidecar]);
    assert.deepEqual(out.metadata.annotations, { a: '1', 'kubectl.kubernetes.io/last-applied-configuration': lastApplied });
    assert.equal(JSON.stringify(out).includes('$setElementOrder'), false);
  });

  it('removes a container and an env var the manifest dropped (three-way delete directives)', () => {
    const c = { ...nginx, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] };
    const out = smp(deployment([c, sidecar]), {
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }],
        containers: [
          { name: 'nginx', '$setElementOrder/env': [{ name: 'B' }], env: [{ $patch: 'delete', name: 'A' }] },
          { $patch: 'delete', name: 'sidecar' },
        ],
      } } },
    });
    assert.deepEqual(containersOf(out), [{ ...nginx, env: [{ name: 'B', value: '2' }] }]);
  });

  it('reorders containers when $setElementOrder comes without the list', () => {
    const out = smp(deployment([nginx, sidecar]), {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } } },
    });
    assert.deepEqual(containersOf(out).map((c: any) => c.name), ['sidecar', 'nginx']);
  });

  it('adds a new container in the place $setElementOrder gives it', () => {
    const out = smp(deployment([nginx, sidecar]), {
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'log' }, { name: 'sidecar' }],
        containers: [{ name: 'log', image: 'fluent-bit' }],
      } } },
    });
    assert.deepEqual(containersOf(out).map((c: any) => c.name), ['nginx', 'log', 'sidecar']);
  });

  it('switches the strategy to Recreate with $retainKeys, dropping rollingUpdate', () => {
    const out = smp(deployment([nginx]), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  it('clears the keys $retainKeys leaves out even without an explicit null', () => {
    const out = smp(deployment([nginx]), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
    assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  });

  it('rejects a patch setting a field that its $retainKeys omits (400)', () => {
    expectPatchError(
      () => smp(deployment([nginx]), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }),
      'BadRequest', /retainKeys/,
    );
  });

  it('switches a volume source with $retainKeys inside a merged list element', () => {
    const d = deployment([nginx], { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }] });
    const out = smp(d, { spec: { template: { spec: { volumes: [{ $retainKeys: ['hostPath', 'name'], name: 'data', hostPath: { path: '/srv' } }] } } } });
    assert.deepEqual(out.spec.template.spec.volumes, [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'cfg', configMap: { name: 'c' } }]);
  });

  it('removes a finalizer with $deleteFromPrimitiveList and keeps the rest in order', () => {
    const d = { ...deployment([nginx]), metadata: { name: 'web', finalizers: ['a.io/x', 'b.io/y', 'c.io/z'] } };
    const out = smp(d, { metadata: { '$setElementOrder/finalizers': ['a.io/x', 'c.io/z'], '$deleteFromPrimitiveList/finalizers': ['b.io/y'] } });
    assert.deepEqual(out.metadata.finalizers, ['a.io/x', 'c.io/z']);
  });

  it('unions a primitive list with strategy merge (finalizers)', () => {
    const d = { ...deployment([nginx]), metadata: { name: 'web', finalizers: ['a', 'b'] } };
    assert.deepEqual(smp(d, { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers, ['a', 'b', 'c']);
  });

  it('merges ownerReferences by uid', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' };
    const d = { ...deployment([nginx]), metadata: { name: 'web', ownerReferences: [ref] } };
    const out = smp(d, { metadata: { ownerReferences: [{ uid: 'u1', controller: true }, { uid: 'u2', apiVersion: 'v1', kind: 'X', name: 'x' }] } });
    assert.deepEqual(out.metadata.ownerReferences, [{ ...ref, controller: true }, { uid: 'u2', apiVersion: 'v1', kind: 'X', name: 'x' }]);
  });
});

describe('strategic merge patch: kubectl set, edit, patch', () => {
  it('adds an env var by name as kubectl set env sends it, after the existing ones', () => {
    const out = smp(deployment([nginx, sidecar]), {
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }],
        containers: [{ '$setElementOrder/env': [{ name: 'A' }, { name: 'FOO' }], env: [{ name: 'FOO', value: 'bar' }], name: 'nginx' }],
      } } },
    });
    assert.deepEqual(containersOf(out)[0], { ...nginx, env: [{ name: 'A', value: '1' }, { name: 'FOO', value: 'bar' }] });
    assert.deepEqual(containersOf(out)[1], sidecar);
  });

  it('puts a new element first when no $setElementOrder says otherwise, as upstream does', () => {
    const out = smp(deployment([nginx]), {
      spec: { template: { spec: { containers: [{ env: [{ name: 'FOO', value: 'bar' }], name: 'nginx' }] } } },
    });
    assert.deepEqual(containersOf(out)[0].env, [{ name: 'FOO', value: 'bar' }, { name: 'A', value: '1' }]);
  });

  it('changes an env var in place and removes another with $patch: delete', () => {
    const c = { ...nginx, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] };
    const out = smp(deployment([c]), {
      spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'C', value: '30' }, { name: 'A', $patch: 'delete' }] }] } } },
    });
    assert.deepEqual(containersOf(out)[0].env, [{ name: 'B', value: '2' }, { name: 'C', value: '30' }]);
  });

  it('removes a container with $patch: delete', () => {
    const out = smp(deployment([nginx, sidecar]), { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } });
    assert.deepEqual(containersOf(out), [nginx]);
  });

  it('replaces the whole container list with a $patch: replace element', () => {
    const out = smp(deployment([nginx, sidecar]), {
      spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } },
    });
    assert.deepEqual(containersOf(out), [{ name: 'only', image: 'x' }]);
  });

  it('replaces a map with $patch: replace', () => {
    const out = smp(deployment([nginx]), { metadata: { labels: { $patch: 'replace', tier: 'web' } } });
    assert.deepEqual(out.metadata.labels, { tier: 'web' });
  });

  it('deletes a map with $patch: delete', () => {
    const out = smp(deployment([nginx]), { metadata: { annotations: { $patch: 'delete' } } });
    assert.equal('annotations' in out.metadata, false);
  });

  it('merges container ports by containerPort and replaces args whole', () => {
    const c = { ...nginx, args: ['-a', '-b'], ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] };
    const out = smp(deployment([c]), {
      spec: { template: { spec: { containers: [{ name: 'nginx', args: ['-c'], ports: [{ containerPort: 443, name: 'https' }] }] } } },
    });
    assert.deepEqual(containersOf(out)[0].ports, [{ containerPort: 80, name: 'http' }, { containerPort: 443, name: 'https' }]);
    assert.deepEqual(containersOf(out)[0].args, ['-c']);
  });

  it('replaces tolerations whole', () => {
    const d = deployment([nginx], { tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] });
    const out = smp(d, { spec: { template: { spec: { tolerations: [{ key: 'c', operator: 'Exists' }] } } } });
    assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'c', operator: 'Exists' }]);
  });

  it('adds the rollout restart annotation into a template without annotations', () => {
    const out = smp(deployment([nginx]), {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } },
    });
    assert.deepEqual(out.spec.template.metadata, { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } });
  });

  it('deletes a field with null and ignores nulls for fields that are not there', () => {
    const out = smp(deployment([nginx]), { spec: { replicas: null, paused: null, template: { metadata: { annotations: { x: null } } } } });
    assert.equal('replicas' in out.spec, false);
    assert.equal('paused' in out.spec, false);
    assert.deepEqual(out.spec.template.metadata.annotations, {});
  });

  it('strips directives and nulls from new list elements', () => {
    const out = smp(deployment([nginx]), {
      spec: { template: { spec: { containers: [{ name: 'new', image: 'x', resources: null, env: [{ name: 'E', value: 'v' }], '$setElementOrder/env': [{ name: 'E' }] }] } } },
    });
    assert.deepEqual(containersOf(out).find((c: any) => c.name === 'new'), { name: 'new', image: 'x', env: [{ name: 'E', value: 'v' }] });
  });

  it('merges status conditions by type', () => {
    const pod = { metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } };
    const out = smp(pod, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, podMeta);
    assert.deepEqual(out.status.conditions, [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]);
  });

  it('merges Service ports by port', () => {
    const svc = { metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } };
    const out = smp(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, serviceMeta);
    assert.deepEqual(out.spec.ports, [{ port: 80, targetPort: 9090 }, { port: 443, targetPort: 8443 }]);
  });
});

describe('strategic merge patch: nodes (taint, cordon)', () => {
  const node = {
    metadata: { name: 'n1' },
    spec: { taints: [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', value: 'v', effect: 'NoExecute' }] },
    status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }] },
  };

  it('kubectl taint k-: the whole list is sent and replaces, so a taint can be removed', () => {
    const out = smp(node, { spec: { taints: [{ effect: 'NoExecute', key: 'b', value: 'v' }] } }, nodeMeta);
    assert.deepEqual(out.spec.taints, [{ effect: 'NoExecute', key: 'b', value: 'v' }]);
  });

  it('cordon sets unschedulable and uncordon removes it', () => {
    const cordoned = smp(node, { spec: { unschedulable: true } }, nodeMeta);
    assert.equal(cordoned.spec.unschedulable, true);
    const uncordoned = smp(cordoned, { spec: { unschedulable: null } }, nodeMeta);
    assert.equal('unschedulable' in uncordoned.spec, false);
    assert.deepEqual(uncordoned.spec.taints, node.spec.taints);
  });

  it('merges node addresses by type', () => {
    const out = smp(node, { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }] } }, nodeMeta);
    assert.deepEqual(out.status.addresses, [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }]);
  });
});

describe('strategic merge patch: errors', () => {
  it('rejects a body that is not an object (400)', () => {
    expectPatchError(() => smp(deployment([nginx]), [{ op: 'add' }]), 'BadRequest');
    expectPatchError(() => smp(deployment([nginx]), 'x'), 'BadRequest');
    expectPatchError(() => smp(deployment([nginx]), null), 'BadRequest');
  });

  it('rejects a merged list element without its merge key (400)', () => {
    expectPatchError(
      () => smp(deployment([nginx]), { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }),
      'BadRequest', /does not contain declared merge key: name/,
    );
  });

  it('rejects an unknown $patch directive (400)', () => {
    expectPatchError(() => smp(deployment([nginx]), { metadata: { labels: { $patch: 'explode' } } }), 'BadRequest', /unknown patch type/);
  });

  it('rejects a patch list in another order than its $setElementOrder (400)', () => {
    expectPatchError(() => smp(deployment([nginx, sidecar]), {
      spec: { template: { spec: {
        '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
        containers: [{ name: 'sidecar', image: 'a' }, { name: 'nginx', image: 'b' }],
      } } },
    }), 'BadRequest', /setElementOrder/);
  });

  it('rejects lists of lists in a merged list (422)', () => {
    const d = { ...deployment([nginx]), metadata: { name: 'web', finalizers: ['a'] } };
    expectPatchError(() => smp(d, { metadata: { finalizers: [['b']] } }), 'Invalid', /lists of lists/);
  });

  it('leaves the original untouched when it fails half way', () => {
    const original = deployment([nginx, sidecar]);
    const copy = structuredClone(original);
    assert.throws(() => applyStrategicMergePatch(original, {
      metadata: { labels: { changed: 'yes' } },
      spec: { template: { spec: { containers: [{ image: 'no-name' }] } } },
    }, deploymentMeta));
    assert.deepEqual(original, copy);
  });

  it('keeps a "__proto__" key as data', () => {
    const out = smp(deployment([nginx]), JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}'));
    assert.equal(({} as any).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out.metadata.labels, '__proto__')?.value, { polluted: 'yes' });
  });
});
