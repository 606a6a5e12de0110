import { after, before, describe, it } from 'node:test';
import { runBackendConformance } from '../conformance.js';
import { openBackend } from '../open.js';
import { MY_PASSWORD, MariadbServer, mariadbSkipReason } from '../../../test/support/mariadb-server.js';
import { runSqlOperationalTests } from './operational-suite.js';

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
}
