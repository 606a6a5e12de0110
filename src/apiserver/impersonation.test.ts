// Impersonation: each identity asked for needs the `impersonate` verb; service accounts get their
// fixed groups; everyone impersonated is authenticated except system:anonymous.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { Authorizer } from './authz.js';
import type { ResourceRequest } from './request-info.js';
import { impersonate, wantsImpersonation } from './impersonation.js';

function request(headers: Record<string, string | string[]>): IncomingMessage {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const distinct = Object.fromEntries(Object.entries(lower).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  return { headers: lower, headersDistinct: distinct } as unknown as IncomingMessage;
}

/** Allows impersonating what `allowed` lists as `resource/name` (or `resource/ns/name`); records every question. */
function authorizer(allowed: string[], asked: string[]): Authorizer {
  return {
    authorize(_user, info) {
      const r = info as ResourceRequest;
      const key = [r.resource, r.namespace, r.name].filter(Boolean).join('/');
      asked.push(`${r.verb} ${key}`);
      return { allowed: allowed.includes(key) };
    },
  };
}

const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };

test('a user with groups, each checked', async () => {
  const asked: string[] = [];
  const req = request({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['devs', 'ops'] });
  assert.equal(wantsImpersonation(req), true);
  const user = await impersonate(req, admin, authorizer(['users/jane', 'groups/devs', 'groups/ops'], asked));
  assert.deepEqual(user, { name: 'jane', groups: ['devs', 'ops', 'system:authenticated'] });
  assert.deepEqual(asked, ['impersonate users/jane', 'impersonate groups/devs', 'impersonate groups/ops']);
});

test('a service account: checked as one, with its fixed groups', async () => {
  const asked: string[] = [];
  const user = await impersonate(request({ 'Impersonate-User': 'system:serviceaccount:team-a:ci' }), admin, authorizer(['serviceaccounts/team-a/ci'], asked));
  assert.deepEqual(user.groups, ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated']);
  assert.deepEqual(asked, ['impersonate serviceaccounts/team-a/ci']);
});

test('refused with the 403 upstream writes; groups without a user are a 400', async () => {
  await assert.rejects(impersonate(request({ 'Impersonate-User': 'jane', 'Impersonate-Group': 'root' }), { name: 'bob', groups: [] }, authorizer(['users/jane'], [])), {
    reason: 'Forbidden',
    message: 'groups "root" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
  });
  await assert.rejects(impersonate(request({ 'Impersonate-Group': 'devs' }), admin, authorizer([], [])), { reason: 'BadRequest' });
  assert.equal(wantsImpersonation(request({ accept: 'application/json' })), false);
});

test('system:anonymous is unauthenticated', async () => {
  const user = await impersonate(request({ 'Impersonate-User': 'system:anonymous' }), admin, authorizer(['users/system:anonymous'], []));
  assert.deepEqual(user.groups, ['system:unauthenticated']);
});
