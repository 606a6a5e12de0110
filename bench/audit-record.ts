// The audit log's own work per request, without HTTP or machine noise around it: a record begun,
// told the user, request and decision, and completed, its Metadata event written to a file.
// Compared with the same loop without an auditor (only the Audit-Id header).
//   npx tsc -p tsconfig.json && node dist/bench/audit-record.js [--n 200000]
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditor, setAuditId } from '../src/apiserver/audit/auditor.js';
import { openLineLog } from '../src/apiserver/audit/log-file.js';
import { parseAuditPolicy } from '../src/apiserver/audit/policy.js';
import { parseRequestInfo } from '../src/apiserver/request-info.js';

const i = process.argv.indexOf('--n');
const N = i >= 0 ? Number(process.argv[i + 1]) : 200_000;

function fakeExchange(): { req: IncomingMessage; res: ServerResponse & EventEmitter } {
  const req = {
    method: 'GET',
    url: '/api/v1/namespaces/default/configmaps/target',
    headers: { 'user-agent': 'kubectl/v1.32.0 (linux/amd64) kubernetes/abcdef', accept: 'application/json' },
    socket: { remoteAddress: '127.0.0.1' },
  } as unknown as IncomingMessage;
  const res = Object.assign(new EventEmitter(), { statusCode: 200, setHeader: () => undefined }) as unknown as ServerResponse & EventEmitter;
  return { req, res };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k3ts-bench-audit-record-'));
  try {
    const policy = parseAuditPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'Metadata' }] });
    const log = await openLineLog({ path: join(dir, 'audit.log'), maxSizeBytes: 0, maxBackups: 0, maxAgeDays: 0, maxQueuedBytes: 1 << 30 });
    const auditor = createAuditor({ policy, log });
    const user = { name: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
    const decision = { allowed: true, reason: '' };
    const run = (audited: boolean) => {
      const t0 = performance.now();
      for (let k = 0; k < N; k++) {
        const { req, res } = fakeExchange();
        const info = parseRequestInfo('GET', '/api/v1/namespaces/default/configmaps/target', new URLSearchParams());
        if (audited) {
          const rec = auditor.begin(req, res);
          rec.identify(user, user);
          rec.received(info);
          rec.authorized(decision);
          res.emit('close');
        } else setAuditId(req, res);
      }
      return ((performance.now() - t0) * 1000) / N;
    };
    run(false);
    run(true);
    const off = Math.min(run(false), run(false), run(false));
    const t0 = performance.now();
    const on = Math.min(run(true), run(true), run(true));
    await log.flush();
    const withFlush = ((performance.now() - t0) * 1000) / (3 * N);
    const dropped = log.dropped;
    await auditor.close();
    console.log(`${N} requests per run, best of 3`);
    console.log(`  without audit (Audit-Id only):  ${off.toFixed(2)} µs per request`);
    console.log(`  Metadata event to a file:       ${on.toFixed(2)} µs per request on the request path; ${withFlush.toFixed(2)} µs including the batched writes (${(readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0) / (4 * N)).toFixed(0)} bytes per event, ${dropped} dropped)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
