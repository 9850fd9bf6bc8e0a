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

/**
 * PostgreSQL: a query of fixed shape (as for `preparedQuery`) as a text without parameters, its arguments and
 * constants written in as literals (integers, strings and null), for a statement sent with others in one
 * simple-protocol query (see src/store/pg-begin.ts). Compiled once; each call only writes the values in.
 */
export function preparedPgText<A extends unknown[]>(arity: A['length'], build: (db: Queryable, ...args: A) => { compile(): CompiledQuery }): (db: Queryable, ...args: A) => string {
  let compiled: CompiledQuery | undefined;
  return (db, ...args) => {
    compiled ??= build(db, ...(Array.from({ length: arity }, (_, i) => new Param(i)) as unknown as A)).compile();
    const { parameters } = compiled;
    return compiled.sql.replace(/\$(\d+)/g, (_, n: string) => {
      const p = parameters[Number(n) - 1];
      const value = p instanceof Param ? args[p.index] : p;
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      // An escape string (E'…'): its meaning does not depend on standard_conforming_strings.
      if (typeof value === 'string') return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
      if (value === null) return 'NULL'; // for assignments (`SET c = NULL`), not comparisons
      throw new Error(`preparedPgText: parameter $${n} is neither an integer, a string nor null`);
    });
  };
}
