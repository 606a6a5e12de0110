import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { StorageError } from '../backend.js';
import { runBackendConformance } from '../conformance.js';
import { openBackend } from '../open.js';
import { PG_PASSWORD, PostgresServer, postgresSkipReason } from '../../../test/support/postgres-server.js';
import { runSqlOperationalTests } from './operational-suite.js';
import { postgresConnection } from './postgres.js';

const skip = postgresSkipReason();
if (skip) {
  console.log(`# skipping PostgreSQL backend tests: ${skip}`);
  describe('postgres backend', () => it('runs against a private PostgreSQL', { skip }, () => {}));
} else {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await PostgresServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  runBackendConformance('postgres', async () => {
    const db = await server!.database();
    const backend = await openBackend(db.url, { autoCompaction: { intervalMs: 0 } });
    return {
      backend,
      dispose: async () => {
        await backend.close();
        await db.drop();
      },
    };
  });
  runSqlOperationalTests('postgres', () => server!, PG_PASSWORD);

  // A write batch's last statement goes out with COMMIT in one message (a round trip fewer): what
  // that must still mean when the statement fails, and when the connection goes mid-message.
  describe('postgres transactions: the last statement carries COMMIT', () => {
    const withDatabase = async (test: (conn: ReturnType<typeof postgresConnection>, url: string) => Promise<void>) => {
      const db = await server!.database();
      await (await openBackend(db.url, { autoCompaction: { intervalMs: 0 } })).close();
      const conn = postgresConnection(db.url.replace(/^postgres:\/\//, ''));
      try {
        await test(conn, db.url);
      } finally {
        await conn.close();
        await db.drop();
      }
    };
    const revision = async (conn: ReturnType<typeof postgresConnection>) => Number((await conn.query('revisions'))[0]!.rev);
    const row = (id: number, value: string) => [id, `/k/${id}`, 1, 0, id, 0, value];

    it('is committed when the transaction returns, and its rows come back', async () => {
      await withDatabase(async (conn) => {
        const before = await revision(conn);
        const rows = await conn.transaction(async (query, last) => {
          await query('lockRevision');
          return last('finishMany1', [...row(before + 1, "a 'quoted' \\ value"), before + 1, String(before + 1)]);
        });
        assert.equal(rows.length, 1, 'the SELECT pg_notify row');
        assert.equal(await revision(conn), before + 1);
        const [latest] = await conn.query('latest', [`/k/${before + 1}`]);
        assert.equal(latest?.value, "a 'quoted' \\ value");
      });
    });

    it('rolls everything back when the last statement fails, and the connection goes on working', async () => {
      await withDatabase(async (conn) => {
        const before = await revision(conn);
        await conn.transaction(async (query, last) => {
          await query('lockRevision');
          await last('insertMany1', row(before + 1, 'first'));
        });
        // The failing message is also the first to prepare finishMany1 on its connection: what
        // follows must not trip over a statement prepared by a message that failed.
        const failure = await conn
          .transaction(async (query, last) => {
            await query('lockRevision');
            await query('setRevision', [before + 5]);
            await last('finishMany1', [...row(before + 1, 'same id again'), before + 6, String(before + 6)]);
          })
          .then(() => undefined, (err: unknown) => err as { code?: string });
        assert.equal(failure?.code, '23505', 'a unique violation, as PostgreSQL reported it');
        assert.equal(await revision(conn), before, 'the counter update was rolled back');
        for (let i = 0; i < 3; i++) {
          await conn.transaction(async (query, last) => {
            await query('lockRevision');
            await last('finishMany1', [...row(before + 10 + i, 'next'), before + 10 + i, String(before + 10 + i)]);
          });
        }
        assert.equal(await revision(conn), before + 12);
      });
    });

    it('reports a connection lost while the message is out as outcome unknown', async () => {
      await withDatabase(async (conn, url) => {
        const before = await revision(conn);
        const other = new pg.Client({ connectionString: url.replace(/\?.*$/, '') });
        await other.connect();
        try {
          // Another session holds the counter row, so the last statement waits on it with COMMIT
          // already sent; then its backend is terminated, as a crash or failover would.
          await other.query('BEGIN');
          await other.query(`SELECT value FROM kv_meta WHERE name = 'revision' FOR UPDATE`);
          const outcome = conn
            .transaction(async (query, last) => {
              await query('revisions');
              await last('setRevision', [before + 1]);
            })
            .then(() => undefined, (err: unknown) => err);
          let waiting: number | undefined;
          for (let i = 0; i < 100 && !waiting; i++) {
            // Activity is a snapshot per transaction: cleared so each look is fresh.
            await other.query('SELECT pg_stat_clear_snapshot()');
            const { rows } = await other.query(`SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%COMMIT'`);
            waiting = rows[0]?.pid as number | undefined;
            if (!waiting) await new Promise((r) => setTimeout(r, 20));
          }
          assert.ok(waiting, 'the last statement is waiting on the lock');
          await other.query('SELECT pg_terminate_backend($1)', [waiting]);
          const failure = await outcome;
          assert.ok(failure instanceof StorageError, `a StorageError: ${String(failure)}`);
          assert.equal(failure.code, 'OutcomeUnknown', failure.message);
          assert.match(failure.message, /may or may not have been applied/);
          await other.query('ROLLBACK');
          assert.equal(await revision(conn), before, 'the terminated transaction did not commit');
        } finally {
          await other.end().catch(() => {});
        }
      });
    });
  });
}
