/** Event source for changes the service makes on its own (cleanup after delete_group): no client id. */
import type { Queryable } from '../store/db.js';
import type { EventSource } from '../webhooks/outbox.js';

export async function systemSource(trx: Queryable, licenseId: number): Promise<EventSource> {
  const lic = await trx.selectFrom('licenses').select('organization_id').where('id', '=', licenseId).executeTakeFirstOrThrow();
  return { licenseId, organizationId: lic.organization_id, clientId: null };
}
