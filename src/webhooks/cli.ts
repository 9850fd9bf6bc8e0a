/**
 * Operator commands for webhook deliveries:
 *   config-api deliveries list [--webhook ID] [--status pending|delivered|failed|cancelled] [--license L] [--action A] [--limit N]
 *   config-api deliveries retry <delivery id>      (failed deliveries only, with the install/enable checks)
 *   config-api deliveries resend <delivery id>     (any delivery, as POST /admin/deliveries/{id}/resend)
 * Secrets (secret_key) are never printed.
 */
import { ApiError } from '../kernel/errors.js';
import type { Command } from '../cli/main.js';
import { nowIso } from '../store/db.js';
import { deliveryCounts } from './delivery.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from './tables.js';
import { listDeliveries, resendDelivery } from './deliveries.js';

const STATUSES: readonly string[] = DELIVERY_STATUSES;

function intFlag(value: unknown, name: string, def: number, max: number): number {
  if (value === undefined) return def;
  const v = Number(value);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new ApiError('validation', `--${name} must be an integer between 1 and ${max}`);
  return v;
}

export const deliveryCommands: Record<string, Command> = {
  async 'deliveries list'({ flags, withStore }) {
    const status = flags.status as string | undefined;
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new ApiError('validation', `--status must be one of ${STATUSES.join(', ')}`);
    }
    const webhook = flags.webhook as string | undefined;
    const license = flags.license === undefined ? undefined : intFlag(flags.license, 'license', 0, Number.MAX_SAFE_INTEGER);
    const limit = intFlag(flags.limit, 'limit', 100, 1000);
    const { rows, counts } = await withStore(async (store) => ({
      rows: await listDeliveries(store.db, {
        status: status as DeliveryStatus | undefined,
        webhookId: webhook,
        licenseId: license,
        action: flags.action as string | undefined,
        limit,
        includeBody: false, // it holds the secret key: never printed
      }),
      counts: await deliveryCounts(store),
    }));
    const text = [
      `pending ${counts.pending}, delivered ${counts.delivered}, failed ${counts.failed}, cancelled ${counts.cancelled}`,
      ...rows.map(
        (r) =>
          `${r.id}  ${r.status.padEnd(9)} ${r.action.padEnd(18)} licence ${r.license_id}  webhook ${r.webhook_id}  ` +
          `attempts ${r.attempts}${r.last_status ? `  last HTTP ${r.last_status}` : ''}${r.last_error ? `  (${r.last_error})` : ''}`,
      ),
    ].join('\n');
    return { json: { counts, deliveries: rows }, text };
  },

  async 'deliveries retry'({ positionals, withStore }) {
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new ApiError('validation', 'Usage: config-api deliveries retry <delivery id>');
    const out = await withStore(async (store) =>
      store.db.transaction().execute(async (trx) => {
        const row = await trx.selectFrom('webhook_deliveries').select(['id', 'status', 'webhook_id', 'license_id']).where('id', '=', id).executeTakeFirst();
        if (!row) throw new ApiError('not_found', `Delivery ${id} not found`);
        if (row.status !== 'failed') {
          throw new ApiError('validation', `Only failed deliveries can be retried; ${id} is ${row.status}`);
        }
        const hook = await trx.selectFrom('webhooks').select(['id', 'owner_client_id']).where('id', '=', row.webhook_id).executeTakeFirst();
        if (!hook) throw new ApiError('validation', `The webhook of delivery ${id} was unregistered`);
        // Same rules as new events: the application must still be installed and its licence webhooks enabled.
        const installed = await trx
          .selectFrom('installations as i')
          .leftJoin('webhook_license_states as s', (j) =>
            j.onRef('s.client_id', '=', 'i.client_id').onRef('s.license_id', '=', 'i.license_id'),
          )
          .select('s.enabled')
          .where('i.client_id', '=', hook.owner_client_id)
          .where('i.license_id', '=', row.license_id)
          .executeTakeFirst();
        if (!installed) throw new ApiError('validation', `The application is no longer installed on licence ${row.license_id}`);
        if (installed.enabled === 0) {
          throw new ApiError('validation', `Licence ${row.license_id} has its webhooks disabled for this application; enable them first`);
        }
        const now = nowIso();
        await trx
          .updateTable('webhook_deliveries')
          .set({ status: 'pending', attempts: 0, next_attempt_at: now, retried_at: now, lease_owner: null, lease_until: null, updated_at: now })
          .where('id', '=', id)
          .where('status', '=', 'failed')
          .execute();
        return { id, status: 'pending' };
      }),
    );
    return { json: out, text: `Delivery ${id} queued again` };
  },

  async 'deliveries resend'({ positionals, withCore }) {
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new ApiError('validation', 'Usage: config-api deliveries resend <delivery id>');
    const out = await withCore((core) => core.transaction((trx) => resendDelivery(trx, id)));
    return { json: out, text: `Delivery ${id} (${out.previous_status}) queued again` };
  },
};
