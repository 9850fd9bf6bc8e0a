/**
 * The property registry (organization-level, one definition per owner client id + name): the only module that reads
 * and writes `property_definitions` (values are in `values-repo.ts`). Also the built-in `test` namespace, value
 * validation (type, domain, range) and the namespace reach rules of the value methods.
 */
import { Type } from '@sinclair/typebox';
import { ApiError } from '../kernel/errors.js';
import type { Caller } from '../kernel/registry.js';
import { hasScope, requireScopes } from '../kernel/scopes.js';
import { INT32_MAX, INT32_MIN } from '../kernel/validation.js';
import { sql } from 'kysely';
import type { Tx } from '../store/transaction.js';
import type { Queryable } from '../store/store.js';
import { assertUsableClientId, installedClientIds } from '../tenancy/applications.js';

export interface PropertyDefinitionsTable {
  owner_client_id: string;
  name: string;
  organization_id: string;
  type: string;
  description: string;
  /** JSON: `{<location>: {<user>: ["read"|"write"]}}` */
  access: string;
  /** JSON array of allowed values, or null. */
  domain_values: string | null;
  /** JSON `{from?, to?}`, or null. */
  value_range: string | null;
  /** JSON value, or null. */
  default_value: string | null;
  /** JSON `["read"|"write"]` once published; null while private. */
  public_access: string | null;
  created_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    property_definitions: PropertyDefinitionsTable;
  }
}

export const LICENSE_TARGET = -1;
export const PROPERTY_TYPES = ['int', 'bool', 'string', 'tokenized_string'] as const;
export const LOCATIONS = ['chat', 'thread', 'event', 'license', 'group'] as const;
export const USERS = ['agent', 'customer'] as const;
export const ACCESS_TYPES = ['read', 'write'] as const;
export const TEST_NAMESPACE = 'test';

export type PropertyType = (typeof PROPERTY_TYPES)[number];
export type Location = (typeof LOCATIONS)[number];
export type AccessType = (typeof ACCESS_TYPES)[number];
export type Access = Partial<Record<Location, Partial<Record<(typeof USERS)[number], AccessType[]>>>>;
export type PropertyValue = number | boolean | string;
/** A stored property value as the API returns it. */
export const PropertyValueSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean()], { title: 'PropertyValue' });
export interface Range {
  from?: number;
  to?: number;
}

export interface PropertyDef {
  namespace: string;
  name: string;
  type: PropertyType;
  description: string;
  access: Access;
  domain?: PropertyValue[];
  range?: Range;
  defaultValue?: PropertyValue;
  /** null = private. */
  publicAccess: AccessType[] | null;
}

/** Map namespace → name → definition. */
export type DefIndex = Map<string, Map<string, PropertyDef>>;

const RW_EVERYWHERE: Access = Object.fromEntries(
  LOCATIONS.map((l) => [l, { agent: ['read', 'write'], customer: ['read', 'write'] }]),
) as Access;

/** Every licence has these (spec "Test properties"); they are built in, not stored. */
export const TEST_PROPERTIES: readonly PropertyDef[] = (
  [
    ['bool_property', 'bool'],
    ['int_property', 'int'],
    ['string_property', 'string'],
    ['tokenized_string_property', 'tokenized_string'],
  ] as const
).map(([name, type]) => ({
  namespace: TEST_NAMESPACE,
  name,
  type,
  description: '',
  access: RW_EVERYWHERE,
  publicAccess: ['read', 'write'],
}));

const json = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));

export function defFromRow(r: PropertyDefinitionsTable): PropertyDef {
  return {
    namespace: r.owner_client_id,
    name: r.name,
    type: r.type as PropertyType,
    description: r.description,
    access: JSON.parse(r.access) as Access,
    domain: json<PropertyValue[]>(r.domain_values),
    range: json<Range>(r.value_range),
    defaultValue: json<PropertyValue>(r.default_value),
    publicAccess: json<AccessType[]>(r.public_access) ?? null,
  };
}

// ---------------------------------------------------------------- value validation

export const isInt32 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;

