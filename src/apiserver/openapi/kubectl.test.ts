// Real kubectl against a stub HTTP server that serves only our discovery and OpenAPI documents
// (objects: GET answers from a map or 404, POST and PATCH echo). It shows that kubectl accepts the
// documents: apply validates on the server (fieldValidation=Strict) without `error validating`,
// computes strategic merge patches from the published schemas (merge keys) without an OpenAPI warning, and
// each kubectl generation gets the discovery format it asked for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildDiscoveryDocuments } from '../discovery/documents.js';
import { sampleDescriptors } from '../discovery/sample-descriptors.js';
import { buildOpenAPIDocuments } from './documents.js';

const SDK = '/usr/lib/google-cloud-sdk/bin';
const binaries = [
  { name: 'kubectl 1.29', bin: join(SDK, 'kubectl.1.29') },
  { name: 'kubectl 1.32', bin: join(SDK, 'kubectl.1.32') },
  { name: 'kubectl 1.35', bin: resolve('.cache/kubectl-1.35/kubectl') },
].filter((b) => existsSync(b.bin));

interface Recorded {
  method: string;
  url: string;
  accept: string;
  contentType: string;
  responseType: string;
  body: string;
}

const discovery = buildDiscoveryDocuments(sampleDescriptors);
const openapi = buildOpenAPIDocuments(sampleDescriptors, { serverVersion: 'v1.32.0+k3ts' });

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
    req.on('error', rej);
  });
}

class Stub {
  requests: Recorded[] = [];
  objects = new Map<string, Record<string, unknown>>();
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const url = new URL(req.url ?? '/', 'http://stub');
        const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', accept: String(req.headers.accept ?? ''), contentType: String(req.headers['content-type'] ?? ''), responseType: '', body };
        this.requests.push(rec);
        const send = (status: number, headers: Record<string, string>, text?: string) => {
          rec.responseType = headers['Content-Type'] ?? '';
          res.writeHead(status, headers);
          res.end(text);
        };
        const json = (status: number, value: unknown) => send(status, { 'Content-Type': 'application/json' }, JSON.stringify(value));
        const path = url.pathname;
        if (path === '/version') return json(200, { major: '1', minor: '32', gitVersion: 'v1.32.0+k3ts', platform: 'linux/amd64' });
        if (path === '/api' || path === '/apis') {
          const a = discovery.answer(path === '/api' ? 'api' : 'apis', { accept: req.headers.accept, serverAddress: `127.0.0.1:${this.port}` });
          return send(200, a.headers, a.body);
        }
        const list = path.startsWith('/api/') || path.startsWith('/apis/') ? discovery.resourceList(path.replace(/^\/apis?\//, '')) : undefined;
        if (list) return send(200, { 'Content-Type': 'application/json' }, list.body);
        if (path.startsWith('/openapi/v3')) {
          const a = openapi.answer({ path, hash: url.searchParams.get('hash'), ifNoneMatch: req.headers['if-none-match'] });
          return send(a.status, a.headers, a.body);
        }
        const notFound = () => json(404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 });
        if (req.method === 'GET') {
          const obj = this.objects.get(path);
          return obj ? json(200, obj) : notFound();
        }
        if (req.method === 'POST') {
          const obj = JSON.parse(body) as { metadata: Record<string, unknown> };
          obj.metadata = { ...obj.metadata, uid: 'u1', resourceVersion: '1', creationTimestamp: '2025-01-01T00:00:00Z' };
          return json(201, obj);
        }
        if (req.method === 'PATCH') {
          const obj = this.objects.get(path);
          return obj ? json(200, obj) : notFound();
        }
        return notFound();
      })();
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const CM = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { a: '1' } };
const deployment = (image: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
  },
});

