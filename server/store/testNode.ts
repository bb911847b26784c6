// One server with a PostgreSQL store in its own process, for the kill -9 test (server/store/pg.test.ts):
// `node --import tsx server/store/testNode.ts DATA_DIR POSTGRES_URL` prints its URL, then runs until killed.
import { startServer } from '../index.js';
import { TEST_APP } from '../testing/fixtures.js';

const [dataDir, postgresUrl] = process.argv.slice(2);
if (!dataDir || !postgresUrl) {
  process.stderr.write('usage: testNode.ts DATA_DIR POSTGRES_URL\n');
  process.exit(2);
}
const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  apps: [TEST_APP],
  userAuth: 'none',
  media: false,
  logLevel: 'silent',
  store: { postgresUrl },
});
process.stdout.write(`url ${server.url}\n`);
