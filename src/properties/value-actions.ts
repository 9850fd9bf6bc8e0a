/**
 * Property values of a licence and of its groups: update (merge), list (with defaults), delete.
 * Reach: the caller's own namespace needs `…value--my:*`; other namespaces need `…value--all:*` and reach only
 * published properties, limited by their public access (`read` for lists, `write` for updates and deletes).
 */
import { identifier, refusedKey } from '../kernel/schema.js';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import { defineAction, type ActionContext, type Caller } from '../kernel/registry.js';
import { nowIso } from '../store/store.js';
import type { EventSource } from '../kernel/area.js';
import { EmptyResponse } from '../kernel/responses.js';
import { assertGroupsExist, assertGroupsExistIn, groupIdsOf } from '../groups/repo.js';
import { deleteGroupValues, deleteValues as deleteStoredValues, selectValues, upsertValues } from './values-repo.js';
import {
  LICENSE_TARGET,
  PropertyValueSchema,
  checkValue,
  holdsAllReach,
  isOwnNamespace,
  loadDefinitions,
  lockDefinitions,
  reachable,
  requireNamespaceScope,
  valueScope,
  type DefIndex,
  type PropertyDef,
  type PropertyValue,
  type ValueKind,
} from './definitions.js';
import type { Tx } from '../store/transaction.js';

const Key = identifier({ minLength: 1 });
const GroupId = Type.Integer({ minimum: 0 });
/** `{<namespace>: {<property>: <value>}}` */
const ValuesByNamespace = Type.Record(Key, Type.Record(Key, Type.Unknown()));
/** `{<namespace>: [<property>]}` */
const NamesByNamespace = Type.Record(Key, Type.Array(Key, { uniqueItems: true }));
const ListFilters = {
  namespace: Type.Optional(Key),
  name_prefix: Type.Optional(identifier()),
};

const UpdateLicenseProperties = Type.Object({ properties: ValuesByNamespace }, { additionalProperties: false });
const DeleteLicenseProperties = Type.Object({ properties: NamesByNamespace }, { additionalProperties: false });
const ListLicenseProperties = Type.Object(ListFilters, { additionalProperties: false });
const UpdateGroupProperties = Type.Object(
  { group_id: GroupId, properties: ValuesByNamespace },
  { additionalProperties: false },
);
const DeleteGroupProperties = Type.Object({ id: GroupId, properties: NamesByNamespace }, { additionalProperties: false });
/** Values by namespace (client id) and name (examples/properties/listLicenseProperties.json). */
const ValuesResponse = Type.Record(Type.String(), Type.Record(Type.String(), PropertyValueSchema), { title: 'PropertyValues' });
const ListGroupsProperties = Type.Object(
  { group_ids: Type.Array(GroupId), ...ListFilters },
  { additionalProperties: false },
);

type Values = Record<string, Record<string, PropertyValue>>;

/** The definition a write (update or delete) may touch, or the error telling why not. */
function writableDefinition(caller: Caller, defs: DefIndex, kind: ValueKind, ns: string, name: string): PropertyDef {
  const def = defs.get(ns)?.get(name);
  // A private property of another client id is invisible: same answer as an unknown one.
  if (!def || (!isOwnNamespace(caller, ns) && def.publicAccess === null)) {
    throw new ApiError('not_found', `Property ${name} not found in namespace ${ns}`);
  }
  if (!reachable(caller, def, 'write')) {
    throw new ApiError('authorization', `Property ${name} of namespace ${ns} is not published with write access`);
  }
  if (!def.access[kind]) {
    throw new ApiError('validation', `Property ${name} of namespace ${ns} has no \`${kind}\` access and cannot be set on a ${kind}`);
  }
  return def;
}

/**
 * Namespaces (and, for updates, property names) are identifiers: no control characters, no Unicode noncharacters
 * (schemas cannot check map keys).
 */
function assertIdentifierKeys(properties: Record<string, unknown>, namesAreKeys: boolean): void {
  const found = refusedKey(properties) ?? (namesAreKeys ? firstRefusedKey(Object.values(properties)) : null);
  if (found) throw new ApiError('validation', `\`properties\` namespaces and property names must not contain ${found.refused}`);
}

const firstRefusedKey = (maps: unknown[]) => {
  for (const m of maps) {
    const found = refusedKey(m as Record<string, unknown>);
    if (found) return found;
  }
  return null;
};

