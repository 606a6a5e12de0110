import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EtcdMember } from '../../storage/etcd/etcd-admin.js';
import { MemberError, memberRows, memberToRemove } from './members.js';

const member = (name: string, ID: string, isLearner = false): EtcdMember => ({ name, ID, isLearner, peerURLs: [`https://${name}:2380`], clientURLs: name ? [`https://${name}:2379`] : [] });
const three = [member('srv-1-0a1b2c3d', '1000'), member('srv-2-11223344', '2000'), member('srv-3-55667788', '18446744073709551615', true)];

describe('memberToRemove', () => {
  it('finds a member by name, or by hex ID (a member that never started has no name)', () => {
    assert.equal(memberToRemove(three, 'srv-1-0a1b2c3d', 'srv-2-11223344').ID, '2000');
    assert.equal(memberToRemove(three, 'srv-1-0a1b2c3d', '7d0').ID, '2000');
    assert.equal(memberToRemove(three, 'srv-1-0a1b2c3d', 'ffffffffffffffff').ID, '18446744073709551615', '64-bit IDs are exact');
    assert.equal(memberToRemove([...three, member('', '3000', true)], 'srv-1-0a1b2c3d', '0xbb8').ID, '3000');
  });

  it('an unknown name: one line naming every member and which is this server', () => {
    assert.throws(() => memberToRemove(three, 'srv-1-0a1b2c3d', 'srv-9'), (err: Error) => {
      assert.ok(err instanceof MemberError);
      assert.equal(err.message, 'no etcd member named "srv-9"; the members are: srv-1-0a1b2c3d (this server), srv-2-11223344, srv-3-55667788');
      return true;
    });
  });

  it('refuses this server\'s own member and the last voting member', () => {
    assert.throws(() => memberToRemove(three, 'srv-1-0a1b2c3d', 'srv-1-0a1b2c3d'), /"srv-1-0a1b2c3d" is this server's own etcd member: removing it would take this server's datastore away/);
    const lastVoter = [member('srv-1-0a1b2c3d', '1000', true), member('srv-2-11223344', '2000')];
    assert.throws(() => memberToRemove(lastVoter, 'srv-1-0a1b2c3d', 'srv-2-11223344'), /"srv-2-11223344" is the last voting etcd member/);
    // A learner never counts towards quorum, so taking one away is always allowed.
    assert.equal(memberToRemove([member('a-00000000', '1'), member('b-00000000', '2', true)], 'a-00000000', 'b-00000000').ID, '2');
  });
});

describe('memberRows', () => {
  it('sorted by name, hex IDs, roles, this server marked', () => {
    const rows = memberRows([three[2]!, three[0]!, three[1]!], 'srv-2-11223344');
    assert.deepEqual(rows.map((r) => [r.name, r.id, r.role, r.self]), [
      ['srv-1-0a1b2c3d', '3e8', 'voter', false],
      ['srv-2-11223344', '7d0', 'voter', true],
      ['srv-3-55667788', 'ffffffffffffffff', 'learner', false],
    ]);
  });
});

describe('explainRemoveRefusal', () => {
  it('turns etcd\'s quorum guard into what to do', async () => {
    const { EtcdError } = await import('../../storage/etcd/etcd-client.js');
    const { explainRemoveRefusal } = await import('./members.js');
    assert.match(explainRemoveRefusal(new EtcdError('UNAVAILABLE', 'etcdserver: unhealthy cluster', 'https://x:2379', false), 'b'), /^etcd refused to remove "b" now: .*try again shortly/);
    assert.match(explainRemoveRefusal(new EtcdError('FAILED_PRECONDITION', 'etcdserver: re-configuration failed due to not enough started members', 'https://x:2379', false), 'b'), /start the missing members first$/);
  });
});
