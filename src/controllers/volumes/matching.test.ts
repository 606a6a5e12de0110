import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../registry/types.js';
import { pickVolume, volumeFits } from './matching.js';

const claim = (spec: Record<string, unknown> = {}): KObject => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'c-1' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', ...spec },
});
const volume = (name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): KObject => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], storageClassName: 'manual', hostPath: { path: `/v/${name}` }, ...spec },
  status: { phase: 'Available' },
});
const pinned = (node: string) => ({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });

test('a volume fits when class, modes, size, selector and volume mode all agree', () => {
  assert.ok(volumeFits(volume('a'), claim()));
  assert.ok(!volumeFits(volume('a', { storageClassName: 'fast' }), claim()), 'another class');
  assert.ok(!volumeFits(volume('a', { capacity: { storage: '512Mi' } }), claim()), 'too small');
  assert.ok(!volumeFits(volume('a'), claim({ accessModes: ['ReadWriteMany'] })), 'mode not offered');
  assert.ok(!volumeFits(volume('a', { volumeMode: 'Block' }), claim()), 'block for a filesystem claim');
  assert.ok(volumeFits(volume('a', {}, { tier: 'gold' }), claim({ selector: { matchLabels: { tier: 'gold' } } })));
  assert.ok(!volumeFits(volume('a'), claim({ selector: { matchLabels: { tier: 'gold' } } })), 'selector');
  assert.ok(!volumeFits(volume('a', { claimRef: { namespace: 'ns', name: 'other' } }), claim()), 'reserved for another claim');
  assert.ok(!volumeFits({ ...volume('a'), status: { phase: 'Released' } }, claim()), 'released volumes wait for their reclaim');
});

test('the smallest fitting volume wins, unless one is reserved for the claim', () => {
  const vols = [volume('big', { capacity: { storage: '10Gi' } }), volume('small', { capacity: { storage: '1Gi' } }), volume('mid')];
  assert.equal(pickVolume(vols, claim())?.metadata.name, 'small');
  const reserved = volume('mine', { capacity: { storage: '10Gi' }, claimRef: { namespace: 'ns', name: 'data' } });
  assert.equal(pickVolume([...vols, reserved], claim())?.metadata.name, 'mine');
  assert.equal(pickVolume(vols, claim({ resources: { requests: { storage: '20Gi' } } })), undefined);
});

test('for a node chosen first, only volumes reachable from it fit', () => {
  const vols = [volume('on-a', { nodeAffinity: pinned('a') }), volume('on-b', { nodeAffinity: pinned('b'), capacity: { storage: '5Gi' } })];
  assert.equal(pickVolume(vols, claim(), { name: 'b', labels: { 'kubernetes.io/hostname': 'b' } })?.metadata.name, 'on-b');
  assert.equal(pickVolume(vols, claim(), { name: 'c', labels: { 'kubernetes.io/hostname': 'c' } }), undefined);
});
