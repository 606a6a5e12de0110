import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patchMetaFor } from './patch-meta.js';

describe('patchMetaFor', () => {
  it('describes every built-in kind the API serves', () => {
    const kinds = [
      ['', 'Pod'], ['', 'Node'], ['', 'Service'], ['', 'Endpoints'], ['', 'ConfigMap'], ['', 'Secret'], ['', 'Namespace'],
      ['', 'ServiceAccount'], ['', 'Event'], ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'DaemonSet'],
      ['apps', 'StatefulSet'], ['batch', 'Job'], ['batch', 'CronJob'], ['coordination.k8s.io', 'Lease'],
      ['discovery.k8s.io', 'EndpointSlice'], ['events.k8s.io', 'Event'],
    ];
    for (const [group, kind] of kinds) assert.ok(patchMetaFor(group!, kind!), `${group}/${kind}`);
  });

  it('has nothing for custom resources or kinds in another group', () => {
    assert.equal(patchMetaFor('example.com', 'Widget'), undefined);
    assert.equal(patchMetaFor('apps', 'Pod'), undefined);
  });

  it('reaches containers through a CronJob and env by name inside them', () => {
    const cronJob = patchMetaFor('batch', 'CronJob')!;
    const podSpec = cronJob.spec?.type?.jobTemplate?.type?.spec?.type?.template?.type?.spec?.type;
    assert.deepEqual({ strategy: podSpec?.containers?.strategy, mergeKey: podSpec?.containers?.mergeKey }, { strategy: 'merge', mergeKey: 'name' });
    assert.equal(podSpec?.containers?.type?.env?.mergeKey, 'name');
    assert.equal(podSpec?.tolerations, undefined);
  });

  it('leaves node taints without a strategy, so a patch replaces the list', () => {
    assert.equal(patchMetaFor('', 'Node')!.spec?.type?.taints, undefined);
    assert.equal(patchMetaFor('', 'Node')!.status?.type?.addresses?.mergeKey, 'type');
  });
});
