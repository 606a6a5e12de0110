import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StorageError } from '../backend.js';
import { runBackendConformance } from '../conformance.js';
import { openBackend } from '../open.js';
import { MY_PASSWORD, MariadbServer, mariadbSkipReason } from '../../../test/support/mariadb-server.js';
import { runSqlOperationalTests } from './operational-suite.js';
import { mysqlConnection } from './mysql.js';

const skip = mariadbSkipReason();
if (skip) {
  console.log(`# skipping MySQL/MariaDB backend tests: ${skip}`);
  describe('mysql backend', () => it('runs against a private MariaDB', { skip }, () => {}));
} else {
  let server: MariadbServer | undefined;
  before(async () => {
    server = await MariadbServer.start();
  });
  after(async () => {
    await server?.stop();
  });

  runBackendConformance('mysql', async () => {
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
  runSqlOperationalTests('mysql', () => server!, MY_PASSWORD);

  describe('mysql transactions cut by a shutdown', () => {
    it('a transaction whose connection the server closed before COMMIT is reported as not applied (Unavailable), and was not', async () => {
      const db = await server!.database();
      await (await openBackend(db.url, { autoCompaction: { intervalMs: 0 } })).close();
      const conn = mysqlConnection(db.url.replace(/^mysql:\/\//, ''));
      try {
        const before = Number((await conn.query('revisions'))[0]!.rev);
        const failure = await conn
          .transaction(async (query) => {
            await query('lockRevision');
            await query('setRevision', [before + 1000]);
            // The server goes away between this statement and COMMIT, as in a restart under load.
            await server!.down();
          })
          .then(() => undefined, (err: unknown) => err);
        assert.ok(failure instanceof StorageError, `a StorageError: ${String(failure)}`);
        assert.equal(failure.code, 'Unavailable', failure.message);
        await server!.up();
        assert.equal(Number((await conn.query('revisions'))[0]!.rev), before, 'the write was rolled back');
      } finally {
        await conn.close();
        await db.drop();
      }
    });
  });
}
