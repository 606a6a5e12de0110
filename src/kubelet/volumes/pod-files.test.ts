// The files the kubelet writes per pod besides volumes: /etc/hosts and the termination messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeEtcHosts } from './etc-hosts.js';
import { createTerminationLog, readTerminationLog } from './termination-log.js';
import { scratchDir } from './test-support.js';

let scratch: { dir: string; remove(): Promise<void> };
before(async () => {
  scratch = await scratchDir();
});
after(() => scratch.remove());

test('/etc/hosts: loopback names, the pod address with its hostname, then the hostAliases; rewritten in place', async () => {
  const podDir = join(scratch.dir, 'pod-1');
  const m = await writeEtcHosts(podDir, { hostname: 'web-0' });
  assert.deepEqual(m, { containerPath: '/etc/hosts', hostPath: join(podDir, 'etc-hosts'), readOnly: false });
  const before = await stat(m.hostPath);
  assert.ok(!(await readFile(m.hostPath, 'utf8')).includes('web-0'), 'no address yet: no hostname line');

  await writeEtcHosts(podDir, {
    hostname: 'web-0',
    fqdn: 'web-0.web.default.svc.cluster.local',
    ip: '10.42.0.7',
    hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] }],
  });
  assert.equal(
    await readFile(m.hostPath, 'utf8'),
    [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      '10.42.0.7\tweb-0.web.default.svc.cluster.local\tweb-0',
      '',
      '# Entries added by HostAliases.',
      '10.1.2.3\tfoo.local\tbar.local',
      '',
    ].join('\n'),
  );
  assert.equal((await stat(m.hostPath)).ino, before.ino, 'same inode: a bind mount of the file sees the change');
  assert.equal((await stat(m.hostPath)).mode & 0o777, 0o644);
});

test('/etc/hosts of a host-network pod is the node file plus the aliases', async () => {
  const nodeHosts = join(scratch.dir, 'node-hosts');
  await writeFile(nodeHosts, '127.0.0.1 localhost\n192.168.5.10 node-a\n');
  const m = await writeEtcHosts(join(scratch.dir, 'pod-2'), { hostname: 'node-a', hostNetwork: true, nodeHostsFile: nodeHosts, hostAliases: [{ ip: '10.9.9.9', hostnames: ['x'] }] });
  assert.equal(
    await readFile(m.hostPath, 'utf8'),
    '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.5.10 node-a\n\n# Entries added by HostAliases.\n10.9.9.9\tx\n',
  );
});

test('termination log: an empty writable file per restart, mounted at the path asked for; read back capped at 4096 bytes', async () => {
  const dir = join(scratch.dir, 'pod-3/containers/app');
  const c = { name: 'app', terminationMessagePath: '/tmp/done' };
  const m0 = await createTerminationLog(dir, c, 0);
  assert.deepEqual(m0, { containerPath: '/tmp/done', hostPath: join(dir, '0'), readOnly: false });
  assert.equal((await stat(m0!.hostPath)).mode & 0o777, 0o666);
  assert.equal(await readTerminationLog(dir, 0), '');
  await writeFile(m0!.hostPath, 'disk full');
  assert.equal(await readTerminationLog(dir, 0), 'disk full');

  const m1 = await createTerminationLog(dir, { name: 'app' }, 1);
  assert.equal(m1!.containerPath, '/dev/termination-log', 'the default path');
  assert.equal(await readTerminationLog(dir, 1), '', 'a new instance starts empty');
  assert.equal(await readTerminationLog(dir, 0), 'disk full', 'the previous one is kept for lastState');
  await writeFile(m1!.hostPath, 'x'.repeat(5000));
  assert.equal((await readTerminationLog(dir, 1))!.length, 4096);

  await createTerminationLog(dir, c, 2);
  await createTerminationLog(dir, c, 3);
  assert.deepEqual((await readdir(dir)).sort(), ['2', '3'], 'older instances are dropped');
  assert.equal(await readTerminationLog(dir, 7), undefined);
  assert.equal(await createTerminationLog(dir, { name: 'app', terminationMessagePath: '' }, 4), undefined);
});
