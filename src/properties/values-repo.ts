/**
 * The only module that reads and writes `property_values`: the values of registered properties on a licence
 * (group_id = LICENSE_TARGET) or on its groups.
 */
import type { Queryable } from '../store/store.js';
import { namePrefixMatches } from './definitions.js';

export interface PropertyValuesTable {
  license_id: number;
  /** -1 = the licence itself; otherwise a group id of the licence. */
  group_id: number;
  namespace: string;
  name: string;
  /** JSON value. */
  value: string;
  updated_at: string;
}

declare module '../store/schema.js' {
  interface Database {
    property_values: PropertyValuesTable;
  }
}

const UPSERT_CHUNK = 500;

/** Insert or replace values (the key is licence, target, namespace and name), a few hundred per statement. */
export async function upsertValues(trx: Queryable, rows: readonly PropertyValuesTable[]): Promise<void> {
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    await trx
      .insertInto('property_values')
      .values(rows.slice(i, i + UPSERT_CHUNK))
      .onConflict((oc) =>
        oc
          .columns(['license_id', 'group_id', 'namespace', 'name'])
          .doUpdateSet((eb) => ({ value: eb.ref('excluded.value'), updated_at: eb.ref('excluded.updated_at') })),
      )
      .execute();
  }
}

/** Delete the named values of one namespace on one target. */
export async function deleteValues(
  trx: Queryable,
  licenseId: number,
  target: number,
  namespace: string,
  names: readonly string[],
): Promise<void> {
  if (names.length === 0) return;
  await trx
    .deleteFrom('property_values')
    .where('license_id', '=', licenseId)
    .where('group_id', '=', target)
    .where('namespace', '=', namespace)
    .where('name', 'in', names as string[])
    .execute();
}

/** Stored values (JSON text) of the given targets, optionally only of `namespaces` and names with `namePrefix`. */
export function selectValues(
  db: Queryable,
  licenseId: number,
  targets: readonly number[],
  filter: { namespaces?: readonly string[]; namePrefix?: string } = {},
): Promise<{ group_id: number; namespace: string; name: string; value: string }[]> {
  let q = db
    .selectFrom('property_values')
    .select(['group_id', 'namespace', 'name', 'value'])
    .where('license_id', '=', licenseId)
    .where('group_id', 'in', targets as number[]);
  if (filter.namespaces) q = q.where('namespace', 'in', filter.namespaces as string[]);
  if (filter.namePrefix) q = q.where(namePrefixMatches(filter.namePrefix));
  return q.execute();
}

/** Every value of one group (it is being deleted). */
export async function deleteGroupValues(trx: Queryable, licenseId: number, groupId: number): Promise<void> {
  await trx.deleteFrom('property_values').where('license_id', '=', licenseId).where('group_id', '=', groupId).execute();
}

/** Every value of one property in every licence (it is being unregistered). */
export async function deletePropertyValues(trx: Queryable, namespace: string, name: string): Promise<void> {
  await trx.deleteFrom('property_values').where('namespace', '=', namespace).where('name', '=', name).execute();
}
