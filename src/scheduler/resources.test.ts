import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, PodSpec } from 'kubernetes-types/core/v1.js';
import { isScalarResource, nodeAllocatable, podNonZeroRequests, podRequests } from './resources.js';

const c = (name: string, requests?: Record<string, string>, restartPolicy?: string) => ({ name, image: 'x', ...(requests ? { resources: { requests } } : {}), ...(restartPolicy ? { restartPolicy } : {}) });

describe('pod requests', () => {
  it('sums the containers, in millicores and bytes', () => {
    const r = podRequests({ containers: [c('a', { cpu: '0.1', memory: '64Mi' }), c('b', { cpu: '250m', memory: '1Gi', 'ephemeral-storage': '1G' })] });
    assert.deepEqual(r, { milliCpu: 350, memory: 64 * 2 ** 20 + 2 ** 30, ephemeralStorage: 1e9 });
  });

  it('takes the largest init container when it asks more than the containers together', () => {
    const spec: PodSpec = { initContainers: [c('migrate', { cpu: '2', memory: '10Mi' })], containers: [c('a', { cpu: '500m', memory: '1Gi' })] };
    assert.deepEqual(podRequests(spec), { milliCpu: 2000, memory: 2 ** 30, ephemeralStorage: 0 });
  });

  it('counts sidecars with the containers and with every init container after them, and adds the overhead', () => {
    const spec = {
      initContainers: [c('proxy', { cpu: '100m' }, 'Always'), c('setup', { cpu: '1' })],
      containers: [c('a', { cpu: '200m' })],
      overhead: { cpu: '50m' },
    } as PodSpec;
    // during setup: 1 + proxy 0.1 = 1.1; afterwards: 0.2 + 0.1 = 0.3; plus 50m overhead
    assert.equal(podRequests(spec).milliCpu, 1150);
  });

  it('counts extended resources by name', () => {
    assert.deepEqual(podRequests({ containers: [c('a', { 'example.com/gpu': '2' })] }).scalar, { 'example.com/gpu': 2 });
    assert.equal(isScalarResource('hugepages-2Mi'), true);
    assert.equal(isScalarResource('kubernetes.io/something'), false);
    assert.equal(isScalarResource('cpu'), false);
  });

  it('counts a container without requests as 100m and 200Mi when scoring', () => {
    const r = podNonZeroRequests({ containers: [c('a'), c('b', { cpu: '0' })] });
    assert.equal(r.milliCpu, 100);
    assert.equal(r.memory, 400 * 2 ** 20);
  });
});

describe('node allocatable', () => {
  it('reads status.allocatable, with what is absent as zero', () => {
    const node = { metadata: { name: 'n' }, status: { allocatable: { cpu: '3800m', memory: '7Gi', pods: '110' } } } as Node;
    assert.deepEqual(nodeAllocatable(node), { milliCpu: 3800, memory: 7 * 2 ** 30, ephemeralStorage: 0, pods: 110 });
    assert.equal(nodeAllocatable({ metadata: { name: 'bare' } } as Node).pods, 0);
  });
});
