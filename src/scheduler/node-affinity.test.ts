import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeSelectorRequirement, PodSpec } from 'kubernetes-types/core/v1.js';
import { nodeMatchesRequired, pinnedNodeNames, preferredAffinityWeight, requiredNodeAffinity, termMatches } from './node-affinity.js';

const labels = { zone: 'a', disk: 'ssd', cores: '8' };
const expr = (key: string, operator: string, values?: string[]): NodeSelectorRequirement => ({ key, operator, ...(values ? { values } : {}) });
const matches = (...exprs: NodeSelectorRequirement[]) => termMatches({ matchExpressions: exprs }, labels, 'node-1');

describe('node selector terms', () => {
  it('In, NotIn, Exists, DoesNotExist read the labels', () => {
    assert.equal(matches(expr('zone', 'In', ['a', 'b'])), true);
    assert.equal(matches(expr('zone', 'In', ['b'])), false);
    assert.equal(matches(expr('zone', 'NotIn', ['b'])), true);
    assert.equal(matches(expr('gpu', 'NotIn', ['x'])), true, 'NotIn matches a node without the label');
    assert.equal(matches(expr('disk', 'Exists')), true);
    assert.equal(matches(expr('gpu', 'Exists')), false);
    assert.equal(matches(expr('gpu', 'DoesNotExist')), true);
  });

  it('Gt and Lt compare integers, and match nothing when either side is not one', () => {
    assert.equal(matches(expr('cores', 'Gt', ['4'])), true);
    assert.equal(matches(expr('cores', 'Lt', ['4'])), false);
    assert.equal(matches(expr('cores', 'Lt', ['16'])), true);
    assert.equal(matches(expr('zone', 'Gt', ['1'])), false);
    assert.equal(matches(expr('missing', 'Lt', ['1'])), false);
  });

  it('ANDs the requirements of a term; an empty term selects nothing', () => {
    assert.equal(matches(expr('zone', 'In', ['a']), expr('disk', 'In', ['hdd'])), false);
    assert.equal(termMatches({}, labels, 'node-1'), false);
  });

  it('matchFields reads metadata.name', () => {
    assert.equal(termMatches({ matchFields: [expr('metadata.name', 'In', ['node-1'])] }, labels, 'node-1'), true);
    assert.equal(termMatches({ matchFields: [expr('metadata.name', 'In', ['node-1'])] }, labels, 'node-2'), false);
    assert.equal(termMatches({ matchFields: [expr('metadata.name', 'NotIn', ['node-1'])] }, labels, 'node-2'), true);
  });
});

describe('required node affinity', () => {
  const node = { metadata: { name: 'node-1', labels } } as Node;
  it('needs every nodeSelector label and any one term', () => {
    const spec: PodSpec = {
      containers: [],
      nodeSelector: { disk: 'ssd' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('zone', 'In', ['z'])] }, { matchExpressions: [expr('zone', 'In', ['a'])] }] } } },
    };
    assert.equal(nodeMatchesRequired(requiredNodeAffinity(spec), node), true);
    assert.equal(nodeMatchesRequired(requiredNodeAffinity({ ...spec, nodeSelector: { disk: 'hdd' } }), node), false);
    assert.equal(nodeMatchesRequired(requiredNodeAffinity({ containers: [] }), node), true);
  });

  it('pins a pod to the nodes named by matchFields In, as a DaemonSet pod is', () => {
    const pinned = (terms: NodeSelectorRequirement[][]) =>
      pinnedNodeNames({ containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((t) => ({ matchFields: t })) } } } });
    assert.deepEqual(pinned([[expr('metadata.name', 'In', ['n1'])]]), new Set(['n1']));
    assert.deepEqual(pinned([[expr('metadata.name', 'In', ['n1'])], [expr('metadata.name', 'In', ['n2'])]]), new Set(['n1', 'n2']));
    assert.equal(pinned([[expr('metadata.name', 'In', ['n1']), expr('metadata.name', 'In', ['n2'])]]), 'conflict');
    assert.equal(pinned([[expr('metadata.name', 'NotIn', ['n1'])]]), 'all');
    assert.equal(pinnedNodeNames({ containers: [] }), 'all');
  });

  it('sums the weights of the preferred terms a node matches', () => {
    const w = preferredAffinityWeight(
      [
        { weight: 10, preference: { matchExpressions: [expr('zone', 'In', ['a'])] } },
        { weight: 5, preference: { matchExpressions: [expr('disk', 'In', ['hdd'])] } },
        { weight: 1, preference: { matchExpressions: [expr('disk', 'Exists')] } },
      ],
      node,
    );
    assert.equal(w, 11);
  });
});
