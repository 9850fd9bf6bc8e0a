/**
 * Greetings (v3.6): create, update, delete, get, list. A greeting belongs to one group of the licence for life;
 * deleting the group deletes its greetings (the `groupDeleted` cascade). `greetings:*` scopes reach every group.
 * No webhooks exist for greetings in any version.
 */
import { ApiError } from '../kernel/errors.js';
import { defineAction } from '../kernel/registry.js';
import { EmptyResponse } from '../kernel/responses.js';
import type { EventSource } from '../kernel/area.js';
import type { Tx } from '../store/transaction.js';
import type { Queryable } from '../store/store.js';
import { assertGroupsExistIn } from '../groups/repo.js';
import { checkRules, checkWindow, withButtonIds } from './rules.js';
import { decodePage, encodePage } from './pages.js';
import {
  deleteGreetingRow,
  deleteGroupGreetings,
  findGreeting,
  countGreetings,
  greetingView,
  insertGreeting,
  listGreetingRows,
  nextGreetingId,
  updateGreetingColumns,
  type GreetingChanges,
  type GreetingRow,
} from './repo.js';
import {
  ById,
  CreateGreeting,
  CreatedGreeting,
  GreetingView,
  GreetingsPage,
  ListGreetings,
  MAX_PAGE_SIZE,
  UpdateGreeting,
} from './schemas.js';

const READ = ['greetings:ro'];
const WRITE = ['greetings:rw'];

async function getGreetingOrThrow(db: Queryable, licenseId: number, id: number): Promise<GreetingRow> {
  const row = await findGreeting(db, licenseId, id);
  if (!row) throw new ApiError('not_found', `Greeting ${id} not found`);
  return row;
}

export const createGreeting = defineAction({
  name: 'create_greeting',
  area: 'greetings',
  summary: 'Creates a new greeting.',
  description:
    'Creates a greeting in an existing group (`group_not_found` otherwise). Each rule type takes the parameters the ' +
    "reference's rule table gives it (others are refused); buttons without `button_id` get a generated UUID.",
  schema: CreateGreeting,
  response: CreatedGreeting,
  scopes: WRITE,
  async handler(ctx, input) {
    const { licenseId } = ctx.caller;
    checkRules(input.rules);
    checkWindow(input.active_from ?? null, input.active_until ?? null);
    const richMessage = input.rich_message ? withButtonIds(input.rich_message) : null;
    const id = await ctx.tx(async (tx) => {
      await assertGroupsExistIn(tx, licenseId, [input.group]);
      const greetingId = await nextGreetingId(tx.db, licenseId);
      const now = tx.clock.next();
      await insertGreeting(tx.db, {
        license_id: licenseId,
        id: greetingId,
        group_id: input.group,
        type: input.type,
        active: input.active ? 1 : 0,
        active_from: input.active_from ?? null,
        active_until: input.active_until ?? null,
        name: input.name,
        rules: JSON.stringify(input.rules),
        properties: JSON.stringify(input.properties ?? {}),
        rich_message: richMessage && JSON.stringify(richMessage),
        created_at: now,
        updated_at: now,
      });
      return greetingId;
    });
    return { id };
  },
});

