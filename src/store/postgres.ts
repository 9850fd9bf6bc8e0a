/** PostgreSQL (pg): a connection pool, and this dialect's named prepared statements. */
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';
import { CreationClock, type Store, type StoreOptions } from './store.js';
import { observeDialect, type StoreHealth } from './health.js';
import { sendWithCommit } from './pg-commit.js';
import { prepareExecutes } from './prepared-query.js';
import { beginWithFirstStatement } from './pg-begin.js';

/** Upper bound of named prepared statements per PostgreSQL connection; further SQL texts run unnamed. */
export const PG_STATEMENTS_PER_CONNECTION = 500;

/** Distinct SQL texts given a name per store (the name map itself stays bounded). */
const PG_STATEMENT_NAMES = 10_000;

/**
 * Makes a pg client run parameterised queries as named prepared statements: PostgreSQL then parses and plans each
 * SQL text once per connection instead of on every call (Kysely sends text + values, which pg runs as an unnamed
 * statement, parsed and planned anew each time). Queries without parameters (BEGIN, COMMIT, DDL) keep the simple
 * protocol. Names are shared by all connections (one per distinct text); a connection that already holds
 * PG_STATEMENTS_PER_CONNECTION statements runs further texts unnamed, so memory stays bounded even for queries whose
 * text varies (`in` lists of varying length).
 */
function prepareStatements(client: pg.PoolClient, perConnection: number, statementNames: Map<string, string>): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = new Set<string>(); // names this connection has used (pg itself decides when to send Parse)
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values) || values.length === 0) {
      return query(...args);
    }
    let name = statementNames.get(text);
    if (name === undefined && statementNames.size < PG_STATEMENT_NAMES) {
      statementNames.set(text, (name = `s${statementNames.size + 1}`));
    }
    if (name === undefined || (!named.has(name) && named.size >= perConnection)) return query(text, values);
    named.add(name);
    return query({ name, text, values });
  }) as typeof client.query;
}

// int8 (COUNT(*), bigint) as JS numbers; values stay far below 2^53.
pg.types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));

/**
 * A client whose query got no answer within `query_timeout` may be stuck on a dead connection (a network that drops
 * packets gives no error for minutes): end it, so the pool discards it when it is released instead of reusing it.
 */
function endOnReadTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      return result.catch((err: Error) => {
        if (err?.message === 'Query read timeout') void client.end().catch(() => {});
        throw err;
      });
    }
    return result;
  }) as typeof client.query;
}

export function openPostgres(url: string, opts: StoreOptions, health: StoreHealth): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    // Without a bound, a request waits forever for a connection while the server is away.
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 3_000,
    query_timeout: opts.queryTimeoutMs ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  const perConnection = opts.statementsPerConnection ?? PG_STATEMENTS_PER_CONNECTION;
  const statementNames = new Map<string, string>();
  // node-postgres emits 'error' on a client whose server went away (restart, failover, pg_terminate_backend). The
  // pool listens only while a client is idle; a checked-out client without a listener would crash the process. The
  // error also reaches the query under way, and the pool discards the broken client when it is released.
  const onClientError = (err: Error) => void health.report(err);
  pool.on('connect', (client) => {
    client.on('error', onClientError);
    prepareStatements(client, perConnection, statementNames);
    endOnReadTimeout(client);
    prepareExecutes(client); // inside the BEGIN's and COMMIT's wrappers: it sees the texts as they are sent
    beginWithFirstStatement(client);
    sendWithCommit(client); // outermost: a kept NOTIFY or write never reaches the BEGIN's wrapper as a first statement
  });
  pool.on('error', onClientError);
  const db = new Kysely<Database>({ dialect: observeDialect(new PostgresDialect({ pool }), health) });
  return {
    db,
    dialect: 'postgres',
    url,
    clock: new CreationClock(),
    pool,
    health,
    close: () => {
      health.close();
      return db.destroy();
    },
  };
}
