/**
 * Change signals between the processes of one PostgreSQL database (issue 23): what a committed transaction tells the
 * other nodes, sent with PostgreSQL's NOTIFY inside the transaction — so it is delivered only if the transaction
 * commits, and after it — on one channel, as a short text of ids (never data). The listening side is
 * src/shared-state/pg-change-listener.ts.
 *
 * Cost: nothing is sent unless the transaction asked for a signal or changed a licence, and then no round trip of its
 * own: `queueNotify` only hands the text to the transaction's connection (pg-commit.ts), which sends it in the
 * COMMIT's round trip (`NOTIFY …; commit`, one simple-protocol query).
 */
import { sql, type Transaction } from 'kysely';
import { notifyAtCommit } from './pg-commit.js';
import type { Database } from './schema.js';
import type { Queryable } from './store.js';

/** What a commit tells the app and the other nodes (e.g. wake webhook delivery, drop cached token lookups). */
export type CommitSignal = 'deliveries-queued' | 'credentials-changed';

/** The one channel every node listens on. */
export const CHANGE_CHANNEL = 'config_api_changes';

/**
 * The channel the database's own triggers notify, with a licence id, when a statement changes the licence's agents or
 * group memberships (migration 0018): whoever writes, the API, the CLI or an operator's SQL.
 */
export const AGENTS_CHANNEL = 'config_api_agents';

/**
 * Whether this database's agents triggers notify AGENTS_CHANNEL (migration 0018 applied, not rolled back): only then
 * may a node trust what it hears there. False when it cannot tell (the database unreachable).
 */
export async function agentsNotified(db: Queryable): Promise<boolean> {
  try {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_proc
      WHERE proname = 'bump_agents_version' AND prosrc LIKE ${`%${AGENTS_CHANNEL}%`}`.execute(db);
    return (rows[0]?.n ?? 0) > 0;
  } catch {
    return false;
  }
}

/** What a committed transaction tells the other nodes. */
export interface Change {
  /** The signals it asked for (`tx.signal`). */
  signals: ReadonlySet<CommitSignal>;
  /**
   * The licences it changed (`tx.licenseChanged`, recorded by tenancy's licence locks); `'*'` when it changed more than
   * a message carries (MAX_LICENSE_IDS): any licence may have changed.
   */
  licenses: ReadonlySet<number> | '*';
}

/** Licence ids one message carries at most (11 bytes each at most: well under NOTIFY's 8000-byte limit). */
export const MAX_LICENSE_IDS = 500;

const SIGNAL_CODES: Record<CommitSignal, string> = { 'credentials-changed': 'c', 'deliveries-queued': 'd' };
const CODE_SIGNALS = new Map(Object.entries(SIGNAL_CODES).map(([signal, code]) => [code, signal as CommitSignal]));
const ORIGIN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * `<origin>|<signal codes>|<licence ids>`, e.g. `k3J9x2|cd|42` or `k3J9x2||42,43` (`*`: too many to list): short, and
 * only characters that need no quoting in an SQL string.
 */
export function encodeChange(origin: string, change: Change): string {
  if (!ORIGIN.test(origin)) throw new Error(`invalid change origin ${JSON.stringify(origin)}`);
  const { licenses } = change;
  let ids = '*';
  if (licenses !== '*' && licenses.size <= MAX_LICENSE_IDS) {
    for (const id of licenses) if (!Number.isSafeInteger(id)) throw new Error(`invalid licence id ${id}`);
    ids = [...licenses].join(',');
  }
  return `${origin}|${[...change.signals].map((s) => SIGNAL_CODES[s]).join('')}|${ids}`;
}

/** The change a payload carries and who sent it; null for a payload this build does not understand. */
export function decodeChange(payload: string): { origin: string; change: Change } | null {
  const [origin, codes, ids, ...rest] = payload.split('|');
  if (rest.length || origin === undefined || codes === undefined || ids === undefined || !ORIGIN.test(origin)) return null;
  const signals = new Set<CommitSignal>();
  for (const code of codes) {
    const signal = CODE_SIGNALS.get(code);
    if (signal) signals.add(signal); // codes of a newer build are skipped, the rest still applies
  }
  if (ids === '*') return { origin, change: { signals, licenses: '*' } };
  const licenses = new Set<number>();
  for (const id of ids ? ids.split(',') : []) {
    const n = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(n)) return null;
    licenses.add(n);
  }
  return { origin, change: { signals, licenses } };
}

/** Have the transaction's COMMIT notify the other nodes with `payload` (from `encodeChange`). PostgreSQL only. */
export async function queueNotify(trx: Transaction<Database>, payload: string): Promise<void> {
  await notifyAtCommit(trx, `NOTIFY ${CHANGE_CHANNEL}, '${payload.replaceAll("'", "''")}'`);
}
