// `kubectl create <generator>`: these go through kubectl's typed client, which sends protobuf
// request bodies. Each object must be created and read back with the fields the user asked for.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { describeWithKubectls, expectMatch, expectOk, fixturesDir } from './harness.js';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describeWithKubectls('kubectl create generators', { nsPrefix: 'create', createNamespace: false }, (t) => {
  const { kc, ns, index } = t;
  const get = async (what: string[], jsonpath: string) =>
    expectOk(await kc(['get', ...what, '-n', ns, '-o', `jsonpath=${jsonpath}`]));

  it('create namespace', async () => {
    const out = expectOk(await kc(['create', 'namespace', ns]));
    assert.equal(out.trim(), `namespace/${ns} created`);
    assert.equal(expectOk(await kc(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}'])), 'Active');
  });

  it('create configmap --from-literal', async () => {
    const out = expectOk(await kc(['create', 'configmap', 'cfg', '-n', ns, '--from-literal=a=1', '--from-literal=greeting=hello world']));
    assert.equal(out.trim(), 'configmap/cfg created');
    assert.equal(await get(['configmap', 'cfg'], '{.data.a}|{.data.greeting}'), '1|hello world');
    assert.equal(await get(['configmap', 'cfg'], '{.metadata.namespace}'), ns);
  });

  it('create secret generic --from-literal', async () => {
    const out = expectOk(await kc(['create', 'secret', 'generic', 'pw', '-n', ns, '--from-literal=password=hunter2']));
    assert.equal(out.trim(), 'secret/pw created');
    assert.equal(await get(['secret', 'pw'], '{.type}'), 'Opaque');
    assert.equal(await get(['secret', 'pw'], '{.data.password}'), b64('hunter2'));
  });

  it('create secret docker-registry', async () => {
    const out = expectOk(await kc([
      'create', 'secret', 'docker-registry', 'reg', '-n', ns,
      '--docker-server=registry.example:5000', '--docker-username=ann', '--docker-password=s3cret', '--docker-email=ann@example.com',
    ]));
    assert.equal(out.trim(), 'secret/reg created');
    assert.equal(await get(['secret', 'reg'], '{.type}'), 'kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(await get(['secret', 'reg'], '{.data.\\.dockerconfigjson}'), 'base64').toString('utf8'));
    const auth = config.auths['registry.example:5000'];
    assert.equal(auth.username, 'ann');
    assert.equal(auth.password, 's3cret');
    assert.equal(auth.auth, b64('ann:s3cret'));
  });

  it('create secret tls', async () => {
    const cert = join(fixturesDir, 'tls.crt');
    const key = join(fixturesDir, 'tls.key');
    const out = expectOk(await kc(['create', 'secret', 'tls', 'tls1', '-n', ns, `--cert=${cert}`, `--key=${key}`]));
    assert.equal(out.trim(), 'secret/tls1 created');
    assert.equal(await get(['secret', 'tls1'], '{.type}'), 'kubernetes.io/tls');
    assert.equal(await get(['secret', 'tls1'], '{.data.tls\\.crt}'), b64(readFileSync(cert)));
    assert.equal(await get(['secret', 'tls1'], '{.data.tls\\.key}'), b64(readFileSync(key)));
  });

  it('create service clusterip', async () => {
    const out = expectOk(await kc(['create', 'service', 'clusterip', 'web', '-n', ns, '--tcp=80:8080']));
    assert.equal(out.trim(), 'service/web created');
    const got = await get(['service', 'web'], '{.spec.type} {.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.ports[0].protocol} {.spec.selector.app} {.spec.clusterIP}');
    expectMatch(got, /^ClusterIP 80 8080 TCP web 10\.43\.\d+\.\d+$/);
    const table = expectOk(await kc(['get', 'service', 'web', '-n', ns]));
    expectMatch(table, /^web\s+ClusterIP\s+10\.43\.\d+\.\d+\s+<none>\s+80\/TCP\s+\S+\s*$/m);
  });

  it('create service nodeport --node-port', async () => {
    const nodePort = 30100 + index;
    const out = expectOk(await kc(['create', 'service', 'nodeport', 'np', '-n', ns, '--tcp=80:8080', `--node-port=${nodePort}`]));
    assert.equal(out.trim(), 'service/np created');
    assert.equal(await get(['service', 'np'], '{.spec.type} {.spec.ports[0].port} {.spec.ports[0].nodePort}'), `NodePort 80 ${nodePort}`);
    const table = expectOk(await kc(['get', 'service', 'np', '-n', ns]));
    expectMatch(table, new RegExp(`^np\\s+NodePort\\s+10\\.43\\.\\d+\\.\\d+\\s+<none>\\s+80:${nodePort}/TCP\\s+\\S+\\s*$`, 'm'));
  });

  it('create deployment --image --replicas', async () => {
    const out = expectOk(await kc(['create', 'deployment', 'web', '-n', ns, '--image=nginx:1.27', '--replicas=2', '--port=80']));
    assert.equal(out.trim(), 'deployment.apps/web created');
    assert.equal(
      await get(['deployment', 'web'], '{.spec.replicas} {.spec.selector.matchLabels.app} {.spec.template.metadata.labels.app} {.spec.template.spec.containers[0].name} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}'),
      '2 web web nginx nginx:1.27 80',
    );
  });

  it('create job --image -- command', async () => {
    const out = expectOk(await kc(['create', 'job', 'once', '-n', ns, '--image=busybox:1.36', '--', 'echo', 'hi there']));
    assert.equal(out.trim(), 'job.batch/once created');
    assert.equal(await get(['job', 'once'], '{.spec.template.spec.containers[0].image}'), 'busybox:1.36');
    assert.equal(await get(['job', 'once'], '{.spec.template.spec.containers[0].command}'), '["echo","hi there"]');
    assert.equal(await get(['job', 'once'], '{.spec.template.spec.restartPolicy}'), 'Never');
  });

  it('lists everything it created', async () => {
    const out = expectOk(await kc(['get', 'configmap,secret,service,deployment,job', '-n', ns, '-o', 'name']));
    for (const name of ['configmap/cfg', 'secret/pw', 'secret/reg', 'secret/tls1', 'service/web', 'service/np', 'deployment.apps/web', 'job.batch/once']) {
      expectMatch(out, new RegExp(`^${name.replace(/\./g, '\\.')}$`, 'm'), name);
    }
  });
});
