/** SQLite statement reuse and the change token; PostgreSQL named prepared statements (src/store/sqlite.ts, src/store/postgres.ts). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { freshStore, postgresOrSkip } from '../support/stores.js';
import { nextCounter } from '../../src/store/own-tables.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

const require = createRequire(import.meta.url);

describe('SQLite statement cache', () => {
  let store: Store;
  let drop: () => Promise<void>;
  before(async () => {
    ({ store, drop } = await freshStore('sqlite', 1));
    for (let i = 0; i < 3; i++) await nextCounter(store.db, `c${i}`);
  });
  after(async () => {
    await drop();
  });

  it('streams a query (iterates a cached statement) and reuses it afterwards', async () => {
    const query = () => store.db.selectFrom('counters').select(['name', 'value']).orderBy('name');
    const streamed: string[] = [];
    for await (const row of query().stream()) streamed.push(row.name);
    assert.deepEqual(streamed, ['c0', 'c1', 'c2']);
    assert.deepEqual((await query().execute()).map((r) => r.name), ['c0', 'c1', 'c2']);
  });

  it('changes the change token on every write, including INSERT … RETURNING, and not on reads', async () => {
    const t0 = store.changeToken!();
    await store.db.selectFrom('counters').selectAll().execute();
    assert.equal(store.changeToken!(), t0);
    await nextCounter(store.db, 'c0'); // INSERT … ON CONFLICT … RETURNING, no explicit transaction
    const t1 = store.changeToken!();
    assert.notEqual(t1, t0);
    await store.db.updateTable('counters').set({ value: 7 }).where('name', '=', 'c1').execute();
    assert.notEqual(store.changeToken!(), t1);
  });

  it('changes the change token when another connection or another process commits (read from the WAL index), not when they only read', async () => {
    const file = store.url.slice('sqlite:'.length);
    const t0 = store.changeToken!();
    const other = new SQLite(file);
    try {
      other.prepare('SELECT count(*) FROM counters').get();
      assert.equal(store.changeToken!(), t0, 'a read elsewhere changes nothing');
      other.prepare("UPDATE counters SET value = value + 1 WHERE name = 'c2'").run();
      const t1 = store.changeToken!();
      assert.notEqual(t1, t0, 'a commit of another connection');
      assert.equal(store.changeToken!(), t1, 'stable until the next commit');
      other.exec('BEGIN IMMEDIATE');
      other.prepare("UPDATE counters SET value = value + 1 WHERE name = 'c2'").run();
      assert.equal(store.changeToken!(), t1, 'not before its commit');
      other.exec('COMMIT');
      assert.notEqual(store.changeToken!(), t1, 'at its commit');
      other.pragma('wal_checkpoint(TRUNCATE)'); // the next commit restarts the WAL from its start
    } finally {
      other.close();
    }
    const t2 = store.changeToken!();
    const child = spawnSync(process.execPath, ['-e', `
      const SQLite = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new SQLite(${JSON.stringify(file)});
      db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'c2'").run();
      db.close();
    `], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.notEqual(store.changeToken!(), t2, 'a commit of another process, after a WAL restart');
    assert.equal((await store.db.selectFrom('counters').select('value').where('name', '=', 'c2').executeTakeFirstOrThrow()).value, 4);
  });
});

describe('PostgreSQL named prepared statements', async () => {
  if (!(await postgresOrSkip())) return;
  let store: Store;
  let drop: () => Promise<void>;
  before(async () => {
    ({ store, drop } = await freshStore('postgres', 1));
  });
  after(async () => {
    await drop();
  });

  it('prepares parameterised queries once per connection, at most statementsPerConnection, with correct results', async () => {
    const one = openStore(store.url, { poolSize: 1, statementsPerConnection: 2 });
    try {
      const prepared = async () =>
        (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%counters%' ORDER BY prepare_time`.execute(one.db)).rows.map((r) => r.statement);
      const byName = (name: string) => one.db.selectFrom('counters').select('value').where('name', '=', name);
      for (let i = 1; i <= 3; i++) assert.equal(await nextCounter(one.db, 'p'), i); // same text three times
      assert.equal((await prepared()).length, 1, 'one statement for one text, however often it runs');
      assert.equal((await byName('p').executeTakeFirst())?.value, 3);
      // A third distinct text exceeds the bound of 2: it runs unnamed, and still right.
      assert.equal((await byName('p').where('value', '>', 0).executeTakeFirst())?.value, 3);
      assert.equal((await byName('p').where('value', '>', 5).executeTakeFirst()), undefined);
      assert.equal((await prepared()).length, 2);
      // Queries without parameters keep the simple protocol (not prepared).
      await sql`SELECT count(*) FROM counters`.execute(one.db);
      assert.equal((await prepared()).length, 2);
    } finally {
      await one.close();
    }
  });
});
