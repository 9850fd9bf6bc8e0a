/**
 * The customer bans' repository: the only module that reads and writes `customer_bans`. A ban names an IP address
 * (`ip` as given, `ip_key` its canonical form, what unban_customer matches) or a customer id; it is active until
 * `expires_at` (never ends when null). Times are in the RFC 3339 normal form (UTC, six fractional digits), so they
 * compare as strings.
 */
import type { Selectable } from 'kysely';
import type { Queryable } from '../store/store.js';

export interface CustomerBansTable {
  license_id: number;
  id: string;
  ip: string | null;
  ip_key: string | null;
  customer_id: string | null;
  agent_id: string | null;
  thread_id: string | null;
  created_at: string;
  expires_at: string | null;
}
declare module '../store/schema.js' {
  interface Database {
    customer_bans: CustomerBansTable;
  }
}

export type CustomerBanRow = Selectable<CustomerBansTable>;

/** One ban as list_customer_bans answers it: members without a value left out. */
export interface CustomerBan {
  ip?: string;
  customer_id?: string;
  agent_id?: string;
  thread_id?: string;
  created_at: string;
  expires_at?: string;
}

export function banView(row: CustomerBanRow): CustomerBan {
  const out: CustomerBan = { created_at: row.created_at };
  if (row.ip !== null) out.ip = row.ip;
  if (row.customer_id !== null) out.customer_id = row.customer_id;
  if (row.agent_id !== null) out.agent_id = row.agent_id;
  if (row.thread_id !== null) out.thread_id = row.thread_id;
  if (row.expires_at !== null) out.expires_at = row.expires_at;
  // The example's member order: ip, customer_id, agent_id, thread_id, created_at, expires_at.
  const { created_at, expires_at, ...who } = out;
  return { ...who, created_at, ...(expires_at !== undefined ? { expires_at } : {}) };
}

export async function insertBan(trx: Queryable, row: CustomerBanRow): Promise<void> {
  await trx.insertInto('customer_bans').values(row).execute();
}

/** The bans of the licence active at `now`, oldest first. */
export function activeBans(db: Queryable, licenseId: number, now: string): Promise<CustomerBanRow[]> {
  return db
    .selectFrom('customer_bans')
    .selectAll()
    .where('license_id', '=', licenseId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Who a ban names: an IP address (canonical form) or a customer id. */
export type BanTarget = { ipKey: string } | { customerId: string };

/** Lift the bans of `target` active at `now`; returns how many were lifted. */
export async function liftBans(trx: Queryable, licenseId: number, target: BanTarget, now: string): Promise<number> {
  let q = trx
    .deleteFrom('customer_bans')
    .where('license_id', '=', licenseId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  q = 'ipKey' in target ? q.where('ip_key', '=', target.ipKey) : q.where('customer_id', '=', target.customerId);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Forget the licence's bans that ended before `now` (they are never listed nor lifted). */
export async function pruneEndedBans(trx: Queryable, licenseId: number, now: string): Promise<void> {
  await trx.deleteFrom('customer_bans').where('license_id', '=', licenseId).where('expires_at', '<=', now).execute();
}
