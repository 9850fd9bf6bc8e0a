/** `config-api deliveries list|retry|resend`: operator view of webhook deliveries. Secrets are never printed. */
import { Option, type Command } from 'commander';
import { listDeliveries } from '../../webhooks/delivery-views.js';
import { resendDelivery, retryFailedDelivery } from '../../webhooks/redelivery.js';
import { deliveryCounts } from '../../webhooks/delivery-stats.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../../webhooks/tables.js';
import { printing, type CliContext } from '../context.js';
import { integerBetween, licenceId } from '../options.js';

export function deliveriesCommand(program: Command, ctx: CliContext): void {
  const deliveries = program.command('deliveries').description('Webhook deliveries');

  const list = deliveries
    .command('list')
    .description(
      'Webhook deliveries, newest first → {counts:{pending,delivered,failed,cancelled}, deliveries:[{id, webhook_id, url, ' +
        'event_id, action, license_id, status, attempts, next_attempt_at, last_status, last_error, lease_owner, created_at, retried_at, delivered_at}]}',
    )
    .option('--webhook <id>', 'only deliveries to this webhook')
    .addOption(new Option('--status <status>', 'only deliveries in this status').choices(DELIVERY_STATUSES))
    .option('--license <id>', 'only deliveries of this licence', licenceId)
    .option('--limit <n>', 'at most this many (1–1000)', integerBetween(1, 1000), 100);
  printing(list, ctx, async (o: { webhook?: string; status?: DeliveryStatus; license?: number; limit: number }) => {
    const { counts, rows } = await ctx.withCore(async ({ store }) => ({
      counts: await deliveryCounts(store),
      // The body holds the webhook's secret key: never listed here.
      rows: (await listDeliveries(store.db, { status: o.status, webhookId: o.webhook, licenseId: o.license, limit: o.limit, includeBody: false })).map((d) => ({
        id: d.id, webhook_id: d.webhook_id, url: d.url, event_id: d.event_id, action: d.action, license_id: d.license_id, status: d.status,
        attempts: d.attempts, next_attempt_at: d.next_attempt_at, last_status: d.last_status, last_error: d.last_error,
        lease_owner: d.lease_owner, created_at: d.created_at, retried_at: d.retried_at, delivered_at: d.delivered_at,
      })),
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
  });

  const retry = deliveries
    .command('retry')
    .description('Queue a failed delivery again with a fresh attempt count and time budget → {id, status:"pending"}')
    .argument('<delivery-id>', 'the delivery to retry');
  printing(retry, ctx, async (id: string) => {
    const out = await ctx.withCore((core) => core.transaction((tx) => retryFailedDelivery(tx, id)));
    return { json: out, text: `Delivery ${id} queued again` };
  });

  const resend = deliveries
    .command('resend')
    .description('Queue any delivery again (delivered, failed or cancelled), as POST /admin/deliveries/{id}/resend → {id, status:"pending", previous_status}')
    .argument('<delivery-id>', 'the delivery to send again');
  printing(resend, ctx, async (id: string) => {
    const out = await ctx.withCore((core) => core.transaction((tx) => resendDelivery(tx, id)));
    return { json: out, text: `Delivery ${id} (${out.previous_status}) queued again` };
  });
}
