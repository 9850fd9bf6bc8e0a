/** Queries of fixed shape compiled once per dialect (`preparedQuery`). */
import type { CompiledQuery, QueryResult } from 'kysely';
import type { Queryable } from './store.js';

/** Stands for the i-th argument of a prepared query while it is compiled. */
class Param {
  constructor(readonly index: number) {}
}

/**
 * A query of fixed shape, built and compiled by Kysely once per dialect; later calls only bind their arguments.
 * Skips Kysely's per-call building and compiling (immutable node trees, frozen objects, SQL generation: several µs
 * per query). `build` must produce the same SQL whatever the arguments: use them only as plain values (no `in`
 * lists, no optional columns, no `undefined`), since they are stand-in objects while compiling. The compiled query
 * is kept by the class of the handle's dialect adapter (SQLite's or PostgreSQL's): every store of a dialect
 * compiles the same SQL.
 */
export function preparedQuery<A extends unknown[], R>(
  arity: A['length'],
  build: (db: Queryable, ...args: A) => { compile(): CompiledQuery<R> },
): (db: Queryable, ...args: A) => Promise<QueryResult<R>> {
  const compiled = new Map<unknown, CompiledQuery<R>>();
  return async (db, ...args) => {
    const dialect = db.getExecutor().adapter.constructor;
    let query = compiled.get(dialect);
    if (!query) {
      const stand = Array.from({ length: arity }, (_, i) => new Param(i)) as unknown as A;
      query = build(db, ...stand).compile();
      if (!query.parameters.some((p) => p instanceof Param)) throw new Error('preparedQuery: arguments are not bound');
      compiled.set(dialect, query);
    }
    const parameters = query.parameters.map((p) => (p instanceof Param ? args[p.index] : p));
    return db.executeQuery<R>({ ...query, parameters });
  };
}

/** How many SQL texts `preparedPgText` runs as named statements (`EXECUTE`); further ones are written out in full. */
const PG_TEXT_STATEMENTS = 200;

/** SQL text → the name it is prepared under on every connection that runs it (`prepareExecutes`). */
const textStatements = new Map<string, string>();
/** Name → its `PREPARE` statement. */
const prepares = new Map<string, string>();

/** The name `sql` (a statement with `$n` parameters) runs under, or undefined once the bound is reached. */
function statementName(sql: string): string | undefined {
  let name = textStatements.get(sql);
  if (name === undefined && textStatements.size < PG_TEXT_STATEMENTS) {
    name = `config_api_t${textStatements.size + 1}`;
    textStatements.set(sql, name);
    prepares.set(name, `PREPARE ${name} AS ${sql}`);
  }
  return name;
}

/** Whether `preparedPgText` can write `value` into a text: an integer, a string or null. */
export const pgTextValue = (value: unknown): boolean =>
  value === null || typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));

/** A value written into a statement text: integers, strings (an escape string E'…', whatever standard_conforming_strings says) and null. */
function pgLiteral(value: unknown, n: number): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string') return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  if (value === null) return 'NULL'; // for assignments (`SET c = NULL`), not comparisons
  throw new Error(`preparedPgText: parameter $${n} is neither an integer, a string nor null`);
}

/**
 * PostgreSQL: a query of fixed shape (as for `preparedQuery`) as a text without parameters, for a statement sent
 * with others in one simple-protocol query (see src/store/pg-begin.ts): `EXECUTE <name>(<values>)`, the query prepared
 * once per connection under that name (`prepareExecutes`), so that PostgreSQL plans it once instead of parsing and
 * planning it in every call — on a small machine the planning of the statements a write sends this way cost as much
 * database CPU as running them. Values are written in as literals (integers, strings and null; a string literal takes
 * the type of its parameter). Past `PG_TEXT_STATEMENTS` distinct texts in a process, the query itself with its values
 * written in. Compiled once; each call only writes the values in.
 */
export function preparedPgText<A extends unknown[]>(arity: A['length'], build: (db: Queryable, ...args: A) => { compile(): CompiledQuery }): (db: Queryable, ...args: A) => string {
  let compiled: CompiledQuery | undefined;
  let name: string | undefined;
  return (db, ...args) => {
    if (!compiled) {
      compiled = build(db, ...(Array.from({ length: arity }, (_, i) => new Param(i)) as unknown as A)).compile();
      name = statementName(compiled.sql);
    }
    const { parameters } = compiled;
    const value = (i: number) => {
      const p = parameters[i];
      return pgLiteral(p instanceof Param ? args[p.index] : p, i + 1);
    };
    if (name !== undefined) return `EXECUTE ${name}(${parameters.map((_, i) => value(i)).join(', ')})`;
    return compiled.sql.replace(/\$(\d+)/g, (_, n: string) => value(Number(n) - 1));
  };
}

const EXECUTE = /\bEXECUTE (config_api_t\d+)\(/g;

/**
 * Installed on every pooled connection (src/store/postgres.ts): a simple-protocol query that executes statements of
 * `preparedPgText` this connection has not prepared yet is preceded by their `PREPARE` (queued on the connection
 * right before it: pg sends queries in order; once per statement and connection). Prepared statements outlive a
 * rolled-back transaction; a PREPARE that fails is tried again with the next query that needs it, and its error is
 * the query's.
 */
export function prepareExecutes(client: { query: (...args: never[]) => unknown }): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const prepared = new Set<string>();
  client.query = ((...args: unknown[]) => {
    const text = args[0];
    if (args.length !== 1 || typeof text !== 'string' || !text.includes('EXECUTE config_api_t')) return query(...args);
    // Only names of this registry: a string value may read `EXECUTE config_api_t…(` too.
    const missing = [...new Set(Array.from(text.matchAll(EXECUTE), (m) => m[1]!))].filter((n) => !prepared.has(n) && prepares.has(n));
    if (missing.length === 0) return query(...args);
    for (const n of missing) prepared.add(n);
    const prepare = query(missing.map((n) => prepares.get(n)!).join('; ')) as Promise<unknown>;
    const result = query(...args) as Promise<unknown>;
    return Promise.all([prepare, result]).then(
      ([, r]) => r,
      (err: unknown) => {
        prepare.catch(() => missing.forEach((n) => prepared.delete(n)));
        result.catch(() => {}); // the PREPARE's error is the one answered
        throw err;
      },
    );
  }) as typeof client.query;
}
