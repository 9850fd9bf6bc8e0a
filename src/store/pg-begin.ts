/**
 * PostgreSQL: a transaction's BEGIN sent in the round trip of its first statement when that statement has no
 * parameters (e.g. tenancy's licence lock, `SELECT … FOR UPDATE` with the id written into the text): `begin; <text>`,
 * one simple-protocol query, as the COMMIT carries a queued NOTIFY (notify.ts). A first statement with parameters
 * (or a cursor) follows the BEGIN as before: the two are queued on the connection in order, no round trip is added.
 * A query of several statements answers the last one's result, as Kysely expects one; one marked by `everyResult`
 * answers the rows of each of its statements instead (an array per statement, BEGIN's left out), for a caller that
 * sends several lookups in one round trip (tenancy's licence lock with what a transaction reads right after it).
 */
import type pg from 'pg';

type QueryFn = (...args: unknown[]) => unknown;

/** A query text no one writes: the statements after it answer every result (see `everyResult`). */
const EVERY_RESULT = '/* config-api: every result */ ';

/**
 * `text` (statements without parameters, `;`-separated) marked so that its query answers, as its rows, one array of
 * rows per statement, in order. PostgreSQL connections of this store only.
 */
export const everyResult = (text: string): string => EVERY_RESULT + text;

/** Installed on every pooled connection (src/store/postgres.ts), outermost: it sees Kysely's own `begin`. */
export function beginWithFirstStatement(client: pg.PoolClient): void {
  const query = client.query.bind(client) as QueryFn;
  let pending = false;
  /** A text of statements as one query, after `begin; ` when the BEGIN was held back; its answer as described above. */
  const send = (text: string, withBegin: boolean) => {
    const everyOne = text.startsWith(EVERY_RESULT);
    const body = everyOne ? text.slice(EVERY_RESULT.length) : text;
    const answer = query(withBegin ? `begin; ${body}` : body) as Promise<pg.QueryResult | pg.QueryResult[]>;
    return answer.then((r) => (everyOne ? every(r, withBegin ? 1 : 0) : lastResult(r)));
  };
  client.query = ((...args: unknown[]) => {
    if (!pending) {
      if (!isPlain(args)) return query(...args);
      if (args[0] !== 'begin') return send(args[0] as string, false);
      pending = true; // Kysely's beginTransaction: kept for the next statement
      return Promise.resolve({ command: 'BEGIN', rowCount: null, rows: [] });
    }
    pending = false;
    const text = args[0];
    if (typeof text === 'string' && isPlain(args)) {
      // Nothing ran in the transaction: there is nothing to end.
      if (text === 'commit' || text === 'rollback') return Promise.resolve({ command: text.toUpperCase(), rowCount: null, rows: [] });
      return send(text, true);
    }
    const begun = query('begin') as Promise<unknown>;
    const result = query(...args);
    if (result instanceof Promise) return Promise.all([begun, result]).then(([, r]) => r as unknown);
    begun.catch(() => {}); // a cursor: a failed BEGIN fails its reads as well (same connection)
    return result;
  }) as typeof client.query;
}

/** Of several statements in one query (simple protocol), the answer of the last is the caller's. */
export const lastResult = (r: pg.QueryResult | pg.QueryResult[]): pg.QueryResult => (Array.isArray(r) ? r[r.length - 1]! : r);

/** Every statement's rows after the first `skip` (a BEGIN sent in front), as the rows of one answer. */
function every(r: pg.QueryResult | pg.QueryResult[], skip: number): pg.QueryResult {
  const results = (Array.isArray(r) ? r : [r]).slice(skip);
  return { ...results[results.length - 1]!, rows: results.map((x) => x.rows) };
}

/** A text query without parameters (Kysely passes an empty array), which the simple protocol can run with others. */
function isPlain(args: unknown[]): boolean {
  return args.length <= 2 && typeof args[0] === 'string' && (args[1] === undefined || (Array.isArray(args[1]) && args[1].length === 0));
}
