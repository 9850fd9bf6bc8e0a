/** Throw-away databases for the tests and the benchmark: a temp SQLite file, or a new PostgreSQL database. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface ThrowAwayDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Names this host in database names (several hosts may share one PostgreSQL server). */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);

/** The host tag and process id in the name of a database createDatabase made, if it is one. */
export function databaseOwner(name: string): { host: string; pid: number } | null {
  const m = /^config_api_[a-z]+_([0-9a-f]{6})_(\d+)_[a-z0-9]+$/.exec(name);
  return m ? { host: m[1]!, pid: Number(m[2]) } : null;
}

/**
 * A fresh database and a function that removes it. SQLite: `<tmp>/config-api-<purpose>-XXXX/<purpose>.sqlite`
 * (empty); PostgreSQL: `config_api_<purpose>_<host tag>_<pid>_<random>` created through `pgAdminUrl`, empty or a copy of
 * `pgTemplate` (a database nobody is connected to).
 */
export async function createDatabase(
  kind: 'sqlite' | 'postgres',
  o: { purpose: string; pgAdminUrl: string; pgTemplate?: string },
): Promise<ThrowAwayDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `config-api-${o.purpose}-`));
    return { url: `sqlite:${join(dir, `${o.purpose}.sqlite`)}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `config_api_${o.purpose}_${HOST_TAG}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = (statement: string) => runStatement(o.pgAdminUrl, statement);
  await admin(`CREATE DATABASE ${name}${o.pgTemplate ? ` TEMPLATE ${o.pgTemplate}` : ''}`);
  const url = new URL(o.pgAdminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The directory of the local PostgreSQL's Unix sockets (Debian's default; `PG_SOCKET_DIR` to change). */
export const PG_SOCKET_DIR = process.env.PG_SOCKET_DIR ?? '/var/run/postgresql';

/** `PG_SOCKET_DIR` when the socket of a PostgreSQL listening on `port` is there, else null. */
export function localSocketDir(port = 5432): string | null {
  return existsSync(join(PG_SOCKET_DIR, `.s.PGSQL.${port}`)) ? PG_SOCKET_DIR : null;
}

/**
 * `url` (postgres://user@host:port/database) through the Unix socket in `dir` instead of TCP, in the documented form
 * with the directory as the host: `postgresql://user@%2Fvar%2Frun%2Fpostgresql:5432/database`.
 */
export function overUnixSocket(url: string, dir: string): string {
  const u = new URL(url);
  const auth = u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  return `postgresql://${auth}${encodeURIComponent(dir)}${u.port ? `:${u.port}` : ''}${u.pathname}${u.search}`;
}

/** `fn` with a connection of its own to `url`, closed after. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/** One statement on its own connection. */
export async function runStatement(url: string, statement: string): Promise<void> {
  await withClient(url, (c) => c.query(statement));
}
