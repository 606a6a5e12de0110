// ServiceAccount tokens through real kubectl: the story (`kubectl create token`, then
// acting with it), the four ways a token must be refused (expired, signed by another key, meant for
// another audience, bound to a deleted pod), legacy token Secrets, and TokenReview.
import assert from 'node:assert/strict';
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';
import { signJwt } from '../../src/apiserver/serviceaccount/jwt.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UNAUTHORIZED = /error: You must be logged in to the server \(Unauthorized\)/;

describeWithKubectls('ServiceAccount tokens', { nsPrefix: 'satok', timeout: 180_000 }, (t) => {
  const { kc, ns, index } = t;
  const as = (name: string, token: string) => t.server.kubeconfigFor({ name: `${name}-${index}`, token });

  it('the story: kubectl create token, then list pods as system:serviceaccount:<ns>:ci and nothing beyond its role', async () => {
    const team = `team-a-${index}`;
    expectOk(await kc(['create', 'namespace', team]));
    expectOk(await kc(['create', 'serviceaccount', 'ci', '-n', team]));
    expectOk(await kc(['create', 'rolebinding', 'ci-edit', '--clusterrole=edit', `--serviceaccount=${team}:ci`, '-n', team]));
    const token = expectOk(await kc(['create', 'token', 'ci', '-n', team, '--duration=1h'])).trim();
    assert.match(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(claims.exp - claims.iat, 3600);
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local', 'k3s']);
    const kubeconfig = as('ci', token);
    const pods = await kc(['get', 'pods', '-n', team], { kubeconfig });
    expectOk(pods);
    assert.equal(pods.stderr.trim(), `No resources found in ${team} namespace.`);
    // The same through --token on a kubeconfig whose user holds no other credential.
    const bare = t.server.kubeconfigFor({ name: `bare-${index}`, token: 'placeholder-refused' });
    expectOk(await kc(['get', 'pods', '-n', team, `--token=${token}`], { kubeconfig: bare }));
    const whoami = expectOk(await kc(['auth', 'whoami', '-o', 'json'], { kubeconfig }));
    const user = JSON.parse(whoami).status.userInfo;
    assert.equal(user.username, `system:serviceaccount:${team}:ci`);
    assert.deepEqual(user.groups, ['system:serviceaccounts', `system:serviceaccounts:${team}`, 'system:authenticated']);
    expectError(await kc(['get', 'secrets', '-n', 'kube-system'], { kubeconfig }), `Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:${team}:ci" cannot list resource "secrets" in API group "" in the namespace "kube-system"`);
  });

  it('under ten minutes is refused with upstream\'s words; an unknown ServiceAccount is NotFound', async () => {
    expectOk(await kc(['create', 'serviceaccount', 'short', '-n', ns]));
    expectError(await kc(['create', 'token', 'short', '-n', ns, '--duration=5m']), 'spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    expectError(await kc(['create', 'token', 'nobody', '-n', ns]), 'error: failed to create token: serviceaccounts "nobody" not found');
  });

  it('expired, signed by another key, meant for another audience, bound to a deleted pod: 401 each', async () => {
    expectOk(await kc(['create', 'serviceaccount', 'bot', '-n', ns]));
    const good = expectOk(await kc(['create', 'token', 'bot', '-n', ns])).trim();
    const claims = JSON.parse(Buffer.from(good.split('.')[1], 'base64url').toString('utf8'));
    expectOk(await kc(['auth', 'whoami'], { kubeconfig: as('good', good) }));

    // Expired: the same claims signed with the server's own key, an hour in the past.
    const serverKey = createPrivateKey(readFileSync(join(t.server.dataDir, 'server', 'tls', 'service.key')));
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = signJwt({ ...claims, iat: past - 600, nbf: past - 600, exp: past }, serverKey);
    expectError(await kc(['get', 'pods', '-n', ns], { kubeconfig: as('expired', expired) }), UNAUTHORIZED);

    const forged = signJwt(claims, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expectError(await kc(['get', 'pods', '-n', ns], { kubeconfig: as('forged', forged) }), UNAUTHORIZED);

    const vault = expectOk(await kc(['create', 'token', 'bot', '-n', ns, '--audience=vault'])).trim();
    expectError(await kc(['get', 'pods', '-n', ns], { kubeconfig: as('vault', vault) }), UNAUTHORIZED);

    const pod = join(t.server.workDir, `bound-${index}.yaml`);
    writeFileSync(pod, `apiVersion: v1\nkind: Pod\nmetadata: {name: holder, namespace: ${ns}}\nspec:\n  serviceAccountName: bot\n  containers: [{name: app, image: busybox}]\n`);
    expectOk(await kc(['apply', '-f', pod]));
    const bound = expectOk(await kc(['create', 'token', 'bot', '-n', ns, '--bound-object-kind=Pod', '--bound-object-name=holder'])).trim();
    const boundClaims = JSON.parse(Buffer.from(bound.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(boundClaims['kubernetes.io'].pod.name, 'holder');
    expectOk(await kc(['auth', 'whoami'], { kubeconfig: as('bound', bound) }));
    expectOk(await kc(['delete', 'pod', 'holder', '-n', ns, '--grace-period=0', '--force']));
    let last = await kc(['auth', 'whoami'], { kubeconfig: as('bound', bound) });
    for (let i = 0; i < 50 && last.code === 0; i++) {
      await sleep(100);
      last = await kc(['auth', 'whoami'], { kubeconfig: as('bound', bound) });
    }
    expectError(last, UNAUTHORIZED);
  });

  it('a legacy token Secret is filled in on request, authenticates, and stops when deleted', async () => {
    expectOk(await kc(['create', 'serviceaccount', 'legacy', '-n', ns]));
    const file = join(t.server.workDir, `legacy-${index}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: legacy-token\n  namespace: ${ns}\n  annotations: {kubernetes.io/service-account.name: legacy}\ntype: kubernetes.io/service-account-token\n`);
    expectOk(await kc(['apply', '-f', file]));
    let data = '';
    for (let i = 0; i < 100 && !data; i++) {
      data = expectOk(await kc(['get', 'secret', 'legacy-token', '-n', ns, '-o', 'jsonpath={.data.token}']));
      if (!data) await sleep(100);
    }
    const token = Buffer.from(data, 'base64').toString('utf8');
    const ca = Buffer.from(expectOk(await kc(['get', 'secret', 'legacy-token', '-n', ns, '-o', 'jsonpath={.data.ca\\.crt}'])), 'base64').toString('utf8');
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(Buffer.from(expectOk(await kc(['get', 'secret', 'legacy-token', '-n', ns, '-o', 'jsonpath={.data.namespace}'])), 'base64').toString('utf8'), ns);
    const kubeconfig = as('legacy', token);
    expectMatch(expectOk(await kc(['auth', 'whoami'], { kubeconfig })), new RegExp(`system:serviceaccount:${ns}:legacy`));
    expectOk(await kc(['delete', 'secret', 'legacy-token', '-n', ns]));
    let last = await kc(['auth', 'whoami'], { kubeconfig });
    for (let i = 0; i < 50 && last.code === 0; i++) {
      await sleep(100);
      last = await kc(['auth', 'whoami'], { kubeconfig });
    }
    expectError(last, UNAUTHORIZED);
  });

  it('TokenReview says whose a token is, and refuses an unknown one', async () => {
    expectOk(await kc(['create', 'serviceaccount', 'reviewed', '-n', ns]));
    const token = expectOk(await kc(['create', 'token', 'reviewed', '-n', ns])).trim();
    const review = (tok: string) => `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"${tok}"}}`;
    // --raw: kubectl's client-side validation looks for a PATCH operation of the kind in OpenAPI,
    // which a create-only kind has none of (upstream's full schemas would carry the kind anyway).
    const post = ['create', '--raw', '/apis/authentication.k8s.io/v1/tokenreviews', '-f', '-'];
    const yes = JSON.parse(expectOk(await kc(post, { input: review(token) })));
    assert.equal(yes.status.authenticated, true);
    assert.equal(yes.status.user.username, `system:serviceaccount:${ns}:reviewed`);
    assert.deepEqual(yes.status.audiences, ['https://kubernetes.default.svc.cluster.local', 'k3s']);
    const no = JSON.parse(expectOk(await kc(post, { input: review('nonsense') })));
    assert.equal(no.status.authenticated, undefined);
    assert.ok(no.status.error);
  });
});
