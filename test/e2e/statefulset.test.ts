// StatefulSets and local-path volumes on a simulated `k3ts up` cluster (a server and two agents,
// real processes), driven by kubectl 1.32 and 1.35: the default class, a set of 3 whose claims are
// provisioned on the nodes its pods land on, data that survives a pod's deletion, scale, rolling
// update with history and undo, a claim that cannot bind (Pending, and an event saying why),
// pvc-protection, and reclaim Delete removing the node's directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kubectls } from './harness.js';
import { eventually, exec, k3tsBin, ok } from './cli-exec.js';

const statefulSet = (ns: string) => `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: ${ns}}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: c, image: busybox, command: [sleep, infinity], volumeMounts: [{name: data, mountPath: /data}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

const unbindable = (ns: string) => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: nowhere, namespace: ${ns}}
spec: {storageClassName: "", accessModes: [ReadWriteOnce], resources: {requests: {storage: 5Gi}}}
`;

describe('StatefulSets with local-path volumes on a simulated cluster', { timeout: 300_000 }, () => {
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-sts-'));
    dataDir = join(dir, 'cluster');
    env = { KUBECONFIG: join(dataDir, 'kubeconfig.yaml'), HOME: dir };
    ok(await exec(k3tsBin, ['up', '--agents', '2', '--data-dir', dataDir, '--port', String(await freePort()), '--runtime', 'sim']), 'k3ts up');
  });

  after(async () => {
    if (dataDir) await exec(k3tsBin, ['down', '--data-dir', dataDir]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  kubectls.forEach((k, index) => {
    test(`${k.name}: a StatefulSet of 3 keeps its volumes across pod deletion, scales, rolls and cleans up`, async () => {
      const kenv = { ...env, KUBECACHEDIR: join(dir, `cache-${index}`) };
      const kc = (args: string[]) => exec(k.bin, args, kenv);
      const ns = `sts-${index}`;
      ok(await kc(['create', 'namespace', ns]), 'create namespace');

      // K3s's default class, as kubectl shows it.
      assert.match(ok(await kc(['get', 'storageclass']), 'get sc'), /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nlocal-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\d+[sm]/m);

      const manifest = join(dir, `sts-${index}.yaml`);
      writeFileSync(manifest, statefulSet(ns));
      ok(await kc(['apply', '-f', manifest]), 'apply');
      await eventually('web READY 3/3', 60_000, async () => {
        const out = ok(await kc(['get', 'sts', 'web', '-n', ns]), 'get sts');
        return /^web\s+3\/3\s+/m.test(out) ? out : undefined;
      });
      const pvcs = ok(await kc(['get', 'pvc', '-n', ns]), 'get pvc');
      assert.match(pvcs, /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/m);
      for (const i of [0, 1, 2]) assert.match(pvcs, new RegExp(`^data-web-${i}\\s+Bound\\s+pvc-[0-9a-f-]+\\s+1Gi\\s+RWO\\s+local-path\\s+<unset>\\s+\\d+s$`, 'm'));

      // Each pod's identity and its claim's volume on the node it runs on.
      const pod1 = JSON.parse(ok(await kc(['get', 'pod', 'web-1', '-n', ns, '-o', 'json']), 'get pod'));
      assert.equal(pod1.spec.hostname, 'web-1');
      assert.equal(pod1.spec.subdomain, 'web');
      assert.equal(pod1.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-1');
      assert.equal(pod1.metadata.labels['apps.kubernetes.io/pod-index'], '1');
      const claim1 = JSON.parse(ok(await kc(['get', 'pvc', 'data-web-1', '-n', ns, '-o', 'json']), 'get pvc'));
      assert.equal(claim1.metadata.annotations['volume.kubernetes.io/selected-node'], pod1.spec.nodeName);
      const pv1 = JSON.parse(ok(await kc(['get', 'pv', claim1.spec.volumeName, '-o', 'json']), 'get pv'));
      assert.deepEqual(pv1.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [pod1.spec.nodeName]);
      const path1: string = pv1.spec.hostPath.path;
      const nodeDir = pod1.spec.nodeName === 'k3ts-server' ? 'server' : pod1.spec.nodeName.replace('k3ts-', '');
      assert.equal(path1, join(dataDir, nodeDir, 'storage', `pvc-${claim1.metadata.uid}_${ns}_data-web-1`));
      assert.ok(existsSync(path1), `${path1} was made when the pod mounted it`);

      // Data in the volume outlives the pod: the replacement gets the same claim and directory.
      writeFileSync(join(path1, 'state'), 'kept');
      ok(await kc(['delete', 'pod', 'web-1', '-n', ns]), 'delete pod');
      await eventually('web-1 back and Running', 60_000, async () => {
        const r = await kc(['get', 'pod', 'web-1', '-n', ns, '-o', 'jsonpath={.metadata.uid} {.status.phase} {.spec.volumes[0].persistentVolumeClaim.claimName}']);
        const [uid, phase, claim] = r.stdout.split(' ');
        return r.code === 0 && uid !== pod1.metadata.uid && phase === 'Running' && claim === 'data-web-1' ? true : undefined;
      });
      assert.equal(readFileSync(join(path1, 'state'), 'utf8'), 'kept');

      // Scale down: the highest ordinal goes, its claim stays (retention policy Retain).
      ok(await kc(['scale', 'sts', 'web', '-n', ns, '--replicas=2']), 'scale');
      await eventually('web-2 gone', 60_000, async () => ((await kc(['get', 'pod', 'web-2', '-n', ns])).code !== 0 ? true : undefined));
      assert.match(ok(await kc(['get', 'pvc', 'data-web-2', '-n', ns]), 'get pvc'), /data-web-2\s+Bound/);

      // A rolling update, its history, and undo.
      ok(await kc(['set', 'image', 'sts/web', '-n', ns, 'c=busybox:1.36']), 'set image');
      await eventually('rollout done', 60_000, async () => {
        const st = JSON.parse(ok(await kc(['get', 'sts', 'web', '-n', ns, '-o', 'json']), 'get sts')).status;
        return st.updateRevision === st.currentRevision && st.updatedReplicas === 2 && st.readyReplicas === 2 ? true : undefined;
      });
      assert.equal(ok(await kc(['get', 'pod', 'web-0', '-n', ns, '-o', 'jsonpath={.spec.containers[0].image}']), 'image'), 'busybox:1.36');
      assert.match(ok(await kc(['rollout', 'history', 'sts/web', '-n', ns]), 'history'), /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
      ok(await kc(['rollout', 'undo', 'sts/web', '-n', ns]), 'undo');
      await eventually('undone', 60_000, async () => {
        const r = await kc(['get', 'pod', 'web-0', 'web-1', '-n', ns, '-o', 'jsonpath={.items[*].spec.containers[0].image}']);
        return r.stdout === 'busybox busybox' ? true : undefined;
      });

      // A claim nothing can satisfy waits, Pending, with an event that says why.
      writeFileSync(join(dir, `bad-${index}.yaml`), unbindable(ns));
      ok(await kc(['apply', '-f', join(dir, `bad-${index}.yaml`)]), 'apply bad');
      await eventually('FailedBinding event', 30_000, async () => {
        const out = ok(await kc(['describe', 'pvc', 'nowhere', '-n', ns]), 'describe');
        return /Status:\s+Pending/.test(out) && /Warning\s+FailedBinding\s+.*no persistent volumes available for this claim and no storage class is set/.test(out) ? true : undefined;
      });
      // Bad input: a claim without a size.
      const noSizeFile = writeTmp(dir, `nosize-${index}.yaml`, `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: nosize, namespace: ${ns}}\nspec: {accessModes: [ReadWriteOnce]}\n`);
      const noSize = await kc(['create', '-f', noSizeFile]);
      assert.notEqual(noSize.code, 0);
      assert.match(noSize.stderr, /The PersistentVolumeClaim "nosize" is invalid: spec\.resources\[storage\]: Required value/);

      // pvc-protection: a claim in use stays, Terminating, until its pod is gone; then reclaim
      // Delete removes the volume and the node removes its directory.
      ok(await kc(['delete', 'pvc', 'data-web-1', '-n', ns, '--wait=false']), 'delete pvc');
      await new Promise((r) => setTimeout(r, 1500));
      assert.match(ok(await kc(['get', 'pvc', 'data-web-1', '-n', ns]), 'get pvc'), /data-web-1\s+Terminating/);
      assert.ok(existsSync(path1));
      ok(await kc(['delete', 'sts', 'web', '-n', ns]), 'delete sts');
      await eventually('claim, volume and directory gone', 60_000, async () => {
        const claim = await kc(['get', 'pvc', 'data-web-1', '-n', ns]);
        const pv = await kc(['get', 'pv', claim1.spec.volumeName]);
        return claim.code !== 0 && pv.code !== 0 && !existsSync(path1) ? true : undefined;
      });
      ok(await kc(['delete', 'namespace', ns, '--wait=false']), 'delete namespace');
    });
  });
});

function writeTmp(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
