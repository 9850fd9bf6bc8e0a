/** Auto access: add, list, update (incl. moving within the list), delete. Rules form one linked list per licence. */
import { ApiError } from '../kernel/errors.js';
import { defineAction } from '../kernel/registry.js';
import { EmptyResponse } from '../kernel/responses.js';
import { Type } from '@sinclair/typebox';
import { assertGroupsExistIn } from '../groups/repo.js';
import type { EventSource } from '../kernel/area.js';
import { randomHexId } from '../kernel/crypto.js';
import { sourceOf } from '../webhooks/outbox.js';
import { link, loadRules, saveRules, type Rule, type RuleBody } from './repo.js';
import { AddAutoAccess, AutoAccessView, DeleteAutoAccess, ListAutoAccesses, UpdateAutoAccess, normalizeConditions } from './schemas.js';
import type { Tx } from '../store/transaction.js';

const notFound = (id: string) => new ApiError('not_found', `Auto access ${JSON.stringify(id)} not found`);

/** Index in `order` before which a rule goes: `next_id` "" (or absent) = the end; an unknown id = `not_found`. */
function insertionIndex(order: readonly RuleBody[], nextId: string | undefined): number {
  if (!nextId) return order.length;
  const i = order.findIndex((r) => r.id === nextId);
  if (i < 0) throw notFound(nextId);
  return i;
}

const body = ({ next_id: _next, ...rest }: Rule): RuleBody => rest;

export const addAutoAccess = defineAction({
  name: 'add_auto_access',
  area: 'auto_access',
  summary: 'Creates an `auto access` data structure, which is a set of conditions for the tracking URL and geolocation of a customer.',
  description: 'Creates an auto access rule, inserted before `next_id` (at the end when empty or absent).',
  schema: AddAutoAccess,
  response: Type.Object({ id: Type.String() }, { additionalProperties: false }),
  scopes: ['access_rules:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    const conditions = normalizeConditions(input.conditions);
    return ctx.tx(async (tx) => {
      await assertGroupsExistIn(tx, caller.licenseId, input.access.groups);
      const before = await loadRules(tx.db, caller.licenseId);
      const order = before.map(body);
      const rule: RuleBody = { id: randomHexId(), description: input.description ?? '', access: { groups: input.access.groups }, conditions };
      order.splice(insertionIndex(order, input.next_id), 0, rule);
      await saveRules(tx, sourceOf(caller), before, link(order), rule.id);
      return { id: rule.id };
    });
  },
});

export const listAutoAccesses = defineAction({
  name: 'list_auto_accesses',
  aliases: ['list_auto_access'],
  area: 'auto_access',
  summary: 'Returns all existing `auto access` data structures.',
  description: 'Returns all auto access rules in list order.',
  schema: ListAutoAccesses,
  response: Type.Array(AutoAccessView),
  scopes: ['access_rules:ro'],
  async handler(ctx) {
    return loadRules(ctx.db, ctx.caller.licenseId);
  },
});

export const updateAutoAccess = defineAction({
  name: 'update_auto_access',
  area: 'auto_access',
  summary: 'Updates an existing `auto access`.',
  description: 'Overwrites the given fields of a rule; `next_id` moves it before that rule ("" = to the end).',
  schema: UpdateAutoAccess,
  response: EmptyResponse,
  scopes: ['access_rules:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    if (input.next_id === input.id) throw new ApiError('validation', '`next_id` cannot be the id of the rule being moved');
    const conditions = input.conditions === undefined ? undefined : normalizeConditions(input.conditions);
    await ctx.tx(async (tx) => {
      const before = await loadRules(tx.db, caller.licenseId);
      const order = before.map(body);
      const at = order.findIndex((r) => r.id === input.id);
      if (at < 0) throw notFound(input.id);
      if (input.access !== undefined) await assertGroupsExistIn(tx, caller.licenseId, input.access.groups);
      const rule: RuleBody = {
        id: input.id,
        description: input.description ?? order[at]!.description,
        access: input.access !== undefined ? { groups: input.access.groups } : order[at]!.access,
        conditions: conditions ?? order[at]!.conditions,
      };
      order[at] = rule;
      if (input.next_id !== undefined) {
        order.splice(at, 1);
        order.splice(insertionIndex(order, input.next_id), 0, rule);
      }
      await saveRules(tx, sourceOf(caller), before, link(order), rule.id);
    });
    return {};
  },
});

export const deleteAutoAccess = defineAction({
  name: 'delete_auto_access',
  area: 'auto_access',
  summary: 'Deletes an existing `auto access` data structure specified by its ID.',
  description: 'Deletes a rule; its predecessor then points to its successor.',
  schema: DeleteAutoAccess,
  response: EmptyResponse,
  scopes: ['access_rules:rw'],
  async handler(ctx, input) {
    const { caller } = ctx;
    await ctx.tx(async (tx) => {
      const before = await loadRules(tx.db, caller.licenseId);
      if (!before.some((r) => r.id === input.id)) throw notFound(input.id);
      await saveRules(tx, sourceOf(caller), before, link(before.filter((r) => r.id !== input.id).map(body)), input.id);
    });
    return {};
  },
});

/**
 * delete_group: the group leaves every rule's `access.groups`; a rule left without groups is deleted (the list is
 * relinked). One auto_accesses_updated event, attributed to the delete_group call, reports all of it.
 */
export async function groupDeleted(tx: Tx, source: EventSource, groupId: number): Promise<void> {
  const before = await loadRules(tx.db, source.licenseId);
  if (!before.some((r) => r.access.groups.includes(groupId))) return;
  const order: RuleBody[] = [];
  for (const r of before) {
    const groups = r.access.groups.filter((g) => g !== groupId);
    if (groups.length) order.push({ ...body(r), access: { groups } });
  }
  await saveRules(tx, source, before, link(order));
}
