import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startTestControlPlane, type TestControlPlane } from '../../../test/support/control-plane.js';
import { createObject, updateObject } from '../resources/operations.js';
import type { ResourceContext } from '../resources/context.js';
import type { Authorizer } from '../authz.js';
import { certificateSigningAdmission } from './certificates.js';

const openssl = (subject: string) =>
  Buffer.from(execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', subject], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toString('base64');

/** Grants exactly the listed `verb signers/name` pairs. */
const grants = (allowed: string[]): Authorizer => ({
  authorize: (_user, info) => ({ allowed: info.kind === 'resource' && allowed.includes(`${info.verb} ${info.resource}/${info.name}`) }),
});

describe('CertificateSigningRequest admission', () => {
  let cp: TestControlPlane;
  let ctx: ResourceContext;
  const alice = { name: 'alice', uid: 'a-1', groups: ['team', 'system:authenticated'] };
  before(async () => {
    cp = await startTestControlPlane();
    const others = cp.context.admission.filter((p) => p.name !== 'CertificateSigningRequests');
    ctx = { ...cp.context, admission: [...others, certificateSigningAdmission({ authorizer: grants(['approve signers/example.com/*', 'sign signers/example.com/s']) })] };
  });
  after(() => cp.close());
  const d = () => ctx.registry.findByResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
  const body = (name: string, signerName: string, subject = '/CN=x', spec: Record<string, unknown> = {}) => ({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: openssl(subject), signerName, usages: ['client auth'], ...spec },
  });

  it('records the requester from the user, not from the client', async () => {
    const got = await createObject(ctx, d(), undefined, body('rec', 'example.com/s', '/CN=x', { username: 'root', groups: ['system:masters'], uid: 'forged' }), { user: alice });
    const spec = got.spec as Record<string, unknown>;
    assert.equal(spec.username, 'alice');
    assert.equal(spec.uid, 'a-1');
    assert.deepEqual(spec.groups, ['team', 'system:authenticated']);
  });

  it('refuses system:masters certificates from the API server client signer', async () => {
    await assert.rejects(createObject(ctx, d(), undefined, body('m', 'kubernetes.io/kube-apiserver-client', '/O=system:masters/CN=x'), { user: alice }), {
      code: 403,
      message: 'certificatesigningrequests.certificates.k8s.io "m" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    });
    // Other signers decide for themselves.
    await createObject(ctx, d(), undefined, body('m2', 'example.com/s', '/O=system:masters/CN=x'), { user: alice });
  });

  it('approval needs approve on the signer name or its domain; a certificate needs sign', async () => {
    await createObject(ctx, d(), undefined, body('other', 'other.io/s'), { user: alice });
    const approval = (name: string) => ({ ...body(name, ''), status: { conditions: [{ type: 'Approved', status: 'True', reason: 'ok' }] } });
    await assert.rejects(updateObject(ctx, d(), undefined, 'other', approval('other'), { subresource: 'approval', user: alice }), {
      code: 403,
      message: 'certificatesigningrequests.certificates.k8s.io "other" is forbidden: user not permitted to approve requests with signerName "other.io/s"',
    });
    const ok = await updateObject(ctx, d(), undefined, 'rec', approval('rec'), { subresource: 'approval', user: alice });
    const condition = (ok.status as { conditions: Array<Record<string, string>> }).conditions[0]!;
    assert.equal(condition.type, 'Approved');
    assert.ok(condition.lastUpdateTime && condition.lastTransitionTime, 'times filled in');
    assert.equal((ok.spec as { username: string }).username, 'alice', 'the spec is kept');
    const ca = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=c', '-days', '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const withCert = (name: string) => ({ ...ok, metadata: { name }, status: { ...(ok.status as object), certificate: Buffer.from(ca).toString('base64') } });
    await updateObject(ctx, d(), undefined, 'rec', withCert('rec'), { subresource: 'status', user: alice });
    await createObject(ctx, d(), undefined, body('s2', 'example.com/t'), { user: alice });
    const approved = await updateObject(ctx, d(), undefined, 's2', approval('s2'), { subresource: 'approval', user: alice });
    const s2WithCert = { ...approved, status: { ...(approved.status as object), certificate: Buffer.from(ca).toString('base64') } };
    await assert.rejects(updateObject(ctx, d(), undefined, 's2', s2WithCert, { subresource: 'status', user: alice }), {
      code: 403,
      message: 'certificatesigningrequests.certificates.k8s.io "s2" is forbidden: user not permitted to sign requests with signerName "example.com/t"',
    });
  });
});
