import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFdb, parseNeighbours, parseRoutes } from './observed.js';
import type { Peer } from './peers.js';
import { planHostGw, planVxlan } from './plan.js';

const n2: Peer = { name: 'n2', podCidr: '10.42.2.0/24', gateway: '10.42.2.0', publicIP: '192.168.250.12', vtepMac: 'aa:00:00:00:00:02' };
const n3: Peer = { name: 'n3', podCidr: '10.42.3.0/24', gateway: '10.42.3.0', publicIP: '192.168.250.13', vtepMac: 'aa:00:00:00:00:03' };
const line = (c: { cmd: string; args: string[] }) => `${c.cmd} ${c.args.join(' ')}`;
const empty = { routes: [], neighbours: [], fdb: [] };

test('the kernel JSON the plans read: routes (with /32 for bare addresses), neighbours, tunnel fdb entries only', () => {
  assert.deepEqual(parseRoutes('[{"dst":"10.42.2.0/24","gateway":"10.42.2.0","flags":["onlink"]},{"dst":"default","gateway":"1.2.3.4"},{"dst":"10.1.1.1","dev":"x","flags":[]}]'), [
    { dst: '10.42.2.0/24', gateway: '10.42.2.0', onlink: true },
    { dst: '10.1.1.1/32', dev: 'x', onlink: false },
  ]);
  assert.deepEqual(parseNeighbours('[{"dst":"10.42.2.0","lladdr":"AA:00:00:00:00:02","state":["PERMANENT"]},{"dst":"fe80::1","state":["STALE"]}]'), [
    { ip: '10.42.2.0', mac: 'aa:00:00:00:00:02', permanent: true },
  ]);
  assert.deepEqual(parseFdb('[{"mac":"aa:00:00:00:00:02","dst":"192.168.250.12","flags":["self"]},{"mac":"16:a9:a9:4b:62:33","flags":["self"],"state":"permanent"}]'), [
    { mac: 'aa:00:00:00:00:02', dst: '192.168.250.12' },
  ]);
});

test('vxlan from nothing: fdb and neighbour before the onlink route, per peer', () => {
  assert.deepEqual(planVxlan([n2, n3], empty, 'flannel.1').map(line), [
    'bridge fdb append aa:00:00:00:00:02 dev flannel.1 dst 192.168.250.12',
    'bridge fdb append aa:00:00:00:00:03 dev flannel.1 dst 192.168.250.13',
    'ip neigh replace 10.42.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 nud permanent',
    'ip neigh replace 10.42.3.0 lladdr aa:00:00:00:00:03 dev flannel.1 nud permanent',
    'ip route replace 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink',
    'ip route replace 10.42.3.0/24 via 10.42.3.0 dev flannel.1 onlink',
  ]);
});

test('vxlan in step: nothing to do', () => {
  const observed = {
    routes: [{ dst: '10.42.2.0/24', gateway: '10.42.2.0', onlink: true }],
    neighbours: [{ ip: '10.42.2.0', mac: 'aa:00:00:00:00:02', permanent: true }],
    fdb: [{ mac: 'aa:00:00:00:00:02', dst: '192.168.250.12' }],
  };
  assert.deepEqual(planVxlan([n2], observed, 'flannel.1'), []);
});

test('vxlan: a peer with a new IP and MAC gets new entries before its old ones go; a departed peer loses its route first', () => {
  const observed = {
    routes: [
      { dst: '10.42.2.0/24', gateway: '10.42.2.0', onlink: true },
      { dst: '10.42.3.0/24', gateway: '10.42.3.0', onlink: true },
    ],
    neighbours: [
      { ip: '10.42.2.0', mac: 'aa:00:00:00:00:22', permanent: true },
      { ip: '10.42.3.0', mac: 'aa:00:00:00:00:03', permanent: true },
    ],
    fdb: [
      { mac: 'aa:00:00:00:00:22', dst: '192.168.250.22' },
      { mac: 'aa:00:00:00:00:03', dst: '192.168.250.13' },
    ],
  };
  assert.deepEqual(planVxlan([n2], observed, 'flannel.1').map(line), [
    'ip route del 10.42.3.0/24 via 10.42.3.0 dev flannel.1',
    'bridge fdb append aa:00:00:00:00:02 dev flannel.1 dst 192.168.250.12',
    'ip neigh replace 10.42.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 nud permanent',
    'bridge fdb del aa:00:00:00:00:22 dev flannel.1 dst 192.168.250.22',
    'bridge fdb del aa:00:00:00:00:03 dev flannel.1 dst 192.168.250.13',
    'ip neigh del 10.42.3.0 dev flannel.1',
  ]);
});

test('vxlan: a route without onlink or a learned (not permanent) neighbour is replaced', () => {
  const observed = {
    routes: [{ dst: '10.42.2.0/24', gateway: '10.42.2.0', onlink: false }],
    neighbours: [{ ip: '10.42.2.0', mac: 'aa:00:00:00:00:02', permanent: false }],
    fdb: [{ mac: 'aa:00:00:00:00:02', dst: '192.168.250.12' }],
  };
  assert.deepEqual(planVxlan([n2], observed, 'flannel.1').map(line), [
    'ip neigh replace 10.42.2.0 lladdr aa:00:00:00:00:02 dev flannel.1 nud permanent',
    'ip route replace 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink',
  ]);
});

test('host-gw: routes via the peers node IPs; only gateway routes into the cluster range outside flannel.1 are ours', () => {
  const routes = [
    { dst: '10.42.1.0/24', dev: 'cni0', onlink: false },
    { dst: '10.42.3.0/24', gateway: '192.168.250.99', dev: 'eth0', onlink: false },
    { dst: '10.42.7.0/24', gateway: '192.168.250.17', dev: 'eth0', onlink: false },
    { dst: '10.42.8.0/24', gateway: '10.42.8.0', dev: 'flannel.1', onlink: true },
    { dst: '172.16.0.0/16', gateway: '192.168.250.1', dev: 'eth0', onlink: false },
  ];
  assert.deepEqual(planHostGw([n2, n3], routes, { clusterCidr: '10.42.0.0/16', vxlanDev: 'flannel.1' }).map(line), [
    'ip route del 10.42.7.0/24 via 192.168.250.17',
    'ip route replace 10.42.2.0/24 via 192.168.250.12',
    'ip route replace 10.42.3.0/24 via 192.168.250.13',
  ]);
});
