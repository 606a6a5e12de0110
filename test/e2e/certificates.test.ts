// The Certificates API through real kubectl and `k3ts kubeconfig create`: a user's kubeconfig
// issued through an approved CSR (kubectl auth whoami names the user and group), a denied CSR gets
// no certificate, invalid CSRs are refused with the field path, approving without `approve` on the
// signer is a 403 with the reason, and the CLI's bad input is one line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { it } from 'node:test';
import { parse } from 'yaml';
import { exec, k3tsBin, sleep } from './cli-exec.js';
import { describeWithKubectls, expectError, expectMatch, expectOk } from './harness.js';

// One approver per kubectl run: the second run must not inherit the first one's signer binding.
const TOKENS = ['erin-token-000000,erin-0,2000,"qa"', 'erin-token-111111,erin-1,2001,"qa"'].join('\n');

/** An OpenSSL-made request (not ours), base64 as spec.request wants it. */
function opensslCsr(subject: string): string {
  const pem = execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', subject], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Buffer.from(pem).toString('base64');
}

function csrYaml(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name }, spec });
}

describeWithKubectls('kubectl and the Certificates API', { nsPrefix: 'csr', server: { tokenAuthCsv: TOKENS }, createNamespace: false, timeout: 240_000 }, (t) => {
  const { kc, index } = t;
  const k3ts = (args: string[]) => exec(k3tsBin, args, { KUBECONFIG: t.server.kubeconfig }, 60_000);

  it('k3ts kubeconfig create → a kubeconfig kubectl uses as jane in group devs', async () => {
    const user = `jane-${index}`;
    const r = await k3ts(['kubeconfig', 'create', user, '--group', 'devs', '--ttl', '720h']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const doc = parse(r.stdout) as { users: Array<{ user: Record<string, string> }> };
    const cert = new X509Certificate(Buffer.from(doc.users[0]!.user['client-certificate-data']!, 'base64'));
    assert.equal(cert.subject, `O=devs\nCN=${user}`);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `valid for ${days} days`);
    const path = t.server.writeFile(`${user}.yaml`, r.stdout);
    const whoami = expectOk(await kc(['auth', 'whoami', '--kubeconfig', path]));
    expectMatch(whoami, new RegExp(`^Username\\s+${user}\\s*$`, 'm'));
    expectMatch(whoami, /^Groups\s+\[devs system:authenticated\]\s*$/m);
    // Authenticated but not authorized: RBAC, not the certificate, decides.
    expectError(await kc(['get', 'pods', '-n', 'default', '--kubeconfig', path]), `User "${user}" cannot list resource "pods"`);
    const table = expectOk(await kc(['get', 'csr']));
    expectMatch(table, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\s*$/m);
    expectMatch(table, /^k3ts-kubeconfig-\S+\s+\d+s\s+kubernetes\.io\/kube-apiserver-client\s+system:admin\s+30d\s+Approved,Issued\s*$/m);
  });

  it('kubectl certificate approve issues; kubectl certificate deny leaves no certificate', async () => {
    const approved = `ok-${index}`;
    const denied = `no-${index}`;
    for (const name of [approved, denied]) {
      const body = csrYaml(name, { request: opensslCsr(`/O=devs/CN=${name}`), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600, username: 'mallory', groups: ['system:masters'] });
      assert.equal(expectOk(await kc(['create', '-f', '-'], { input: body })).trim(), `certificatesigningrequest.certificates.k8s.io/${name} created`);
    }
    // Who asked is the server's to record, whatever the client sent.
    const spec = JSON.parse(expectOk(await kc(['get', 'csr', approved, '-o', 'jsonpath={.spec}']))) as { username: string; groups: string[] };
    assert.equal(spec.username, 'system:admin');
    assert.deepEqual(spec.groups, ['system:masters', 'system:authenticated']);
    assert.equal(expectOk(await kc(['certificate', 'approve', approved])).trim(), `certificatesigningrequest.certificates.k8s.io/${approved} approved`);
    assert.equal(expectOk(await kc(['certificate', 'deny', denied])).trim(), `certificatesigningrequest.certificates.k8s.io/${denied} denied`);
    let issued = '';
    for (let i = 0; i < 50 && !issued; i++) {
      issued = expectOk(await kc(['get', 'csr', approved, '-o', 'jsonpath={.status.certificate}']));
      if (!issued) await sleep(100);
    }
    const cert = new X509Certificate(Buffer.from(issued, 'base64').toString());
    assert.equal(cert.subject, `O=devs\nCN=${approved}`);
    const row = expectOk(await kc(['get', 'csr', denied, '--no-headers']));
    expectMatch(row, new RegExp(`^${denied}\\s+\\d+s\\s+kubernetes\\.io/kube-apiserver-client\\s+system:admin\\s+60m\\s+Denied\\s*$`, 'm'));
    await sleep(500);
    assert.equal(expectOk(await kc(['get', 'csr', denied, '-o', 'jsonpath={.status.certificate}'])), '');
    const reason = expectOk(await kc(['get', 'csr', denied, '-o', 'jsonpath={.status.conditions[0].reason}']));
    assert.equal(reason, 'KubectlDeny');
    // kubectl will not approve a denied request; a raw PUT to /approval is refused by the server.
    expectError(await kc(['certificate', 'approve', denied, '--force']), `certificate signing request "${denied}" is already Denied`);
    const both = JSON.parse(expectOk(await kc(['get', 'csr', denied, '-o', 'json']))) as { status: { conditions: unknown[] } };
    both.status.conditions.push({ type: 'Approved', status: 'True', reason: 'Sneaky' });
    const path = t.server.writeFile(`both-${index}.json`, JSON.stringify(both));
    expectError(
      await kc(['replace', '--raw', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${denied}/approval`, '-f', path]),
      `The CertificateSigningRequest "${denied}" is invalid: status.conditions[1].type: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive`,
    );
    const described = expectOk(await kc(['describe', 'csr', approved]));
    expectMatch(described, /^Requesting User:\s+system:admin$/m);
    expectMatch(described, /^Signer:\s+kubernetes\.io\/kube-apiserver-client$/m);
    expectMatch(described, /^Status:\s+Approved,Issued$/m);
    const bySigner = expectOk(await kc(['get', 'csr', '--field-selector', 'spec.signerName=kubernetes.io/kube-apiserver-client', '-o', 'name']));
    assert.ok(bySigner.includes(`certificatesigningrequest.certificates.k8s.io/${approved}\n`));
    assert.equal(expectOk(await kc(['get', 'csr', '--field-selector', 'spec.signerName=example.com/none', '-o', 'name'])), '');
  });

  it('a request the signer cannot issue is Failed with the reason', async () => {
    const name = `serving-${index}`;
    expectOk(await kc(['create', '-f', '-'], { input: csrYaml(name, { request: opensslCsr(`/CN=${name}`), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['server auth'] }) }));
    expectOk(await kc(['certificate', 'approve', name]));
    let message = '';
    for (let i = 0; i < 50 && !message; i++) {
      message = expectOk(await kc(['get', 'csr', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Failed")].message}']));
      if (!message) await sleep(100);
    }
    assert.equal(message, 'invalid usage for client certificate: server auth');
    expectMatch(expectOk(await kc(['get', 'csr', name, '--no-headers'])), /\sApproved,Failed\s*$/m);
  });

  it('invalid requests are Invalid, naming the field', async () => {
    const good = opensslCsr('/CN=x');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ request: Buffer.from('hello').toString('base64'), signerName: 'example.com/a', usages: ['client auth'] }, 'spec.request: Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f}: PEM block type must be CERTIFICATE REQUEST'],
      [{ request: good, signerName: 'example.com/a', usages: ['client auth'], expirationSeconds: 300 }, 'spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 600 seconds (10 minutes)'],
      [{ request: good, signerName: 'signer', usages: ['client auth'] }, `spec.signerName: Invalid value: "signer": must be a fully qualified domain and path of the form 'example.com/signer-name'`],
      [{ request: good, usages: ['client auth'] }, 'spec.signerName: Required value'],
      [{ request: good, signerName: 'example.com/a', usages: ['flying'] }, 'spec.usages[0]: Unsupported value: "flying": supported values: "any", "cert sign"'],
      [{ request: good, signerName: 'example.com/a' }, 'spec.usages: Required value'],
    ];
    for (const [spec, message] of cases) {
      const r = await kc(['create', '-f', '-'], { input: csrYaml(`bad-${index}`, spec) });
      expectError(r, `The CertificateSigningRequest "bad-${index}" is invalid: `);
      expectError(r, message);
    }
    const masters = await kc(['create', '-f', '-'], { input: csrYaml(`root-${index}`, { request: opensslCsr('/O=system:masters/CN=root'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }) });
    expectError(masters, `Error from server (Forbidden): error when creating "STDIN": certificatesigningrequests.certificates.k8s.io "root-${index}" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed`);
  });

  it('approving needs approve on the signer: 403 with the reason, and the CLI says so in one line', async () => {
    const role = `csr-approver-${index}`;
    expectOk(await kc(['create', 'clusterrole', role, '--verb=get,list,create,update,delete', '--resource=certificatesigningrequests,certificatesigningrequests/approval']));
    expectOk(await kc(['create', 'clusterrolebinding', role, `--clusterrole=${role}`, `--user=erin-${index}`]));
    const erin = t.server.kubeconfigFor({ name: `erin-${index}`, token: `erin-token-${String(index).repeat(6)}` });
    const name = `erin-${index}`;
    expectOk(await kc(['create', '-f', '-', '--kubeconfig', erin], { input: csrYaml(name, { request: opensslCsr('/CN=erin'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }) }));
    expectError(
      await kc(['certificate', 'approve', name, '--kubeconfig', erin]),
      `certificatesigningrequests.certificates.k8s.io "${name}" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"`,
    );
    assert.equal(expectOk(await kc(['get', 'csr', name, '-o', 'jsonpath={.status.conditions}'])), '');
    const cli = await exec(k3tsBin, ['kubeconfig', 'create', 'bob', '--kubeconfig', erin], {}, 60_000);
    assert.equal(cli.code, 1);
    assert.equal(cli.stdout, '');
    assert.match(cli.stderr, /^k3ts: certificatesigningrequests\.certificates\.k8s\.io "k3ts-kubeconfig-\w+" is forbidden: user not permitted to approve requests with signerName "kubernetes\.io\/kube-apiserver-client" \(the kubeconfig's user needs .*\)\n$/);
    // The refused request was removed, not left pending.
    assert.doesNotMatch(expectOk(await kc(['get', 'csr'])), new RegExp(`^k3ts-kubeconfig-\\S+\\s+\\d+s\\s+\\S+\\s+erin-${index}\\s`, 'm'));
    // With approve on the signer's domain, the same user may approve.
    // `signers` is not a served resource (upstream neither), so kubectl's generator refuses it: a manifest.
    const signerRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `${role}-signer` }, rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve'], resourceNames: ['kubernetes.io/*'] }] };
    expectOk(await kc(['create', '-f', '-'], { input: JSON.stringify(signerRole) }));
    expectOk(await kc(['create', 'clusterrolebinding', `${role}-signer`, `--clusterrole=${role}-signer`, `--user=erin-${index}`]));
    for (let i = 0; ; i++) {
      const r = await kc(['certificate', 'approve', name, '--kubeconfig', erin]);
      if (r.code === 0) break;
      if (i > 30) expectOk(r);
      await sleep(100); // the RBAC cache follows the new binding by a watch
    }
  });

  it('the CLI refuses bad input in one line', async () => {
    for (const [args, message] of [
      [['kubeconfig', 'create', 'x', '--ttl', '5m'], "k3ts: --ttl must be at least 10m and at most 8760h (one year, the signer's maximum)\n"],
      [['kubeconfig', 'create', 'x', '--ttl', 'soon'], 'k3ts: --ttl: invalid duration "soon": use a number with a unit, e.g. 24h, 90m, 30s, or 0 for no expiry\n'],
      [['kubeconfig', 'create', 'x', '--group', 'system:masters'], 'k3ts: the kube-apiserver-client signer never issues system:masters certificates; bind a ClusterRole (e.g. cluster-admin) to the user or group instead\n'],
      [['kubeconfig', 'create', 'x', '--kubeconfig', '/nonexistent.yaml'], 'k3ts: cannot read the kubeconfig /nonexistent.yaml: ENOENT; pass --kubeconfig or set KUBECONFIG\n'],
    ] as Array<[string[], string]>) {
      const r = await k3ts(args);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr, message);
    }
    const down = await k3ts(['kubeconfig', 'create', 'x', '--server', 'https://127.0.0.1:1']);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^k3ts: cannot reach the API server at https:\/\/127\.0\.0\.1:1 \(.*\); check --server or the kubeconfig\n$/);
  });
});