async function updateValues(
  ctx: ActionContext,
  kind: ValueKind,
  target: number,
  properties: Record<string, Record<string, unknown>>,
): Promise<void> {
  const { caller } = ctx;
  assertIdentifierKeys(properties, true);
  const namespaces = Object.keys(properties);
  for (const ns of namespaces) requireNamespaceScope(caller, kind, ns, 'write');
  await ctx.tx(async (tx) => {
    if (kind === 'group') await assertGroupsExistIn(tx, caller.licenseId, [target]);
    const defs = await lockDefinitions(tx, caller, { namespaces });
    const updatedAt = nowIso();
    const rows = [];
    for (const [ns, values] of Object.entries(properties)) {
      for (const [name, value] of Object.entries(values)) {
        const def = writableDefinition(caller, defs, kind, ns, name);
        checkValue(def, value, `properties.${ns}.${name}`);
        rows.push({ license_id: caller.licenseId, group_id: target, namespace: ns, name, value: JSON.stringify(value), updated_at: updatedAt });
      }
    }
    await upsertValues(tx.db, rows);
  });
}

async function deleteValues(
  ctx: ActionContext,
  kind: ValueKind,
  target: number,
  properties: Record<string, string[]>,
): Promise<void> {
  const { caller } = ctx;
  assertIdentifierKeys(properties, false);
  const namespaces = Object.keys(properties);
  for (const ns of namespaces) requireNamespaceScope(caller, kind, ns, 'write');
  await ctx.tx(async (tx) => {
    if (kind === 'group') await assertGroupsExistIn(tx, caller.licenseId, [target]);
    const defs = await lockDefinitions(tx, caller, { namespaces });
    for (const [ns, names] of Object.entries(properties)) {
      for (const name of names) writableDefinition(caller, defs, kind, ns, name);
    }
    for (const [ns, names] of Object.entries(properties)) await deleteStoredValues(tx.db, caller.licenseId, target, ns, names);
  });
}

/**
 * Values (stored or default) of the given targets (LICENSE_TARGET, or group ids) readable by the caller.
 * Two queries whatever the number of properties: the definitions, then the values.
 */
async function listValues(
  ctx: ActionContext,
  kind: ValueKind,
  targets: readonly number[],
  filter: { namespace?: string; name_prefix?: string },
): Promise<Map<number, Values>> {
  const { caller } = ctx;
  const out = new Map<number, Values>(targets.map((t) => [t, {}]));
  let namespaces: string[] | undefined;
  if (filter.namespace !== undefined) {
    requireNamespaceScope(caller, kind, filter.namespace, 'read');
    namespaces = [filter.namespace];
  } else if (!holdsAllReach(caller, kind, 'read')) {
    // `--my` only: the caller's own namespace (a PAT has none).
    namespaces = caller.clientId !== null ? [caller.clientId] : [];
  }
  if (targets.length === 0 || namespaces?.length === 0) return out;
  // Independent queries: run them together.
  const [defs, rows] = await Promise.all([
    loadDefinitions(ctx.db, caller, { namespaces, namePrefix: filter.name_prefix }),
    selectValues(ctx.db, caller.licenseId, targets, { namespaces, namePrefix: filter.name_prefix }),
  ]);
  const readable: PropertyDef[] = [];
  for (const byName of defs.values()) {
    for (const def of byName.values()) if (def.access[kind] && reachable(caller, def, 'read')) readable.push(def);
  }
  const stored = new Map<string, string>();
  for (const r of rows) stored.set(`${r.group_id}\u0000${r.namespace}\u0000${r.name}`, r.value);
  for (const target of targets) {
    const values = out.get(target)!;
    for (const def of readable) {
      const raw = stored.get(`${target}\u0000${def.namespace}\u0000${def.name}`);
      const value = raw !== undefined ? (JSON.parse(raw) as PropertyValue) : def.defaultValue;
      if (value === undefined) continue;
      (values[def.namespace] ??= {})[def.name] = value;
    }
  }
  return out;
}

export const updateLicenseProperties = defineAction({
  name: 'update_license_properties',
  area: 'properties',
  summary: 'Updates a property value within a license.',
  description: 'Sets property values of the licence; values not named stay as they are.',
  schema: UpdateLicenseProperties,
  response: EmptyResponse,
  scopes: [valueScope('license', 'my', 'write'), valueScope('license', 'all', 'write')],
  async handler(ctx, input) {
    await updateValues(ctx, 'license', LICENSE_TARGET, input.properties);
    return {};
  },
});

