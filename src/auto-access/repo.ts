/**
 * The only module that reads and writes `auto_accesses`.
 * Auto access rules of one licence form one ordered list linked by `next_id` (the last rule has "").
 * Every change loads the whole list inside the caller's transaction (the licence is locked), edits it in memory,
 * then writes back only what differs and reports the differences as one auto_accesses_updated event.
 */
import type { Queryable } from '../store/store.js';
import { nowIso } from '../store/store.js';
import { recordEvent, type EventSource } from '../webhooks/outbox.js';
import type { Conditions } from './schemas.js';
import type { Tx } from '../store/transaction.js';

export interface AutoAccessesTable {
  license_id: number;
  id: string;
  next_id: string;
  description: string;
  /** JSON `{"groups":[…]}` */
  access: string;
  /** JSON conditions (normalised: `exact_match` always present). */
  conditions: string;
  created_at: string;
}
declare module '../store/schema.js' {
  interface Database {
    auto_accesses: AutoAccessesTable;
  }
}

export interface Rule {
  id: string;
  description: string;
  access: { groups: number[] };
  conditions: Conditions;
  next_id: string;
}
/** A rule without its link: the position in the array is the order. */
export type RuleBody = Omit<Rule, 'next_id'>;

const RULE_FIELDS = ['description', 'access', 'conditions', 'next_id'] as const;

/** The licence's rules in list order, following `next_id` from the head (the rule nobody points to). */
export async function loadRules(db: Queryable, licenseId: number): Promise<Rule[]> {
  const rows = await db
    .selectFrom('auto_accesses')
    .selectAll()
    .where('license_id', '=', licenseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const referenced = new Set(rows.map((r) => r.next_id));
  const ordered: typeof rows = [];
  const seen = new Set<string>();
  // Normally one head and one chain; anything not reached (never expected) is kept at the end in creation order.
  for (const start of [...rows.filter((r) => !referenced.has(r.id)), ...rows]) {
    for (let r = start; r && !seen.has(r.id); r = byId.get(r.next_id)!) {
      seen.add(r.id);
      ordered.push(r);
    }
  }
  return ordered.map((r, i) => ({
    id: r.id,
    description: r.description,
    access: JSON.parse(r.access),
    conditions: JSON.parse(r.conditions),
    next_id: ordered[i + 1]?.id ?? '',
  }));
}

/** Relink an ordered array of rule bodies. */
export function link(order: readonly RuleBody[]): Rule[] {
  return order.map((r, i) => ({ ...r, next_id: order[i + 1]?.id ?? '' }));
}

export type Change = Record<string, unknown> & { id: string; status: 'added' | 'updated' | 'deleted' };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The changes from `before` to `after`, as the auto_accesses_updated payload: added rules in full, updated ones
 * with only their changed properties, deleted ones by id. The `subject` (the rule the call was about) comes last.
 */
export function diffRules(before: readonly Rule[], after: readonly Rule[], subject?: string): Change[] {
  const old = new Map(before.map((r) => [r.id, r]));
  const now = new Map(after.map((r) => [r.id, r]));
  const changes: Change[] = [];
  for (const r of after) {
    const prev = old.get(r.id);
    if (!prev) {
      changes.push({ ...r, status: 'added' });
      continue;
    }
    const changed: Record<string, unknown> = {};
    for (const k of RULE_FIELDS) if (!same(prev[k], r[k])) changed[k] = r[k];
    if (Object.keys(changed).length) changes.push({ id: r.id, ...changed, status: 'updated' });
  }
  for (const r of before) if (!now.has(r.id)) changes.push({ id: r.id, status: 'deleted' });
  return [...changes.filter((c) => c.id !== subject), ...changes.filter((c) => c.id === subject)];
}

/** Write `after` over `before` (inserts, deletes, updates of changed rows only) and record the event. */
export async function saveRules(
  tx: Tx,
  source: EventSource,
  before: readonly Rule[],
  after: readonly Rule[],
  subject?: string,
): Promise<Change[]> {
  const changes = diffRules(before, after, subject);
  if (changes.length === 0) return changes;
  const licenseId = source.licenseId;
  const now = new Map(after.map((r) => [r.id, r]));
  const deleted = changes.filter((c) => c.status === 'deleted').map((c) => c.id);
  if (deleted.length) {
    await tx.db.deleteFrom('auto_accesses').where('license_id', '=', licenseId).where('id', 'in', deleted).execute();
  }
  for (const c of changes) {
    const r = now.get(c.id);
    if (!r) continue;
    if (c.status === 'added') {
      await tx.db
        .insertInto('auto_accesses')
        .values({
          license_id: licenseId,
          id: r.id,
          next_id: r.next_id,
          description: r.description,
          access: JSON.stringify(r.access),
          conditions: JSON.stringify(r.conditions),
          created_at: nowIso(),
        })
        .execute();
      continue;
    }
    const set: Partial<AutoAccessesTable> = {};
    if ('next_id' in c) set.next_id = r.next_id;
    if ('description' in c) set.description = r.description;
    if ('access' in c) set.access = JSON.stringify(r.access);
    if ('conditions' in c) set.conditions = JSON.stringify(r.conditions);
    await tx.db.updateTable('auto_accesses').set(set).where('license_id', '=', licenseId).where('id', '=', r.id).execute();
  }
  await recordEvent(tx, source, 'auto_accesses_updated', changes);
  return changes;
}

/** How many auto access rules the licence has. */
export async function countRules(db: Queryable, licenseId: number): Promise<number> {
  const row = await db.selectFrom('auto_accesses').select((eb) => eb.fn.countAll().as('n')).where('license_id', '=', licenseId).executeTakeFirstOrThrow();
  return Number(row.n);
}
