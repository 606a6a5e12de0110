// What kubectl learns about the server: version, API versions and resource types.
import { after, before, describe, it } from 'node:test';
import { TestServer, expectMatch, expectOk, kubectls, type KubectlOptions } from './harness.js';

const T = { timeout: 60_000 };

describe('discovery', T, () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  for (const k of kubectls) {
    describe(k.name, () => {
      const kc = (args: string[], o: KubectlOptions = {}) => server.kubectl(args, { bin: k.bin, ...o });

      it('kubectl version shows a v1.32 k3ts server', async () => {
        const out = expectOk(await kc(['version']));
        expectMatch(out, /^Client Version: v1\.3\d\.\d+/m);
        expectMatch(out, /^Server Version: v1\.32\.\d+\+k3ts\S*$/m);
      });

      it('kubectl api-versions lists v1, apps/v1 and batch/v1', async () => {
        const lines = expectOk(await kc(['api-versions'])).split('\n');
        for (const gv of ['v1', 'apps/v1', 'batch/v1']) {
          if (!lines.includes(gv)) throw new Error(`api-versions lacks ${gv}:\n${lines.join('\n')}`);
        }
      });

      it('kubectl api-resources lists pods/po and deployments/deploy', async () => {
        const out = expectOk(await kc(['api-resources']));
        expectMatch(out, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s*$/m);
        expectMatch(out, /^pods\s+po\s+v1\s+true\s+Pod\s*$/m);
        expectMatch(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s*$/m);
        expectMatch(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace\s*$/m);
        expectMatch(out, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap\s*$/m);
        expectMatch(out, /^services\s+svc\s+v1\s+true\s+Service\s*$/m);
      });

      it('kubectl api-resources --api-group=apps -o name lists deployments.apps', async () => {
        const out = expectOk(await kc(['api-resources', '--namespaced=true', '--api-group=apps', '-o', 'name']));
        expectMatch(out, /^deployments\.apps$/m);
      });
    });
  }
});
