// The applier against a recording command runner: bursts coalesce into one write, a failed write is
// logged and retried, and stop() removes the jump and the chains it made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../registry/types.js';
import { MemoryInformer } from '../../client/informer.js';
import type { CommandResult, RunCommand } from '../host-command.js';
import { startNetworkPolicy } from './applier.js';

function fakeHost(o: { failRestores?: number } = {}) {
  const calls: string[] = [];
  let failures = o.failRestores ?? 0;
  let chains = new Set<string>();
  let jumped = false;
  const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
  const run: RunCommand = async (cmd, args, input) => {
    calls.push(`${cmd} ${args.join(' ')}`);
    if (cmd === 'iptables-save') return ok(['*filter', ...[...chains].map((c) => `:${c} - [0:0]`), 'COMMIT'].join('\n'));
    if (cmd === 'iptables-restore') {
      if (failures-- > 0) return { code: 1, stdout: '', stderr: 'iptables-restore: line 3 failed' };
      const next = new Set(chains);
      for (const line of (input ?? '').split('\n')) {
        if (line.startsWith(':')) next.add(line.slice(1).split(' ')[0]!);
        if (line.startsWith('-X ')) next.delete(line.slice(3));
      }
      chains = next;
      return ok();
    }
    if (cmd === 'iptables' && args.includes('-C')) return { code: jumped ? 0 : 1, stdout: '', stderr: '' };
    if (cmd === 'iptables' && args.includes('-I')) jumped = true;
    if (cmd === 'iptables' && args.includes('-D')) {
      if (!jumped) return { code: 1, stdout: '', stderr: '' };
      jumped = false;
    }
    return ok();
  };
  return { run, calls, state: () => ({ chains: [...chains].sort(), jumped }) };
}

const pod = (name: string, ip: string): KObject => ({ metadata: { name, namespace: 'default', labels: { app: name } }, spec: { nodeName: 'n1' }, status: { phase: 'Running', podIP: ip } });
const deny = (name: string): KObject => ({ metadata: { name, namespace: 'default' }, spec: { podSelector: { matchLabels: { app: name } }, policyTypes: ['Ingress'] } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a burst of changes is one write; stop() removes the jump and every chain', async () => {
  const host = fakeHost();
  const pods = new MemoryInformer<KObject>([pod('a', '10.42.0.2'), pod('b', '10.42.0.3')]);
  const policies = new MemoryInformer<KObject>([]);
  const handle = startNetworkPolicy({ pods, namespaces: new MemoryInformer<KObject>([]), policies, nodeName: 'n1', run: host.run, log: () => undefined, coalesceMs: 30, resyncMs: 60_000 });
  await handle.synced;
  assert.deepEqual(host.state(), { chains: ['K3TS-NP-FORWARD'], jumped: true });
  const restores = () => host.calls.filter((c) => c.startsWith('iptables-restore')).length;
  const before = restores();
  policies.set(deny('a'));
  policies.set(deny('b'));
  pods.set({ ...pod('c', '10.42.0.4') });
  await sleep(150);
  assert.equal(restores() - before, 1);
  assert.equal(host.state().chains.length, 3);
  // Nothing this node enforces changed: no write at all.
  pods.set({ ...pod('elsewhere', '10.42.1.9'), spec: { nodeName: 'n2' } });
  await sleep(100);
  assert.equal(restores() - before, 1);
  await handle.stop();
  assert.deepEqual(host.state(), { chains: [], jumped: false });
});

test('a failed write is logged and retried', async () => {
  const host = fakeHost({ failRestores: 1 });
  const logged: string[] = [];
  const empty = () => new MemoryInformer<KObject>([]);
  const handle = startNetworkPolicy({ pods: empty(), namespaces: empty(), policies: empty(), nodeName: 'n1', run: host.run, log: (m) => logged.push(m), retryMs: 20 });
  await handle.synced;
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /writing the filter rules failed/);
  assert.equal(host.state().jumped, true);
  await handle.stop();
});
