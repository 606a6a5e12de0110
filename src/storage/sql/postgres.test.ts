import { after, before, describe, it } from 'node:test';
import { runBackendConformance } from '../conformance.js';
import { openBackend } from '../open.js';
import { PG_PASSWORD, PostgresServer, postgresSkipReason } from '../../../test/support/postgres-server.js';
import { runSqlOperationalTests } from './operational-suite.js';

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
}