const TYPE_CHECKS: Record<PropertyType, [(v: unknown) => boolean, string]> = {
  int: [isInt32, 'an int (32-bit integer)'],
  bool: [(v) => typeof v === 'boolean', 'a bool'],
  string: [(v) => typeof v === 'string', 'a string'],
  tokenized_string: [(v) => typeof v === 'string', 'a string'],
};

/** Throws `validation` naming `field` unless `value` is of `type`. */
export function checkType(type: PropertyType, value: unknown, field: string): asserts value is PropertyValue {
  const [ok, what] = TYPE_CHECKS[type];
  if (!ok(value)) throw new ApiError('validation', `\`${field}\` should be ${what}`);
}

export function checkRange(range: Range | undefined, value: number, field: string): void {
  if (!range) return;
  if (range.from !== undefined && value < range.from) {
    throw new ApiError('validation', `\`${field}\` should be at least ${range.from}`);
  }
  if (range.to !== undefined && value > range.to) {
    throw new ApiError('validation', `\`${field}\` should be at most ${range.to}`);
  }
}

/** Type, domain and range of one value. */
export function checkValue(
  def: Pick<PropertyDef, 'type' | 'domain' | 'range'>,
  value: unknown,
  field: string,
): asserts value is PropertyValue {
  checkType(def.type, value, field);
  if (def.domain && !def.domain.includes(value)) {
    throw new ApiError('validation', `\`${field}\` should be one of: ${def.domain.map((d) => JSON.stringify(d)).join(', ')}`);
  }
  if (typeof value === 'number') checkRange(def.range, value, field);
}

// ---------------------------------------------------------------- registry (organization-level)

/** The owner client id must be an application of the caller's organization (`authorization` otherwise, as everywhere). */
export async function assertOwnApplication(db: Queryable, caller: Caller, clientId: string): Promise<void> {
  await assertUsableClientId(db, caller, clientId);
}

const definitionQuery = (db: Queryable, owner: string, name: string) =>
  db.selectFrom('property_definitions').selectAll().where('owner_client_id', '=', owner).where('name', '=', name);

/** One definition, or undefined. */
export async function findDefinition(db: Queryable, owner: string, name: string): Promise<PropertyDef | undefined> {
  const row = await definitionQuery(db, owner, name).executeTakeFirst();
  return row && defFromRow(row);
}

/**
 * One definition, row-locked to the end of the transaction (FOR UPDATE on PostgreSQL; SQLite serialises writers);
 * `not_found` when there is none.
 */
