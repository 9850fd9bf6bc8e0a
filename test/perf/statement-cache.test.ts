/** SQLite statement reuse and the change token (src/store/db.ts). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshStore } from '../helpers.js';
import { nextCounter, type Store } from '../../src/store/db.js';

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
});
