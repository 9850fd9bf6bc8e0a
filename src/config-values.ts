/**
 * The configuration's value parsers (pure functions of the variables' text, used by `loadConfig` in config.ts and by
 * the CLI): database URLs, data directories, CORS origins, trusted proxies, and URLs with passwords hidden.
 */

export type StoreKind = 'sqlite' | 'postgres';

const ON_OFF: Record<string, 'on' | 'off'> = { on: 'on', true: 'on', '1': 'on', off: 'off', false: 'off', '0': 'off' };

/** `DATABASE_URL` → store kind and location; null when it names neither SQLite nor PostgreSQL. */
export function parseDatabaseUrl(url: string): { kind: StoreKind; file?: string } | null {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres' };
  if (/^sqlite:/i.test(url)) return { kind: 'sqlite', file: url.replace(/^sqlite:(\/\/)?/i, '') || ':memory:' };
  // Any other scheme (mysql://, postgress://, http:…) is a mistake, not a file name. A single letter before the
  // colon is a Windows drive, not a scheme.
  if (/^[a-z][a-z0-9+.-]+:/i.test(url)) return null;
  return { kind: 'sqlite', file: url };
}

/** The directory of the SQLite file, or ./data (PostgreSQL, :memory:). */
export function dataDirOf(sqliteFile: string | undefined): string {
  if (!sqliteFile || sqliteFile === ':memory:') return './data';
  const slash = Math.max(sqliteFile.lastIndexOf('/'), sqliteFile.lastIndexOf('\\'));
  return slash < 0 ? '.' : sqliteFile.slice(0, slash) || '/';
}

/** `CORS_ORIGINS` → '*', 'off' or a list of origins (scheme://host[:port]); null when malformed. */
export function parseCorsOrigins(raw: string): '*' | 'off' | string[] | null {
  const v = raw.trim();
  if (v === '*') return '*';
  if (v.toLowerCase() === 'off') return 'off';
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (list.length === 0 || !list.every((o) => /^https?:\/\/[^/\s,*]+\/?$/i.test(o))) return null;
  return list.map((o) => o.replace(/\/$/, '').toLowerCase());
}

/** `TRUST_PROXY` → Fastify's `trustProxy`: on/off (and their aliases), or the proxies' addresses/CIDRs. */
export function parseTrustProxy(raw: string): boolean | string {
  const v = ON_OFF[raw.trim().toLowerCase()];
  if (v !== undefined) return v === 'on';
  return raw.split(',').map((s) => s.trim()).filter(Boolean).join(',');
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
