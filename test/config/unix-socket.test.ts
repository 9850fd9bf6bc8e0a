/**
 * DATABASE_URL naming a local PostgreSQL's Unix socket (README "Configuration"): both documented forms are accepted,
 * described as a socket, and connect through it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { describeTarget, openReachableStore } from '../../src/store/open.js';
import { createDatabase, localSocketDir, overUnixSocket, PG_SOCKET_DIR } from '../support/database.js';
import { PG_ADMIN_URL, postgresAvailable } from '../support/stores.js';

const FORMS = ['postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/app', 'postgres:///app?host=/var/run/postgresql&user=postgres'];

describe('DATABASE_URL through a Unix socket', () => {
  it('both forms are PostgreSQL URLs, described as the socket', () => {
    for (const url of FORMS) {
      assert.deepEqual([loadConfig({ DATABASE_URL: url }).database.kind, loadConfig({ DATABASE_URL: url }).database.url], ['postgres', url], url);
      assert.equal(describeTarget(url), 'PostgreSQL at Unix socket /var/run/postgresql/.s.PGSQL.5432, database "app"', url);
    }
    assert.equal(describeTarget('postgres://postgres@127.0.0.1:5433/app'), 'PostgreSQL at 127.0.0.1:5433, database "app"');
    assert.equal(overUnixSocket('postgres://postgres@127.0.0.1:5432/app', '/var/run/postgresql'), 'postgresql://postgres@%2Fvar%2Frun%2Fpostgresql:5432/app');
  });

  const port = Number(new URL(PG_ADMIN_URL).port || 5432);
  const skip = localSocketDir(port) ? false : `no PostgreSQL socket ${PG_SOCKET_DIR}/.s.PGSQL.${port} on this machine (PG_SOCKET_DIR to name another directory)`;
  it('the server connects through the socket (both forms)', { skip }, async (t) => {
    if (!(await postgresAvailable())) return t.skip(`no PostgreSQL at ${PG_ADMIN_URL}`);
    const db = await createDatabase('postgres', { purpose: 'test', pgAdminUrl: PG_ADMIN_URL });
    try {
      const name = new URL(db.url).pathname.slice(1);
      const user = new URL(PG_ADMIN_URL).username || 'postgres';
      const urls = [overUnixSocket(db.url, PG_SOCKET_DIR), `postgres:///${name}?host=${PG_SOCKET_DIR}&port=${port}&user=${user}`];
      for (const url of urls) {
        const store = await openReachableStore(url);
        try {
          const { rows } = await sql<{ db: string; addr: string | null }>`SELECT current_database() AS db, inet_server_addr()::text AS addr`.execute(store.db);
          // inet_server_addr() is null on a Unix-socket connection.
          assert.deepEqual(rows, [{ db: name, addr: null }], url);
        } finally {
          await store.close();
        }
      }
    } finally {
      await db.drop();
    }
  });
});
