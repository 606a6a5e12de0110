import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Expectations } from './expectations.js';

test('a controller waits until its creations and deletions show up, or until they expire', () => {
  let now = 0;
  const e = new Expectations({ ttlMs: 1000, now: () => now });
  assert.ok(e.satisfied('ns/web'), 'nothing expected');
  e.expectCreations('ns/web', 2);
  e.expectDeletions('ns/web', ['u1']);
  assert.equal(e.satisfied('ns/web'), false);
  e.creationObserved('ns/web');
  e.creationObserved('ns/web');
  e.creationObserved('ns/web');
  assert.equal(e.satisfied('ns/web'), false, 'the deletion is still outstanding');
  e.deletionObserved('ns/web', 'other-uid');
  assert.equal(e.satisfied('ns/web'), false, 'only the expected pod counts');
  e.deletionObserved('ns/web', 'u1');
  assert.ok(e.satisfied('ns/web'));

  e.expectCreations('ns/db', 1);
  now += 999;
  assert.equal(e.satisfied('ns/db'), false);
  now += 2;
  assert.ok(e.satisfied('ns/db'), 'a lost event does not block the controller for ever');
});
