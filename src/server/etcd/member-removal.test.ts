import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memberOfNode } from './member-removal.js';

describe('memberOfNode', () => {
  it('matches only <node>-<8 hex>, so node "a" never claims the member of node "a-b"', () => {
    assert.equal(memberOfNode('srv-1-0a1b2c3d', 'srv-1'), true);
    assert.equal(memberOfNode('srv-1-0a1b2c3d', 'srv'), false);
    assert.equal(memberOfNode('srv-10-0a1b2c3d', 'srv-1'), false);
    assert.equal(memberOfNode('srv-1-0A1B2C3D', 'srv-1'), false);
    assert.equal(memberOfNode('srv-1', 'srv-1'), false);
  });
});
