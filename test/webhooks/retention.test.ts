import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores } from '../support/harness.js';
import { Receiver, fastRetries, waitFor } from '../support/webhooks.js';
import { pruneWebhookHistory } from '../../src/webhooks/retention.js';


describeStores('webhook history retention', (h) => {
  it('prunes old delivered deliveries and unreferenced events, keeps failed ones and recent history', async () => {
    const rx = await new Receiver().start();
    try {
      const lic = await h().bootstrap();
      const { id } = await h().ok('register_webhook', {
        action: 'group_created', url: rx.url('/keep'), secret_key: 's', type: 'license', owner_client_id: lic.client_id,
      }, { token: lic.bearer_token });
      await h().ok('create_group', { name: 'old', agent_priorities: { [lic.owner.id]: 'normal' } }, { token: lic.bearer_token });
      await waitFor('delivered', async () =>
        (await h().store.db.selectFrom('webhook_deliveries').select('status').where('webhook_id', '=', id).executeTakeFirst())?.status === 'delivered');
      const db = h().store.db;
      const attemptsOf = async () =>
        (await db.selectFrom('webhook_delivery_attempts as a').innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
          .select(['a.attempt', 'a.status']).where('d.webhook_id', '=', id).execute()).map((a) => [Number(a.attempt), a.status]);
      assert.deepEqual(await attemptsOf(), [[1, 200]]); // the worker recorded its one POST
      const deliveryIds = (await db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', id).execute()).map((d) => d.id);
      const before = await db.selectFrom('webhook_events').select('id').where('license_id', '=', lic.license_id).execute();
      assert.ok(before.length >= 1);
      // Nothing is old enough yet.
      assert.deepEqual(await pruneWebhookHistory(db, '2000-01-01T00:00:00.000Z'), { deliveries: 0, events: 0 });
      // A failed delivery is kept even when old.
      await db.updateTable('webhook_deliveries').set({ status: 'failed' }).where('webhook_id', '=', id).execute();
      const future = new Date(Date.now() + 60_000).toISOString();
      const kept = await pruneWebhookHistory(db, future);
      assert.equal(kept.deliveries, 0);
      assert.equal((await db.selectFrom('webhook_deliveries').select('id').where('webhook_id', '=', id).execute()).length, 1);
      await db.updateTable('webhook_deliveries').set({ status: 'delivered' }).where('webhook_id', '=', id).execute();
      const pruned = await pruneWebhookHistory(db, future);
      assert.ok(pruned.deliveries >= 1 && pruned.events >= 1);
      assert.equal((await db.selectFrom('webhook_events').select('id').where('license_id', '=', lic.license_id).execute()).length, 0);
      // The pruned deliveries' attempts go with them.
      assert.equal((await db.selectFrom('webhook_delivery_attempts').select('id').where('delivery_id', 'in', deliveryIds).execute()).length, 0);
    } finally {
      await rx.stop();
    }
  });
}, { env: fastRetries() });