export const updateGreeting = defineAction({
  name: 'update_greeting',
  area: 'greetings',
  summary: 'Updates the properties of a greeting.',
  description:
    'Changes the given fields; `rules`, `properties` and `rich_message` replace the stored value whole, `null` unsets ' +
    '`active_from`, `active_until` or `rich_message`. A greeting stays in its group (`group` is refused). Buttons keep ' +
    'a given `button_id`, others get a new one.',
  schema: UpdateGreeting,
  response: EmptyResponse,
  scopes: WRITE,
  async handler(ctx, input) {
    const { licenseId } = ctx.caller;
    if (input.rules) checkRules(input.rules);
    checkWindow(input.active_from ?? null, input.active_until ?? null); // the given dates, before looking anything up
    const set: GreetingChanges = {};
    if (input.type !== undefined) set.type = input.type;
    if (input.active !== undefined) set.active = input.active ? 1 : 0;
    if (input.name !== undefined) set.name = input.name;
    if (input.active_from !== undefined) set.active_from = input.active_from;
    if (input.active_until !== undefined) set.active_until = input.active_until;
    if (input.rules !== undefined) set.rules = JSON.stringify(input.rules);
    if (input.properties !== undefined) set.properties = JSON.stringify(input.properties);
    if (input.rich_message !== undefined) set.rich_message = input.rich_message && JSON.stringify(withButtonIds(input.rich_message));
    await ctx.tx(async (tx) => {
      const row = await getGreetingOrThrow(tx.db, licenseId, input.id);
      checkWindow(set.active_from !== undefined ? set.active_from : row.active_from, set.active_until !== undefined ? set.active_until : row.active_until);
      if (Object.keys(set).length === 0) return;
      await updateGreetingColumns(tx.db, licenseId, row.id, { ...set, updated_at: tx.clock.next() });
    });
    return {};
  },
});

export const deleteGreeting = defineAction({
  name: 'delete_greeting',
  area: 'greetings',
  summary: 'Deletes a greeting.',
  description: 'Deletes a greeting; its id is never given again.',
  schema: ById,
  response: EmptyResponse,
  scopes: WRITE,
  async handler(ctx, input) {
    const { licenseId } = ctx.caller;
    const deleted = await ctx.tx((tx) => deleteGreetingRow(tx.db, licenseId, input.id));
    if (!deleted) throw new ApiError('not_found', `Greeting ${input.id} not found`);
    return {};
  },
});

export const getGreeting = defineAction({
  name: 'get_greeting',
  area: 'greetings',
  summary: 'Returns the details of a specific greeting.',
  description: 'Returns a greeting as stored; `active_from`, `active_until` and `rich_message` only when set.',
  schema: ById,
  response: GreetingView,
  scopes: READ,
  async handler(ctx, input) {
    return greetingView(await getGreetingOrThrow(ctx.db, ctx.caller.licenseId, input.id));
  },
});

export const listGreetings = defineAction({
  name: 'list_greetings',
  area: 'greetings',
  summary: 'Returns a list of greetings.',
  description:
    'Greetings by ascending id, optionally only those of `groups` (unknown group ids match nothing), `limit` per page ' +
    '(1–100, default 100). `found_greetings` counts every greeting matching the filter; `next_page_id` is answered ' +
    'while more remain and is sent alone to get the next page (with `groups` or `limit` it is refused).',
  schema: ListGreetings,
  response: GreetingsPage,
  scopes: READ,
  async handler(ctx, input) {
    if (input.page_id !== undefined && (input.groups !== undefined || input.limit !== undefined)) {
      throw new ApiError('validation', '`page_id` cannot be used with `groups` or `limit` (the page id carries them)');
    }
    const page = input.page_id !== undefined ? decodePage(input.page_id) : undefined;
    const groups = page ? page.g : input.groups ? [...input.groups].sort((a, b) => a - b) : null;
    const limit = page ? page.l : (input.limit ?? MAX_PAGE_SIZE);
    if (groups !== null && groups.length === 0) return { greetings: [], found_greetings: 0 };
    const { licenseId } = ctx.caller;
    const rows = await listGreetingRows(ctx.db, licenseId, { groups }, page?.a ?? 0, limit + 1);
    const found = await countGreetings(ctx.db, licenseId, { groups });
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    return {
      greetings: shown.map(greetingView),
      found_greetings: found,
      ...(more ? { next_page_id: encodePage({ v: 1, g: groups, l: limit, a: shown[shown.length - 1]!.id }) } : {}),
    };
  },
});

/** delete_group: the group's greetings go with it (a greeting cannot move to another group). */
export async function groupDeleted(tx: Tx, source: EventSource, groupId: number): Promise<void> {
  await deleteGroupGreetings(tx.db, source.licenseId, groupId);
}
