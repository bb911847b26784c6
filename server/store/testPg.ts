// The store tests' PostgreSQL: the cluster harness's (server/testing/testPostgres.ts) plus a fresh
// database per test, so the tests of one file share one server.
import pg from 'pg';
import { type TestPostgres as HarnessPostgres, startPostgres } from '../testing/testPostgres.js';

export { freePort } from '../testing/processes.js';

export interface TestPostgres extends Omit<HarnessPostgres, 'url'> {
  /** `postgres://postgres@127.0.0.1:PORT/DB` */
  url(db?: string): string;
  /** A fresh, empty database; returns its URL. */
  createDatabase(): Promise<string>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const server = await startPostgres();
  const url = (db = 'postgres') => server.url.replace(/\/[^/]*$/, `/${db}`);
  let n = 0;
  return {
    port: server.port,
    stop: () => server.stop(),
    start: () => server.start(),
    dispose: () => server.dispose(),
    url,
    async createDatabase() {
      const name = `t${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return url(name);
    },
  };
}
