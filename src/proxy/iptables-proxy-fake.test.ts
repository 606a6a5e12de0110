// The proxy's loop without root: iptables replaced by a small in-memory table store that applies
// restore text and prints it back the way iptables-save does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryInformer } from '../client/informer.js';
import type { RunCommand } from '../network/host-command.js';
import type { KObject } from '../registry/types.js';
import { ruleLine } from './rule-text.js';
import { startServiceProxy } from './iptables-proxy.js';
import { startMemoryServiceProxy } from './memory-proxy.js';
import { endpointSlice, service } from './objects.js';
import { ServiceProxyError } from './types.js';

function fakeKernel(o: { missing?: string } = {}) {
  const tables: Record<string, Map<string, string[]>> = {
    nat: new Map(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'].map((c) => [c, []])),
    filter: new Map(['INPUT', 'FORWARD', 'OUTPUT'].map((c) => [c, []])),
  };
  const restores: string[] = [];
  const conntrack: string[] = [];
  const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
  const run: RunCommand = async (cmd, args, input) => {
    if (cmd === o.missing) return { code: 127, stdout: '', stderr: `${cmd}: spawn ${cmd} ENOENT` };
    if (args[0] === '--version' || cmd === 'sysctl') return ok();
    if (cmd === 'conntrack') return conntrack.push(args.join(' ')), { code: 1, stdout: '', stderr: '0 flow entries have been deleted.' };
    if (cmd === 'iptables-save') {
      const t = tables[args[1]!]!;
      return ok([`*${args[1]}`, ...[...t.keys()].map((c) => `:${c} - [0:0]`), ...[...t.values()].flat(), 'COMMIT', ''].join('\n'));
    }
    if (cmd === 'iptables-restore') {
      restores.push(input!);
      let t = tables.nat!;
      for (const line of input!.split('\n')) {
        if (line.startsWith('*')) t = tables[line.slice(1)]!;
        else if (line.startsWith(':')) t.set(line.slice(1).split(' ')[0]!, []);
        else if (line.startsWith('-A ')) t.get(line.split(' ')[1]!)!.push(line);
        else if (line.startsWith('-X ')) t.delete(line.slice(3));
        else if (line.startsWith('-I ')) {
          const [, chain, , ...rest] = line.split(' ');
          t.get(chain!)!.unshift(`-A ${chain} ${rest.join(' ')}`);
        }
      }
      return ok();
    }
    if (cmd === 'iptables') {
      const [, , , table, op, chain, ...rest] = args; // -w 5 -t <table> <op> <chain> ...
      const rules = tables[table!]!.get(chain!)!;
      const spec = op === '-I' ? rest.slice(1) : rest;
      if (op === '-A') return rules.push(ruleLine(chain!, spec)), ok();
      const line = ruleLine(chain!, spec);
      if (op === '-C') return rules.includes(line) ? ok() : { code: 1, stdout: '', stderr: 'Bad rule' };
      if (op === '-I') return rules.unshift(line), ok();
      if (op === '-D') {
        const i = rules.indexOf(line);
        if (i < 0) return { code: 1, stdout: '', stderr: 'Bad rule' };
        rules.splice(i, 1);
        return ok();
      }
    }
    throw new Error(`unexpected command ${cmd} ${args.join(' ')}`);
  };
  return { run, tables, restores, conntrack };
}

const opts = (run: RunCommand, services: MemoryInformer<KObject>, slices: MemoryInformer<KObject>) => ({
  services,
  endpointSlices: slices,
  nodeName: 'n',
  nodeIPs: ['192.168.230.2'],
  clusterCidr: '10.244.0.0/16',
  run,
  resyncMs: 60_000,
});

describe('startServiceProxy (fake iptables)', () => {
  it('folds a burst of changes into one write and removes everything on stop', async () => {
    const k = fakeKernel();
    const services = new MemoryInformer<KObject>([service('web', { clusterIP: '10.96.0.10' })]);
    const slices = new MemoryInformer<KObject>([endpointSlice('web', [{ ip: '10.244.1.2' }])]);
    const proxy = startServiceProxy(opts(k.run, services, slices));
    await proxy.synced;
    assert.equal(k.restores.length, 1);
    assert.equal(k.tables.nat!.get('PREROUTING')!.length, 1);
    for (let i = 0; i < 50; i++) slices.set(endpointSlice('web', [{ ip: `10.244.1.${2 + (i % 5)}` }, { ip: '10.244.1.100' }]));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(k.restores.length, 2, 'one write for 50 changes');
    assert.ok(k.restores[1]!.includes('10.244.1.100:8080'));
    await proxy.syncNow();
    assert.equal(k.restores.length, 2, 'nothing to repair');
    await proxy.stop();
    for (const t of Object.values(k.tables)) {
      for (const [chain, rules] of t) {
        assert.ok(!chain.startsWith('K3TS-'), chain);
        assert.deepEqual(rules, [], chain);
      }
    }
  });

  it('fails to start with the package to install when iptables is missing', async () => {
    const k = fakeKernel({ missing: 'iptables-restore' });
    const proxy = startServiceProxy(opts(k.run, new MemoryInformer(), new MemoryInformer()));
    await assert.rejects(proxy.synced, (err: unknown) => err instanceof ServiceProxyError && err.code === 'IptablesMissing' && /apt-get install iptables/.test(err.message));
    await proxy.stop();
  });

  it('clears the UDP flows of a removed UDP endpoint, and only those', async () => {
    const k = fakeKernel();
    const ports = [{ name: 'dns', port: 5353, protocol: 'UDP' }];
    const services = new MemoryInformer<KObject>([
      service('dns', { clusterIP: '10.96.0.53', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
      service('web', { clusterIP: '10.96.0.10' }),
    ]);
    const slices = new MemoryInformer<KObject>([endpointSlice('dns', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }], { ports }), endpointSlice('web', [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }])]);
    const proxy = startServiceProxy(opts(k.run, services, slices));
    await proxy.synced;
    slices.set(endpointSlice('web', [{ ip: '10.244.1.2' }]));
    await proxy.syncNow();
    assert.deepEqual(k.conntrack, [], 'TCP endpoints need no clearing');
    slices.set(endpointSlice('dns', [{ ip: '10.244.1.2' }], { ports }));
    await proxy.syncNow();
    assert.deepEqual(k.conntrack, ['-D -p udp --reply-src 10.244.1.3 --reply-port-src 5353']);
    await proxy.stop();
  });

  it('stops at once even when its informers never synced', async () => {
    const k = fakeKernel();
    const proxy = startServiceProxy(opts(k.run, new MemoryInformer(), new MemoryInformer()));
    await proxy.stop();
    assert.equal(k.restores.length, 0);
  });

  it('in memory, reports the rules it would write', async () => {
    const services = new MemoryInformer<KObject>([service('web', { clusterIP: '10.96.0.10' })]);
    const slices = new MemoryInformer<KObject>([endpointSlice('web', [{ ip: '10.244.1.2' }])]);
    const proxy = startMemoryServiceProxy({ services, endpointSlices: slices, nodeName: 'n', nodeIPs: [], clusterCidr: '10.244.0.0/16' });
    await proxy.synced;
    assert.match(proxy.restoreText(), /DNAT --to-destination 10\.244\.1\.2:8080/);
    slices.set(endpointSlice('web', []));
    assert.ok(proxy.rules().filter.get('K3TS-PROXY-REJECT')!.length > 0);
  });
});
