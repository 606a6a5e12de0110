// The audit log as an operator reads it: a real server started with --audit-log-path and an upstream
// policy file, driven by real kubectl; the JSON lines are checked for who did what and what they got.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { expectError, expectOk, repoRoot, TestServer } from './harness.js';

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
  - level: None
    nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
  - level: None
    resources: [{ group: "", resources: ["events"] }]
  - level: RequestResponse
    resources: [{ group: "", resources: ["configmaps"] }]
  - level: Request
    resources: [{ group: "", resources: ["secrets"] }]
    omitStages: [ResponseStarted]
  - level: Metadata
`;

interface AuditEvent {
  kind: string;
  apiVersion: string;
  level: string;
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username?: string; groups?: string[] };
  impersonatedUser?: { username: string; groups?: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string; subresource?: string };
  responseStatus?: { code: number; status?: string; reason?: string; message?: string };
  requestObject?: Record<string, any>;
  responseObject?: Record<string, any>;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('audit log', { timeout: 120_000 }, () => {
  let dir = '';
  let server: TestServer;
  let logPath = '';
  let dana = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k3ts-audit-'));
    logPath = join(dir, 'log', 'audit.log');
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    server = await TestServer.start({
      tokenAuthCsv: 'dana-token-444444,dana,3001,"qa"',
      extraArgs: ['--audit-log-path', logPath, '--audit-policy-file', join(dir, 'policy.yaml')],
    });
    dana = server.kubeconfigFor({ name: 'dana', token: 'dana-token-444444' });
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The events written so far (the log is written off the request path, so it may lag a moment). */
  const eventsWhere = async (pred: (e: AuditEvent) => boolean, atLeast = 1): Promise<AuditEvent[]> => {
    let found: AuditEvent[] = [];
    for (let i = 0; i < 50; i++) {
      const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
      found = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent).filter(pred);
      if (found.length >= atLeast) return found;
      await sleep(100);
    }
    return found;
  };

  it('records a kubectl create with the user, the response code, and both objects at RequestResponse', async () => {
    assert.equal(expectOk(await server.kubectl(['create', 'configmap', 'audited', '-n', 'default', '--from-literal=colour=blue'])).trim(), 'configmap/audited created');
    const [ev] = await eventsWhere((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps');
    assert.ok(ev, 'no create event for the configmap');
    assert.equal(ev.kind, 'Event');
    assert.equal(ev.apiVersion, 'audit.k8s.io/v1');
    assert.equal(ev.level, 'RequestResponse');
    assert.equal(ev.stage, 'ResponseComplete');
    assert.equal(ev.user.username, 'system:admin');
    assert.ok(ev.user.groups?.includes('system:masters'));
    assert.equal(ev.responseStatus?.code, 201);
    assert.deepEqual(ev.objectRef, { resource: 'configmaps', namespace: 'default', apiVersion: 'v1' });
    assert.equal(ev.requestURI.split('?')[0], '/api/v1/namespaces/default/configmaps');
    assert.deepEqual(ev.sourceIPs, ['127.0.0.1']);
    assert.match(ev.userAgent ?? '', /^kubectl/);
    assert.equal(ev.requestObject?.data?.colour, 'blue');
    assert.equal(ev.responseObject?.metadata?.name, 'audited');
    assert.ok(ev.responseObject?.metadata?.uid, 'the response object is the stored one');
    assert.equal(ev.responseObject?.metadata?.managedFields, undefined, 'omitManagedFields drops them');
    assert.equal(ev.annotations?.['authorization.k8s.io/decision'], 'allow');
    assert.match(ev.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.ok(ev.stageTimestamp >= ev.requestReceivedTimestamp);
    // omitStages at the top level: only the final stage of this request is there.
    assert.equal((await eventsWhere((e) => e.auditID === ev.auditID)).length, 1);
  });

  it('records a denied request as 403 with decision forbid', async () => {
    expectError(await server.kubectl(['get', 'secrets', '-n', 'kube-system'], { kubeconfig: dana }), /forbidden: User "dana" cannot list resource "secrets"/);
    const [ev] = await eventsWhere((e) => e.user.username === 'dana' && e.objectRef?.resource === 'secrets');
    assert.ok(ev, 'no event for the denied list');
    assert.equal(ev.verb, 'list');
    assert.equal(ev.level, 'Request');
    assert.equal(ev.responseStatus?.code, 403);
    assert.equal(ev.responseStatus?.reason, 'Forbidden');
    assert.equal(ev.responseStatus?.status, 'Failure');
    assert.match(ev.responseStatus?.message ?? '', /cannot list resource "secrets"/);
    assert.equal(ev.annotations?.['authorization.k8s.io/decision'], 'forbid');
    assert.deepEqual(ev.user.groups, ['qa', 'system:authenticated']);
  });

  it('records a refused exec upgrade with its subresource, 403 and decision forbid', async () => {
    const r = await server.rawGet('/api/v1/namespaces/default/pods/nopod/exec?command=true&stdout=1', {
      authorization: 'Bearer dana-token-444444',
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-protocol': 'v5.channel.k8s.io',
    });
    assert.equal(r.status, 403);
    const [ev] = await eventsWhere((e) => e.objectRef?.subresource === 'exec');
    assert.ok(ev, 'no event for the exec');
    assert.equal(ev.user.username, 'dana');
    assert.equal(ev.stage, 'ResponseComplete');
    assert.equal(ev.responseStatus?.code, 403);
    assert.deepEqual(ev.objectRef, { resource: 'pods', namespace: 'default', name: 'nopod', apiVersion: 'v1', subresource: 'exec' });
    assert.equal(ev.annotations?.['authorization.k8s.io/decision'], 'forbid');
  });

  it('records an anonymous request as 401 with no user', async () => {
    const r = await server.rawGet('/api/v1/namespaces');
    assert.equal(r.status, 401);
    const [ev] = await eventsWhere((e) => e.responseStatus?.code === 401 && e.requestURI === '/api/v1/namespaces');
    assert.ok(ev, 'no event for the anonymous request');
    assert.deepEqual(ev.user, {});
    assert.equal(ev.level, 'Metadata');
  });

  it('impersonation: the event names the real user and the impersonated one', async () => {
    expectOk(await server.kubectl(['get', 'namespaces', '--as=jane', '--as-group=system:masters']));
    const [ev] = await eventsWhere((e) => e.impersonatedUser?.username === 'jane' && e.objectRef?.resource === 'namespaces');
    assert.ok(ev, 'no event for the impersonated list');
    assert.equal(ev.user.username, 'system:admin');
    assert.equal(ev.responseStatus?.code, 200);
  });

  it('levels follow the first matching rule: Metadata keeps no objects, None nothing', async () => {
    expectOk(await server.kubectl(['get', 'namespaces', 'default', '-o', 'name']));
    const [ev] = await eventsWhere((e) => e.verb === 'get' && e.objectRef?.resource === 'namespaces' && e.objectRef.name === 'default');
    assert.ok(ev);
    assert.equal(ev.level, 'Metadata');
    assert.equal(ev.requestObject, undefined);
    assert.equal(ev.responseObject, undefined);
    // Request level (secrets): the request body, no response body.
    expectOk(await server.kubectl(['create', 'secret', 'generic', 'audited', '-n', 'default', '--from-literal=k=v']));
    const [sec] = await eventsWhere((e) => e.verb === 'create' && e.objectRef?.resource === 'secrets');
    assert.ok(sec);
    assert.equal(sec.level, 'Request');
    assert.equal(sec.requestObject?.kind, 'Secret');
    assert.equal(sec.responseObject, undefined);
    // None: events and health checks leave no line.
    const health = await server.rawGet('/healthz');
    assert.equal(health.status, 200);
    await sleep(300);
    assert.deepEqual(await eventsWhere((e) => e.objectRef?.resource === 'events' || e.requestURI.startsWith('/healthz'), 0), []);
  });

  it('a watch gets ResponseStarted and then ResponseComplete', async () => {
    const bg = server.background(['get', 'configmaps', '-n', 'default', '--watch', '-o', 'name']);
    await bg.waitFor(/configmap\/audited/);
    await bg.stop();
    const evs = await eventsWhere((e) => e.verb === 'watch' && e.objectRef?.resource === 'configmaps', 2);
    const byId = evs.filter((e) => e.auditID === evs[0]!.auditID).map((e) => e.stage);
    assert.deepEqual(byId, ['ResponseStarted', 'ResponseComplete']);
  });

  it('answers an Audit-Id header that is the event\'s auditID', async () => {
    const out = await server.kubectl(['get', 'configmap', 'audited', '-n', 'default', '-v=8']);
    expectOk(out);
    const m = /Audit-Id: ([0-9a-f-]{36})/.exec(out.stderr);
    assert.ok(m, `no Audit-Id among the response headers:\n${out.stderr.slice(0, 3000)}`);
    const [ev] = await eventsWhere((e) => e.auditID === m[1]);
    assert.ok(ev, 'no event with the header\'s ID');
    assert.equal(ev.verb, 'get');
  });
});

describe('a bad audit policy', () => {
  it('stops the server with one line naming the file and the fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-audit-bad-'));
    try {
      const policy = join(dir, 'policy.yaml');
      writeFileSync(policy, 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: Everything\n');
      const r = spawnSync(join(repoRoot, 'bin', 'k3ts'), ['server', '--data-dir', join(dir, 'data'), '--https-listen-port', '0', '--bind-address', '127.0.0.1', '--write-kubeconfig', join(dir, 'kc'), '--disable-agent', '--audit-log-path', join(dir, 'audit.log'), '--audit-policy-file', policy], { encoding: 'utf8', timeout: 20_000 });
      assert.notEqual(r.status, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.ok(lines[0]!.includes(policy), lines[0]);
      assert.match(lines[0]!, /rules\[0\]\.level: Unsupported value: "Everything"/);
      assert.equal(existsSync(join(dir, 'data', 'server', 'db')), false, 'nothing was started');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