describe('real kubectl accepts our discovery and OpenAPI documents', { skip: binaries.length === 0 ? 'no kubectl binaries' : false, timeout: 120_000 }, () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'k3ts-openapi-'));
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  for (const k of binaries) {
    describe(k.name, () => {
      let stub: Stub;
      let run = 0;
      before(async () => {
        stub = new Stub();
        await stub.start();
      });
      after(async () => {
        await stub.stop();
      });

      const kubectl = (args: string[], stdin?: string) => {
        // A fresh home and cache each run: nothing learnt from an earlier run may hide a failure.
        const home = join(work, `${k.name.replace(/\W+/g, '-')}-${run++}`);
        const kubeconfig = join(home, 'kubeconfig');
        mkdirSync(home, { recursive: true });
        writeFileSync(kubeconfig, '');
        return new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
          const env = { PATH: process.env.PATH ?? '', HOME: home, KUBECACHEDIR: join(home, 'cache'), KUBECONFIG: kubeconfig };
          const child = execFile(k.bin, [...args, '--server', `http://127.0.0.1:${stub.port}`], { env, timeout: 60_000 }, (err, stdout, stderr) => {
            res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
          });
          if (stdin !== undefined) child.stdin?.end(stdin);
        });
      };

      it('api-resources uses the aggregated format the client asked for', async () => {
        stub.requests = [];
        const r = await kubectl(['api-resources']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^pods\s+po\s+v1\s+true\s+Pod\s*$/m);
        assert.match(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s*$/m);
        assert.match(r.stdout, /^namespaces\s+ns\s+v1\s+false\s+Namespace\s*$/m);
        const apis = stub.requests.find((q) => q.url.startsWith('/apis?') || q.url === '/apis');
        assert.ok(apis, 'GET /apis');
        const expected = k.name === 'kubectl 1.29' ? 'v=v2beta1' : 'v=v2;';
        assert.ok(apis.responseType.includes(expected), `${k.name} sent Accept ${apis.accept}; we answered ${apis.responseType}`);
        assert.equal(stub.requests.some((q) => q.url.startsWith('/apis/apps/v1')), false, 'no legacy per-group requests after aggregated discovery');
      });

      it('apply -f creates with fieldValidation=Strict and no validation error', async () => {
        stub.requests = [];
        stub.objects.clear();
        const file = join(work, `create-${run}.yaml`);
        writeFileSync(file, `---\n${JSON.stringify(CM)}\n---\n${JSON.stringify(deployment('nginx:1.25'))}\n`);
        const r = await kubectl(['apply', '-f', file]);
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /error validating|warning/i);
        assert.match(r.stdout, /configmap\/cfg created/);
        assert.match(r.stdout, /deployment\.apps\/web created/);
        const posts = stub.requests.filter((q) => q.method === 'POST');
        assert.equal(posts.length, 2);
        for (const p of posts) assert.match(p.url, /fieldValidation=Strict/);
        assert.ok(stub.requests.some((q) => q.url.startsWith('/openapi/v3/apis/apps/v1?hash=')), 'fetched the apps/v1 document by hash');
      });

      it('apply -f on existing objects sends a built-in strategic merge patch without warnings', async () => {
        stub.requests = [];
        const old = deployment('nginx:1.25');
        const live = { ...old, metadata: { ...old.metadata, uid: 'u1', resourceVersion: '5', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(old)}\n` } } };
        stub.objects.set('/apis/apps/v1/namespaces/default/deployments/web', live);
        const file = join(work, `patch-${run}.yaml`);
        writeFileSync(file, JSON.stringify(deployment('nginx:1.26')));
        const r = await kubectl(['apply', '-f', file]);
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stderr, /warning|error/i);
        assert.match(r.stdout, /deployment\.apps\/web configured/);
        const patch = stub.requests.find((q) => q.method === 'PATCH');
        assert.ok(patch, 'PATCH sent');
        assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
        assert.match(patch.url, /fieldValidation=Strict/);
        const body = JSON.parse(patch.body);
        assert.deepEqual(body.spec.template.spec['$setElementOrder/containers'], [{ name: 'nginx' }], 'merge key from the published schema');
        assert.deepEqual(body.spec.template.spec.containers, [{ image: 'nginx:1.26', name: 'nginx' }]);
      });

      it('apply --dry-run=server sends dryRun=All', async () => {
        stub.requests = [];
        stub.objects.clear();
        const file = join(work, `dry-${run}.yaml`);
        writeFileSync(file, JSON.stringify(CM));
        const r = await kubectl(['apply', '-f', file, '--dry-run=server']);
        assert.equal(r.code, 0, r.stderr);
        const post = stub.requests.find((q) => q.method === 'POST');
        assert.ok(post);
        assert.match(post.url, /dryRun=All/);
        assert.match(post.url, /fieldValidation=Strict/);
      });
    });
  }
});