export async function lockDefinitionOrThrow(tx: Tx, owner: string, name: string): Promise<PropertyDef> {
  const q = definitionQuery(tx.db, owner, name);
  const row = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Property ${name} not found in namespace ${owner}`);
  return defFromRow(row);
}

// ---------------------------------------------------------------- values: reach rules

export type ValueKind = 'license' | 'group';
export type Mode = 'read' | 'write';

export const isOwnNamespace = (caller: Caller, ns: string): boolean => caller.clientId !== null && ns === caller.clientId;

export const valueScope = (kind: ValueKind, reach: 'my' | 'all', mode: Mode): string =>
  `properties.${kind}.value--${reach}:${mode === 'read' ? 'ro' : 'rw'}`;

/** Footnotes 1 and 2: the caller's own namespace needs `--my`, any other namespace `--all`. */
export function requireNamespaceScope(caller: Caller, kind: ValueKind, ns: string, mode: Mode): void {
  requireScopes(caller.scopes, valueScope(kind, isOwnNamespace(caller, ns) ? 'my' : 'all', mode));
}

export const holdsAllReach = (caller: Caller, kind: ValueKind, mode: Mode): boolean =>
  hasScope(caller.scopes, valueScope(kind, 'all', mode));

/** Owner: everything; other client ids: published properties with the given public access only. */
export function reachable(caller: Caller, def: PropertyDef, mode: Mode): boolean {
  if (isOwnNamespace(caller, def.namespace)) return true;
  return def.publicAccess !== null && def.publicAccess.includes(mode);
}

export interface DefinitionFilter {
  /** Only these namespaces (undefined = all). */
  namespaces?: readonly string[];
  /** Only names starting with it. */
  namePrefix?: string;
}

/**
 * Definitions of the namespaces present on the caller's licence: applications of the licence's organization,
 * applications installed on the licence, the caller's own client id, and the built-in `test` namespace.
 * One query; `rows` runs it (undefined: only built-in definitions are wanted).
 */
async function definitionIndex(
  db: Queryable,
  caller: Caller,
  filter: DefinitionFilter,
  rows: (q: ReturnType<typeof storedDefinitions>) => Promise<PropertyDefinitionsTable[]>,
): Promise<DefIndex> {
  const index: DefIndex = new Map();
  const add = (d: PropertyDef) => {
    let m = index.get(d.namespace);
    if (!m) index.set(d.namespace, (m = new Map()));
    m.set(d.name, d);
  };
  const prefix = filter.namePrefix ?? '';
  const wanted = filter.namespaces;
  if (!wanted || wanted.includes(TEST_NAMESPACE)) {
    for (const d of TEST_PROPERTIES) if (d.name.startsWith(prefix)) add(d);
  }
  const stored = wanted?.filter((ns) => ns !== TEST_NAMESPACE);
  if (stored && stored.length === 0) return index;
  for (const r of await rows(storedDefinitions(db, caller, stored, prefix))) add(defFromRow(r));
  return index;
}

function storedDefinitions(db: Queryable, caller: Caller, namespaces: readonly string[] | undefined, prefix: string) {
  let q = db
    .selectFrom('property_definitions')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('organization_id', '=', caller.organizationId),
        eb('owner_client_id', 'in', installedClientIds(db, caller.licenseId)),
        ...(caller.clientId !== null ? [eb('owner_client_id', '=', caller.clientId)] : []),
      ]),
    );
  if (namespaces) q = q.where('owner_client_id', 'in', namespaces);
  if (prefix) q = q.where(namePrefixMatches(prefix));
  return q.orderBy('owner_client_id').orderBy('name');
}

/** The definitions the caller's licence reaches (see `definitionIndex`), narrowed by `filter`. */
export function loadDefinitions(db: Queryable, caller: Caller, filter: DefinitionFilter = {}): Promise<DefIndex> {
  return definitionIndex(db, caller, filter, (q) => q.execute());
}

/**
 * `loadDefinitions` inside a transaction, share-locking the rows (on PostgreSQL) to its end, so that a concurrent
 * unregister_property waits for a write of a value (and then deletes it) instead of leaving it behind.
 */
export function lockDefinitions(tx: Tx, caller: Caller, filter: DefinitionFilter = {}): Promise<DefIndex> {
  return definitionIndex(tx.db, caller, filter, (q) => (tx.dialect === 'postgres' ? q.forShare() : q).execute());
}

export async function insertDefinition(trx: Queryable, row: PropertyDefinitionsTable): Promise<void> {
  await trx.insertInto('property_definitions').values(row).execute();
}

export async function deleteDefinition(trx: Queryable, owner: string, name: string): Promise<void> {
  await trx.deleteFrom('property_definitions').where('owner_client_id', '=', owner).where('name', '=', name).execute();
}

/** Set the access of client ids other than the owner (publish_property). */
export async function setPublicAccess(trx: Queryable, owner: string, name: string, access: readonly AccessType[]): Promise<void> {
  await trx
    .updateTable('property_definitions')
    .set({ public_access: JSON.stringify(access) })
    .where('owner_client_id', '=', owner)
    .where('name', '=', name)
    .execute();
}

/** Every definition of one owner client id, by name. */
export async function definitionsOf(db: Queryable, owner: string): Promise<PropertyDef[]> {
  const rows = await db.selectFrom('property_definitions').selectAll().where('owner_client_id', '=', owner).orderBy('name').execute();
  return rows.map(defFromRow);
}

/** `substr(name, 1, n) = prefix`: no LIKE wildcards to escape; n counts code points as both dialects do. */
export const namePrefixMatches = (prefix: string) => sql<boolean>`substr(name, 1, ${[...prefix].length}) = ${prefix}`;
