// The user story on a fresh cluster, once per kubectl: list the namespaces, apply the
// seed 002 workload, and see the deployment and its NodePort service next to `kubernetes`.
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { TestServer, expectMatch, expectOk, kubectls, repoRoot, type KubectlOptions } from './harness.js';

const T = { timeout: 60_000 };

for (const k of kubectls) {
  describe(k.name, T, () => {
    let server: TestServer;
    const kc = (args: string[], o: KubectlOptions = {}) => server.kubectl(args, { bin: k.bin, ...o });
    before(async () => {
      server = await TestServer.start();
    });
    after(async () => {
      await server?.stop();
    });

    it('kubectl get ns lists the four built-in namespaces as Active', async () => {
      const out = expectOk(await kc(['get', 'ns']));
      expectMatch(out, /^NAME\s+STATUS\s+AGE\s*$/m);
      for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
        expectMatch(out, new RegExp(`^${ns}\\s+Active\\s+\\d+[smhd]`, 'm'), `namespace ${ns} row`);
      }
    });

    it('kubectl apply -f examples/seed002-test.yaml creates the deployment and the service', async () => {
      const out = expectOk(await kc(['apply', '-f', join(repoRoot, 'examples', 'seed002-test.yaml')]));
      expectMatch(out, /^deployment\.apps\/test created$/m);
      expectMatch(out, /^service\/test created$/m);
    });

    it('kubectl get deploy,svc -o wide shows the NodePort and the kubernetes service', async () => {
      const out = expectOk(await kc(['get', 'deploy,svc', '-o', 'wide']));
      expectMatch(out, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\s*$/m, 'deployment header');
      expectMatch(out, /^deployment\.apps\/test\s+\d\/2\s+\d+\s+\d+\s+\S+\s+fastapi\s+k3ts\.local\/seed002:1\s+app=test\s*$/m, 'deployment row');
      expectMatch(out, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR\s*$/m, 'service header');
      expectMatch(out, /^service\/kubernetes\s+ClusterIP\s+10\.43\.0\.1\s+<none>\s+443\/TCP\s+\S+\s+<none>\s*$/m, 'kubernetes service row');
      expectMatch(out, /^service\/test\s+NodePort\s+10\.43\.\d+\.\d+\s+<none>\s+80:30080\/TCP\s+\S+\s+app=test\s*$/m, 'test service row');
    });

    it('kubectl apply -f the same file again reports both unchanged', async () => {
      const out = expectOk(await kc(['apply', '-f', join(repoRoot, 'examples', 'seed002-test.yaml')]));
      expectMatch(out, /^deployment\.apps\/test unchanged$/m);
      expectMatch(out, /^service\/test unchanged$/m);
    });
  });
}
