/**
 * PostgreSQL: statements a transaction sends with its COMMIT, in the COMMIT's round trip, instead of in round trips
 * of their own (one simple-protocol query: `<writes>; <notify>; commit`):
 * - the NOTIFY of the change signals (notify.ts `queueNotify`): delivered only if the transaction commits;
 * - writes whose answer nobody waits for (`writeAtCommit`, e.g. update_agent's UPDATE): the last write of a
 *   transaction then costs no round trip, and the licence lock is released one round trip sooner. A write kept this
 *   way is sent before any other statement of the transaction (so what follows sees it, in order); its failure fails
 *   the COMMIT — or that statement — and the transaction rolls back as if it had failed on its own.
 * A `rollback` forgets both. Statements are texts without parameters (values written in, `preparedPgText`).
 */
import type pg from 'pg';
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { lastResult } from './pg-begin.js';

/** Query texts no one writes: the connection keeps the statement after them for the COMMIT instead of running it. */
const NOTIFY_MARK = '/* config-api: notify at commit */ ';
const WRITE_MARK = '/* config-api: write at commit */ ';

/** Have the transaction's COMMIT send `notify` (a NOTIFY statement); the last one given is sent. */
export async function notifyAtCommit(trx: Transaction<Database>, notify: string): Promise<void> {
  await sql.raw(NOTIFY_MARK + notify).execute(trx);
}

/** Send `write` (a statement without parameters whose answer nobody needs) with the COMMIT, or before the next statement. */
export async function writeAtCommit(trx: Transaction<Database>, write: string): Promise<void> {
  await sql.raw(WRITE_MARK + write).execute(trx);
}

type QueryFn = (...args: unknown[]) => unknown;

/**
 * Installed on every pooled connection (src/store/postgres.ts), outermost: what `notifyAtCommit` and `writeAtCommit`
 * hand it is kept for the transaction's `commit` (Kysely's own statement); kept writes go out first when another
 * statement comes before it.
 */
export function sendWithCommit(client: pg.PoolClient): void {
  const query = client.query.bind(client) as QueryFn;
  let notify: string | null = null;
  let writes: string[] = [];
  client.query = ((...args: unknown[]) => {
    const text = args[0];
    if (typeof text === 'string') {
      if (text.startsWith(NOTIFY_MARK)) {
        notify = text.slice(NOTIFY_MARK.length);
        return Promise.resolve({ command: 'NOTIFY', rowCount: 0, rows: [] });
      }
      if (text.startsWith(WRITE_MARK)) {
        writes.push(text.slice(WRITE_MARK.length));
        return Promise.resolve({ command: 'KEPT', rowCount: null, rows: [] }); // not run yet: no count of affected rows
      }
      // Undoing a batch item: every kept write is newer than its savepoint (any other statement sends them first).
      if (writes.length > 0 && /^rollback to savepoint /i.test(text)) writes = [];
      const end = notify === null && writes.length === 0 ? '' : text.toLowerCase();
      if (end === 'commit' || end === 'rollback') {
        const before = [...writes, ...(notify === null ? [] : [notify])];
        notify = null;
        writes = [];
        // The answer of the last statement (COMMIT's, or ROLLBACK's when the transaction had failed) is Kysely's.
        if (end === 'commit') return (query(`${before.join('; ')}; commit`) as Promise<pg.QueryResult | pg.QueryResult[]>).then(lastResult);
      }
    }
    if (writes.length === 0) return query(...args);
    // Another statement: the kept writes go first, and their failure is the statement's.
    const pending = writes.join('; ');
    writes = [];
    const sent = query(pending) as Promise<unknown>;
    const result = query(...args);
    if (result instanceof Promise) return Promise.all([sent, result]).then(([, r]) => r);
    sent.catch(() => {}); // a cursor: a failed write fails its reads as well (same transaction)
    return result;
  }) as typeof client.query;
}