export const listLicenseProperties = defineAction({
  name: 'list_license_properties',
  area: 'properties',
  summary: 'Returns the properties set within a license.',
  description: 'Returns the property values of the licence (defaults for properties not set).',
  schema: ListLicenseProperties,
  response: ValuesResponse,
  scopes: [valueScope('license', 'my', 'read'), valueScope('license', 'all', 'read')],
  async handler(ctx, input) {
    return (await listValues(ctx, 'license', [LICENSE_TARGET], input)).get(LICENSE_TARGET);
  },
});

export const deleteLicenseProperties = defineAction({
  name: 'delete_license_properties',
  area: 'properties',
  summary: 'Deletes the properties set within a license.',
  description: 'Deletes property values of the licence.',
  schema: DeleteLicenseProperties,
  response: EmptyResponse,
  scopes: [valueScope('license', 'my', 'write'), valueScope('license', 'all', 'write')],
  async handler(ctx, input) {
    await deleteValues(ctx, 'license', LICENSE_TARGET, input.properties);
    return {};
  },
});

export const updateGroupProperties = defineAction({
  name: 'update_group_properties',
  area: 'properties',
  summary: 'Updates a property value within a group as the property location.',
  description: 'Sets property values of a group; values not named stay as they are.',
  schema: UpdateGroupProperties,
  response: EmptyResponse,
  scopes: [valueScope('group', 'my', 'write'), valueScope('group', 'all', 'write')],
  async handler(ctx, input) {
    await updateValues(ctx, 'group', input.group_id, input.properties);
    return {};
  },
});

export const listGroupsProperties = defineAction({
  name: 'list_groups_properties',
  area: 'properties',
  summary: 'Returns the properties set within specified groups.',
  description: 'Returns the property values of the given groups (all groups when `group_ids` is empty).',
  schema: ListGroupsProperties,
  response: Type.Array(Type.Object({ id: Type.Integer(), properties: ValuesResponse }, { additionalProperties: false })),
  scopes: [valueScope('group', 'all', 'read')],
  async handler(ctx, input) {
    const { caller } = ctx;
    let ids = [...new Set(input.group_ids)];
    if (ids.length) await assertGroupsExist(ctx.db, caller.licenseId, ids);
    else ids = await groupIdsOf(ctx.db, caller.licenseId);
    const values = await listValues(ctx, 'group', ids, input);
    return ids.map((id) => ({ id, properties: values.get(id) }));
  },
});

/** v3.4's list_group_properties (one group; v3.5 replaced it with list_groups_properties): listed by src/areas-v34.ts. */
export const listGroupProperties = defineAction({
  name: 'list_group_properties',
  area: 'properties',
  summary: 'Returns the properties set within a group.',
  description: 'Returns the property values of one group (defaults for properties not set).',
  schema: Type.Object({ id: GroupId, ...ListFilters }, { additionalProperties: false }),
  response: ValuesResponse,
  scopes: [valueScope('group', 'my', 'read'), valueScope('group', 'all', 'read')],
  async handler(ctx, input) {
    await assertGroupsExist(ctx.db, ctx.caller.licenseId, [input.id]);
    return (await listValues(ctx, 'group', [input.id], input)).get(input.id);
  },
});

export const deleteGroupProperties = defineAction({
  name: 'delete_group_properties',
  area: 'properties',
  summary: 'Deletes the properties set within a group.',
  description: 'Deletes property values of a group.',
  schema: DeleteGroupProperties,
  response: EmptyResponse,
  scopes: [valueScope('group', 'my', 'write'), valueScope('group', 'all', 'write')],
  async handler(ctx, input) {
    await deleteValues(ctx, 'group', input.id, input.properties);
    return {};
  },
});

/** delete_group: the group's property values go with it. */
export async function groupDeleted(tx: Tx, { licenseId }: EventSource, groupId: number): Promise<void> {
  await deleteGroupValues(tx.db, licenseId, groupId);
}

export const valueActions = [
  updateLicenseProperties,
  listLicenseProperties,
  deleteLicenseProperties,
  updateGroupProperties,
  listGroupsProperties,
  deleteGroupProperties,
];
