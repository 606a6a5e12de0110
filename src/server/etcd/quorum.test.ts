import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evenMembersWarning } from './quorum.js';

describe('evenMembersWarning', () => {
  it('stays quiet for odd counts and a single member', () => {
    for (const n of [1, 3, 5, 7]) assert.equal(evenMembersWarning(n), undefined);
  });
  it('explains the quorum of an even count', () => {
    assert.match(evenMembersWarning(2)!, /2 members, an even number: a write needs 2 of them, so the cluster survives 0 failed members, the same as with 1/);
    assert.match(evenMembersWarning(4)!, /a write needs 3 of them, so the cluster survives 1 failed member, the same as with 3/);
  });
});
