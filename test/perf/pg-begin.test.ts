/** PostgreSQL: a transaction's BEGIN travels with its first statement when that one has no parameters (src/store/pg-begin.ts). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql } from 'kysely';
import { freshStore, postgresOrSkip } from '../support/stores.js';
import { nextCounter } from '../../src/store/own-tables.js';
import { runTransaction } from '../../src/store/transaction.js';
import { writeAtCommit } from '../../src/store/pg-commit.js';
import { lockLicense } from '../../src/tenancy/licenses.js';
import { preparedPgText } from '../../src/store/prepared-query.js';
import type { Store } from '../../src/store/store.js';
import { Harness } from '../support/harness.js';

const original = pg.Client.prototype.query;

/** What each statement name of `preparedPgText` stands for, from the PREPAREs recorded (store/prepared-query.ts). */
const statements = new Map<string, string>();
/** PREPARE texts seen (one-time, per connection and statement): kept out of the round trips counted. */
let prepares: string[] = [];
function notePrepares(text: string): boolean {
  if (!text.startsWith('PREPARE ')) return false;
  prepares.push(text);
  for (const m of text.matchAll(/PREPARE (config_api_t\d+) AS (.*?)(?=; PREPARE |$)/g)) statements.set(m[1]!, m[2]!);
  return true;
}
/** `text` with each `EXECUTE <name>(<values>)` written out as the statement it runs, its values in place of `$n`. */
function expand(text: string): string {
  return text.replace(/EXECUTE (config_api_t\d+)\(((?:E'(?:[^']|'')*'|-?\d+|NULL|, )*)\)/g, (_, name: string, list: string) => {
    const values = list.match(/E'(?:[^']|'')*'|-?\d+|NULL/g) ?? [];
    const sql = statements.get(name);
    assert.ok(sql, `statement ${name} was prepared before it ran`);
    return sql.replace(/\$(\d+)/g, (_m, n: string) => values[Number(n) - 1]!);
  });
}
/** Every text a pg client sends from now on (what reaches the wire: one per round trip) goes to `seen`. */
function recordQueries(seen: (text: string) => void): void {
  (pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    const text = args[0];
    const t = typeof text === 'string' ? text : ((text as { text?: string })?.text ?? 'cursor');
    // The app's change listener talks on its own connection (barriers, heartbeats): not the transactions' round trips.
    if (!/^NOTIFY config_api_barrier_|^SET synchronous_commit = off; LISTEN /.test(t) && !notePrepares(t)) seen(expand(t));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

describe('PostgreSQL BEGIN with the first statement', async () => {
  if (!(await postgresOrSkip())) return;
  let store: Store;
  let drop: () => Promise<void>;
  /** The texts the pg clients sent while `record` ran (what reaches the wire: one per round trip). */
  let sent: string[] = [];
  before(async () => {
    // Before the store connects: its connections wrap the client's query as they find it.
    recordQueries((text) => sent.push(text));
    ({ store, drop } = await freshStore('postgres', 1));
    await nextCounter(store.db, 'warm');
  });
  after(async () => {
    pg.Client.prototype.query = original;
    await drop();
  });
  const record = async (fn: () => Promise<unknown>) => {
    sent = [];
    await fn();
    return sent.filter((t) => !t.startsWith('SELECT 1')); // the health probe's, if it runs meanwhile
  };

  it('sends `begin; <lock>` as one query; the rest of the transaction and its commit as before, and it commits', async () => {
    const licenseId = 42;
    const texts = await record(() =>
      runTransaction(store, { lock: (tx) => lockLicense(tx, licenseId) }, async (tx) => {
        await nextCounter(tx.db, 'in-tx');
      }),
    );
    assert.equal(texts.length, 3, texts.join('\n'));
    assert.equal(texts[0], `begin; select "id" from "licenses" where "id" = ${licenseId} for update`);
    assert.match(texts[1]!, /counters/);
    assert.equal(texts[2], 'commit');
    assert.equal(await nextCounter(store.db, 'in-tx'), 2, 'the transaction committed');
  });

  it('runs the statements it writes in as texts prepared once per connection (PREPARE, then EXECUTE), also after a rollback', async () => {
    // A statement of this test's own: no earlier test prepared it (the store has one connection).
    const text = preparedPgText(1, (db, name: string) => db.selectFrom('counters').select('value').where('name', '=', name));
    const run = (fail: boolean) =>
      runTransaction(store, {}, async (tx) => {
        const { rows } = await sql.raw<{ value: number }>(text(tx.db, "it's")).execute(tx.db);
        if (fail) throw new Error('undo');
        return rows;
      });
    await nextCounter(store.db, "it's");
    prepares = [];
    let texts = await record(() => assert.rejects(run(true), /undo/));
    assert.match(prepares.join('\n'), /^PREPARE config_api_t\d+ AS select "value" from "counters" where "name" = \$1$/);
    assert.deepEqual(texts, [`begin; select "value" from "counters" where "name" = E'it''s'`, 'rollback']);
    prepares = [];
    let rows: unknown;
    texts = await record(async () => (rows = await run(false)));
    assert.deepEqual(rows, [{ value: 1 }]);
    assert.deepEqual(texts, [`begin; select "value" from "counters" where "name" = E'it''s'`, 'commit']);
    assert.deepEqual(prepares, [], 'prepared once: the rolled-back transaction kept it');
  });

  it('a first statement with parameters follows its BEGIN (no round trip added), and a failure rolls everything back', async () => {
    const texts = await record(() =>
      assert.rejects(
        runTransaction(store, {}, async (tx) => {
          await nextCounter(tx.db, 'rolled-back');
          throw new Error('undo');
        }),
        /undo/,
      ),
    );
    assert.deepEqual([texts[0], texts.at(-1)], ['begin', 'rollback']);
    assert.equal(texts.length, 3, texts.join('\n'));
    assert.equal(await nextCounter(store.db, 'rolled-back'), 1, 'rolled back');
  });

  it('sends a write kept for the commit with it, or before the next statement; a failing one fails the transaction; a rollback forgets it', async () => {
    const licenseId = 43;
    const bump = (name: string) => `UPDATE counters SET value = value + 1 WHERE name = '${name}'`;
    await nextCounter(store.db, 'kept');
    let texts = await record(() =>
      runTransaction(store, { lock: (tx) => lockLicense(tx, licenseId) }, async (tx) => {
        await writeAtCommit(tx.db, bump('kept'));
      }),
    );
    assert.deepEqual(texts, [`begin; select "id" from "licenses" where "id" = ${licenseId} for update`, `${bump('kept')}; commit`]);
    assert.equal(await nextCounter(store.db, 'kept'), 3, 'committed with the COMMIT');

    texts = await record(() =>
      runTransaction(store, {}, async (tx) => {
        await nextCounter(tx.db, 'kept'); // 4
        await writeAtCommit(tx.db, bump('kept')); // 5
        const seen = await sql.raw<{ value: number }>("SELECT value FROM counters WHERE name = 'kept'").execute(tx.db);
        assert.equal(seen.rows[0]!.value, 5, 'the next statement sees the kept write');
      }),
    );
    assert.equal(texts.filter((t) => t === bump('kept')).length, 1, texts.join('\n'));
    assert.equal(texts.at(-1), 'commit');

    await assert.rejects(
      runTransaction(store, {}, async (tx) => {
        await nextCounter(tx.db, 'kept'); // 6, rolled back
        await writeAtCommit(tx.db, 'UPDATE counters SET no_such_column = 1');
      }),
      /no_such_column/,
    );
    await assert.rejects(
      runTransaction(store, {}, async (tx) => {
        await writeAtCommit(tx.db, bump('kept'));
        throw new Error('undo');
      }),
      /undo/,
    );
    assert.equal(await nextCounter(store.db, 'kept'), 6, 'neither the failed transaction nor the rolled-back write stayed; the connection works');
    texts = await record(() =>
      runTransaction(store, {}, async (tx) => {
        await sql.raw('SAVEPOINT item').execute(tx.db);
        await writeAtCommit(tx.db, bump('kept'));
        await sql.raw('ROLLBACK TO SAVEPOINT item').execute(tx.db);
      }),
    );
    assert.ok(!texts.some((t) => t.includes(bump('kept'))), `a write kept after the savepoint is undone with it: ${texts.join(' | ')}`);
    assert.equal(await nextCounter(store.db, 'kept'), 7);
  });

  it('a transaction that ran nothing sends nothing; a failed first statement leaves the connection usable', async () => {
    assert.deepEqual(await record(() => runTransaction(store, {}, async () => 'nothing')), []);
    await assert.rejects(runTransaction(store, {}, async (tx) => sql.raw('SELECT no_such_column FROM counters').execute(tx.db)), /no_such_column/);
    const rows = await runTransaction(store, {}, async (tx) => (await sql.raw<{ n: number }>('SELECT 7 AS n').execute(tx.db)).rows);
    assert.deepEqual(rows, [{ n: 7 }]);
    assert.equal(await nextCounter(store.db, 'after'), 1);
  });
});

describe('PostgreSQL update_agent: the webhook targets looked up in the licence lock round trip', async () => {
  if (!(await postgresOrSkip())) return;
  const h = new Harness('postgres');
  let sent: string[] = [];
  before(async () => {
    recordQueries((text) => sent.push(text));
    await h.start({ eventLog: 'subscribed', env: { WEBHOOK_DELIVERY: 'off' } }); // no delivery worker's polls among the texts counted
  });
  after(async () => {
    pg.Client.prototype.query = original;
    await h.stop();
  });

  it('sends BEGIN, the lock, the webhook lookup and the agent read as one query, then the update with the commit', async () => {
    assert.equal((await h.call('create_agent', { id: 'rt@example.com', name: 'RT', job_title: 'Before' })).status, 200);
    sent = [];
    const title = "Round trips' end \\' back\\slash";
    assert.equal((await h.call('update_agent', { id: 'RT@example.com', job_title: title, mobile: '' })).status, 200);
    const tx = sent.slice(sent.findIndex((t) => t.startsWith('begin')));
    assert.equal(tx.length, 2, tx.join('\n'));
    assert.match(tx[0]!, /^begin; select "id" from "licenses" where "id" = \d+ for update; select .* from "webhooks" as "w".*; select \* from "agents" where "license_id" = \d+ and lower\("id"\) = lower\(E'RT@example.com'\)$/);
    assert.match(tx[1]!, /^update "agents" set .*E'Round trips'' end \\\\'' back\\\\slash'.*; NOTIFY config_api_changes, '[^']*'; commit$/);
    const after = await h.ok('get_agent', { id: 'rt@example.com', fields: ['job_title', 'mobile'] });
    assert.equal(after.job_title, title, 'quotes and backslashes stored as sent');
    // A value that reads like a statement of the texts' own is only a value.
    for (const lookalike of ['EXECUTE config_api_t99999(', 'EXECUTE config_api_t1(1); commit']) {
      assert.equal((await h.call('update_agent', { id: 'rt@example.com', job_title: lookalike })).status, 200, lookalike);
      assert.equal((await h.ok('get_agent', { id: 'rt@example.com', fields: ['job_title'] })).job_title, lookalike);
    }
  });

  it('sends the UPDATE before a statement that follows it (an event a webhook hears), and delivers the new state', async () => {
    const rx = await h.ok('register_webhook', {
      action: 'agent_updated', url: 'http://127.0.0.1:9/never', secret_key: 'pg-commit-secret', type: 'license', owner_client_id: h.boot.client_id,
    });
    try {
      sent = [];
      assert.equal((await h.call('update_agent', { id: 'rt@example.com', job_title: 'Heard' })).status, 200);
      const tx = sent.slice(sent.findIndex((t) => t.startsWith('begin')));
      const update = tx.findIndex((t) => /^update "agents"/.test(t));
      const event = tx.findIndex((t) => /insert into "webhook_events"/.test(t));
      assert.ok(update > 0 && event > update, tx.join('\n'));
      assert.equal((await h.ok('get_agent', { id: 'rt@example.com', fields: ['job_title'] })).job_title, 'Heard');
      const stored = await h.store.db.selectFrom('webhook_events').select('payload').where('license_id', '=', h.boot.license_id).where('action', '=', 'agent_updated').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      assert.equal(JSON.parse(stored.payload).job_title, 'Heard');
    } finally {
      await h.ok('unregister_webhook', { id: rx.id, owner_client_id: h.boot.client_id });
    }
  });

  it('answers not_found from the prefetched read, quotes the id as a literal, and reads as usual inside a batch', async () => {
    sent = [];
    const missing = await h.call('update_agent', { id: "o'neil@example.com", job_title: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.type, 'not_found');
    const tx = sent.slice(sent.findIndex((t) => t.startsWith('begin')));
    assert.equal(tx.length, 2, tx.join('\n')); // the lock's round trip, then the rollback
    assert.match(tx[0]!, /lower\(E'o''neil@example.com'\)$/);
    assert.equal((await h.call('create_agent', { id: 'batch-rt@example.com', name: 'B' })).status, 200);
    const batch = await h.ok('batch_update_agents', {
      requests: [
        { id: 'batch-rt@example.com', job_title: 'First' },
        { id: 'batch-rt@example.com', job_title: 'Second' },
      ],
    });
    assert.deepEqual(batch.responses, [{}, {}]);
    const updates = sent.filter((t) => /^update "agents"/.test(t));
    assert.ok(updates.length >= 2 && updates.every((t) => t.includes('$1')), `batch items' UPDATEs run with their item: ${updates.join(' | ')}`);
    assert.equal((await h.ok('get_agent', { id: 'batch-rt@example.com', fields: ['job_title'] })).job_title, 'Second');
  });
});
