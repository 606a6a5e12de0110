import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { dispatchUpgrade, type UpgradeDeps, type UpgradeRoute } from './upgrades.js';
import { ApiError, errors } from '../errors.js';
import type { UserInfo } from '../authn.js';

const node: UserInfo = { name: 'system:node:n1', groups: ['system:nodes'] } as UserInfo;

function harness(user: UserInfo | undefined) {
  const calls: string[] = [];
  const refused: number[] = [];
  const deps: UpgradeDeps = {
    authenticate: () => user,
    refuse: (_socket, err) => refused.push(err.code),
    unauthorized: () => errors.unauthorized(),
    notFound: () => errors.notFoundPath(),
  };
  const routes: UpgradeRoute[] = [
    { name: 'streams', access: 'own', match: (u) => u.pathname.endsWith('/exec'), handle: () => void calls.push('streams') },
    { name: 'watch', access: 'own', match: (u) => u.searchParams.get('watch') === 'true', handle: () => void calls.push('watch') },
    {
      name: 'tunnel',
      access: 'authenticated',
      match: (u) => u.pathname === '/v1-k3ts/connect',
      handle: (_req, _socket, _head, u) => {
        if (!u!.name.startsWith('system:node:')) throw errors.forbidden('only nodes open tunnels');
        calls.push(`tunnel ${u!.name}`);
      },
    },
  ];
  const send = (url: string) => dispatchUpgrade(routes, deps, { url } as IncomingMessage, {} as Duplex, Buffer.alloc(0));
  return { calls, refused, send };
}

describe('the upgrade routes', () => {
  it('hands each path to the first entry that matches; own entries get no user', () => {
    const h = harness(undefined);
    h.send('/api/v1/namespaces/d/pods/p/exec?watch=true');
    h.send('/api/v1/pods?watch=true');
    assert.deepEqual(h.calls, ['streams', 'watch']);
    assert.deepEqual(h.refused, []);
  });

  it('authenticates for authenticated entries: 401 without credentials, the handler decides the rest', () => {
    assert.deepEqual(harness(undefined).refused, []);
    const anonymous = harness(undefined);
    anonymous.send('/v1-k3ts/connect');
    assert.deepEqual(anonymous.refused, [401]);
    const asNode = harness(node);
    asNode.send('/v1-k3ts/connect');
    assert.deepEqual(asNode.calls, ['tunnel system:node:n1']);
    const asUser = harness({ name: 'alice', groups: [] } as unknown as UserInfo);
    asUser.send('/v1-k3ts/connect');
    assert.deepEqual(asUser.refused, [403]);
  });

  it('refuses an unknown upgrade with 404', () => {
    const h = harness(node);
    h.send('/somewhere');
    h.send('not-a-path');
    assert.deepEqual(h.refused, [404, 404]);
    assert.ok(errors.notFoundPath() instanceof ApiError);
  });
});
