/**
 * What changes when an agent (or bot) is updated or deleted, shared with the bots area: an update's changed columns
 * (`ColumnChanges`), applying it with its groups and webhook event, and removing an agent with everything kept for it.
 */
import type { Caller } from '../kernel/registry.js';
import type { Cascades } from '../kernel/area.js';
import type { VersionRules } from '../kernel/version-rules.js';
import type { Tx } from '../store/transaction.js';
import { assertGroupsExistIn, membershipsByAgent, removeAgentFromGroups, replaceAgentGroups, type Membership } from '../groups/repo.js';
import { recordEvent, sourceOf } from '../webhooks/outbox.js';
import { deleteCredentialsOf } from '../tenancy/credentials.js';
import { deleteAgentRecord, updateAgentColumnsAtCommit, type AgentRow } from './repo.js';
import { parseScheduler } from './view.js';
import { checkWorkScheduler, uniqueList, type UpdateAgentInput, type WorkScheduler } from './schemas.js';

/**
 * An update's column changes: `set` for the UPDATE, `changed` for the event payload; `quiet`, columns written that no
 * webhook shows (bots' `type`).
 */
export interface ColumnChanges {
  set: Partial<AgentRow>;
  changed: Record<string, unknown>;
  quiet?: Partial<AgentRow>;
}

/**
 * Adds to `out` the plain columns among `keys` that `input` gives with a value other than the stored one (a stored
 * null compares as `stored(k)`).
 */
export function plainColumnChanges<K extends keyof AgentRow & string>(
  row: AgentRow,
  input: Partial<Record<K, unknown>>,
  keys: readonly K[],
  stored: (k: K) => unknown,
  out: ColumnChanges,
): void {
  for (const k of keys) {
    const v = input[k];
    if (v === undefined || (row[k] ?? stored(k)) === v) continue;
    (out.set as Record<string, unknown>)[k] = v;
    out.changed[k] = v;
  }
}

/**
 * The checked new work schedule when `input` gives one that differs from the stored one, else undefined. With
 * `keepZone` (the `agentScheduleZone` rule), a schedule given without a time zone keeps the stored one.
 */
export function schedulerChange(
  row: AgentRow,
  input: WorkScheduler | undefined,
  out: ColumnChanges,
  { keepZone = false }: { keepZone?: boolean } = {},
): WorkScheduler | undefined {
  if (input === undefined) return undefined;
  const stored = parseScheduler(row.work_scheduler);
  const given = keepZone && input.timezone === undefined && stored.timezone ? { ...input, timezone: stored.timezone } : input;
  const ws = checkWorkScheduler(given, { zoneOptional: keepZone });
  if (JSON.stringify(ws) === JSON.stringify(stored)) return undefined;
  out.set.work_scheduler = JSON.stringify(ws);
  out.changed.work_scheduler = ws;
  return ws;
}

/**
 * Fields of update_agent that are stored as columns, with how they compare/serialise; `rules`: the call's version
 * rules (its `agentScheduleZone`).
 */
export function agentColumnChanges(row: AgentRow, input: UpdateAgentInput, rules: Pick<VersionRules, 'agentScheduleZone'>): ColumnChanges {
  const out: ColumnChanges = { set: {}, changed: {} };
  const simple = ['name', 'role', 'avatar', 'login_status', 'job_title', 'mobile', 'max_chats_count'] as const;
  plainColumnChanges(row, input, simple, (k) => (k === 'avatar' || k === 'job_title' || k === 'mobile' ? '' : null), out);
  const lists = [
    ['notifications', input.notifications],
    ['email_subscriptions', input.email_subscriptions],
  ] as const;
  for (const [k, v] of lists) {
    if (v === undefined) continue;
    const list = uniqueList(v, k)!;
    const json = JSON.stringify(list);
    if (json !== row[k]) {
      out.set[k] = json;
      out.changed[k] = list;
    }
  }
  schedulerChange(row, input.work_scheduler, out, { keepZone: rules.agentScheduleZone === 'kept' });
  return out;
}

const sameGroups = (a: Membership[], b: Membership[]) =>
  JSON.stringify([...a].sort((x, y) => x.id - y.id)) === JSON.stringify([...b].sort((x, y) => x.id - y.id));

/**
 * Apply an update to an agent or bot: replace its groups when `groups` differs from the current ones, write the
 * changed columns, and record `event` with `id` + the changed fields (nothing changed → no write, no event; only
 * `quiet` columns changed → written, no event).
 */
export async function applyAgentUpdate(
  tx: Tx,
  caller: Caller,
  row: AgentRow,
  { set, changed, quiet = {} }: ColumnChanges,
  groups: Membership[] | undefined,
  event: 'agent_updated' | 'bot_updated',
): Promise<void> {
  if (groups !== undefined) {
    await assertGroupsExistIn(tx, caller.licenseId, groups.map((g) => g.id));
    const current = (await membershipsByAgent(tx.db, caller.licenseId, [row.id])).get(row.id) ?? [];
    if (!sameGroups(current, groups)) {
      await replaceAgentGroups(tx.db, caller.licenseId, row.id, groups);
      changed.groups = groups;
    }
  }
  const silent = Object.keys(changed).length === 0;
  if (silent && Object.keys(quiet).length === 0) return;
  await updateAgentColumnsAtCommit(tx, caller.licenseId, row.id, { ...set, ...quiet });
  if (!silent) await recordEvent(tx, sourceOf(caller), event, { id: row.id, ...changed });
}

/** Remove an agent (or bot) with its memberships and credentials, and what other areas keep for it. */
export async function deleteAgentRow(
  tx: Tx,
  cascades: Pick<Cascades, 'agentDeleted'>,
  licenseId: number,
  row: AgentRow,
): Promise<void> {
  await removeAgentFromGroups(tx.db, licenseId, row.id);
  await deleteCredentialsOf(tx.db, licenseId, row.account_id);
  await cascades.agentDeleted(tx, licenseId, row.id);
  await deleteAgentRecord(tx.db, licenseId, row.id);
  tx.signal('credentials-changed');
}
