import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerEvent } from '../types.js';
import { Relister, type ListedContainer } from './relist.js';

/** A runtime whose list answers when the test says so. */
function fakeRuntime() {
  let containers: ListedContainer[] = [];
  const calls: Array<(l: ListedContainer[]) => void> = [];
  const relister = new Relister({
    intervalMs: 5,
    onError: () => undefined,
    list: () => new Promise((resolve) => calls.push(resolve)),
  });
  return {
    relister,
    set(c: ListedContainer[]) {
      containers = c;
    },
    /** Answers the pending list with what is there now (or with `snapshot`, taken earlier). */
    async answer(snapshot?: ListedContainer[]) {
      while (!calls.length) await new Promise((r) => setTimeout(r, 1));
      calls.shift()!(snapshot ?? containers);
      await new Promise((r) => setTimeout(r, 1));
    },
    pending: () => calls.length,
    async listInFlight() {
      while (!calls.length) await new Promise((r) => setTimeout(r, 1));
    },
  };
}

const brief = (evs: ContainerEvent[]) => evs.map((e) => `${e.type} ${e.containerId}`);

test('the first list is a baseline; later lists report each change once, in order', async () => {
  const rt = fakeRuntime();
  const seen: ContainerEvent[] = [];
  rt.set([{ id: 'old', sandboxId: 's', state: 'running' }]);
  const unsubscribe = rt.relister.subscribe((e) => seen.push(e));
  await rt.answer();
  assert.deepEqual(seen, []);
  rt.set([
    { id: 'old', sandboxId: 's', state: 'exited' },
    { id: 'new', sandboxId: 's', state: 'running' },
    { id: 'failed', sandboxId: 's', state: 'exited' },
  ]);
  await rt.answer();
  assert.deepEqual(brief(seen), ['stopped old', 'created new', 'started new', 'created failed', 'stopped failed']);
  seen.length = 0;
  rt.set([{ id: 'new', sandboxId: 's', state: 'running' }]);
  await rt.answer();
  assert.deepEqual(brief(seen), ['deleted old', 'deleted failed']);
  unsubscribe();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(rt.pending(), 0, 'no listing without listeners');
});

test("this process's own changes are reported at once, and a list taken before them does not undo or repeat them", async () => {
  const rt = fakeRuntime();
  const seen: ContainerEvent[] = [];
  rt.relister.subscribe((e) => seen.push(e));
  await rt.answer();
  await rt.listInFlight();
  const before: ListedContainer[] = [];
  rt.relister.noted('c', 's', 'created');
  rt.relister.noted('c', 's', 'running');
  assert.deepEqual(brief(seen), ['created c', 'started c']);
  await rt.answer(before); // started before the create: must not report c deleted
  rt.set([{ id: 'c', sandboxId: 's', state: 'running' }]);
  await rt.answer();
  assert.deepEqual(brief(seen), ['created c', 'started c']);
  await rt.listInFlight();
  rt.relister.noted('c', 's', 'deleted');
  await rt.answer([{ id: 'c', sandboxId: 's', state: 'running' }]); // an old list still showing it
  rt.set([]);
  await rt.answer();
  assert.deepEqual(brief(seen), ['created c', 'started c', 'stopped c', 'deleted c']);
  rt.relister.close();
});
