/**
 * Delivery failures: the attempt budget, timeouts, a slow receiver next to a healthy one, and the operator CLI
 * (`config-api deliveries list|retry`, run in-process on its own connection to the same database).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores } from '../support/harness.js';
import { cliJson } from '../support/cli.js';
import { installApplication } from '../../src/provisioning/applications.js';
import { Receiver, fastRetries, waitFor } from '../support/webhooks.js';
import { getDelivery } from '../../src/webhooks/delivery-views.js';
import type { BootstrapResult } from '../../src/provisioning/bootstrap.js';

const FAST = fastRetries({ WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_MAX_MS: '20' });

describeStores('webhook delivery failures', (h) => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.stop());

  const register = async (lic: BootstrapResult, path: string) =>
    (await h().ok('register_webhook', {
      action: 'group_created', url: rx.url(path), secret_key: 'never-printed', type: 'license', owner_client_id: lic.client_id,
    }, { token: lic.bearer_token })).id as string;
  const createGroup = (lic: BootstrapResult, name: string) =>
    h().ok('create_group', { name, agent_priorities: { [lic.owner.id]: 'normal' } }, { token: lic.bearer_token });
  const deliveriesOf = (webhookId: string) =>
    h().store.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).orderBy('event_seq').execute();

  it('writes each attempt into the delivery history with the outcome: a refused POST, then the one that was taken', async () => {
    const lic = await h().bootstrap();
    const path = `/flaky/${lic.license_id}`;
    const webhookId = await register(lic, path);
    let refused = 0;
    rx.behaviour = (p) => (p === path && refused++ === 0 ? 503 : 200);
    try {
      await createGroup(lic, 'second time lucky');
      const [delivered] = await waitFor('the delivery to succeed', async () => {
        const rows = await deliveriesOf(webhookId);
        return rows.length === 1 && rows[0]!.status === 'delivered' && rows;
      });
      assert.deepEqual([delivered!.attempts, delivered!.last_status, delivered!.last_error, delivered!.lease_until], [2, 200, null, null]);
      const detail = await getDelivery(h().store.db, delivered!.id);
      assert.deepEqual(detail!.attempt_log.map((a) => [a.attempt, a.status]), [[1, 503], [2, 200]]);
      assert.ok(detail!.attempt_log.every((a) => a.duration_ms >= 0 && Date.parse(a.at) > 0), JSON.stringify(detail!.attempt_log));
      assert.equal(rx.on(path).length, 2);
    } finally {
      rx.behaviour = () => 200;
    }
  });

  it('marks a delivery failed after the attempt budget; the CLI lists and retries it', async () => {
    const lic = await h().bootstrap();
    const path = `/down/${lic.license_id}`;
    const webhookId = await register(lic, path);
    let up = false;
    rx.behaviour = (p) => (p === path && !up ? 500 : 200);
    try {
      const { id: groupId } = await createGroup(lic, 'doomed');
      const [failed] = await waitFor('the delivery to fail', async () => {
        const rows = await deliveriesOf(webhookId);
        return rows.length === 1 && rows[0]!.status === 'failed' && rows;
      });
      assert.equal(failed!.attempts, 3);
      assert.equal(failed!.last_status, 500);
      assert.equal(rx.on(path).length, 3);

      const list = await cliJson(h(), ['deliveries', 'list', '--status', 'failed', '--webhook', webhookId]);
      assert.equal(list.code, 0);
      assert.deepEqual(list.json.deliveries.map((d: any) => [d.id, d.status, d.action, d.attempts, d.last_status]), [
        [failed!.id, 'failed', 'group_created', 3, 500],
      ]);
      assert.ok(list.json.counts.failed >= 1);
      assert.equal(JSON.stringify(list.json).includes('never-printed'), false, 'the secret key is never printed');

      // While the licence has the application's webhooks disabled, a retry is refused.
      await h().ok('disable_license_webhooks', {}, { token: lic.bearer_token });
      const refused = await cliJson(h(), ['deliveries', 'retry', failed!.id]);
      assert.equal(refused.code, 1);
      assert.match(refused.json.error.message, /disabled/);
      await h().ok('enable_license_webhooks', {}, { token: lic.bearer_token });

      up = true;
      const retry = await cliJson(h(), ['deliveries', 'retry', failed!.id]);
      assert.deepEqual(retry, { code: 0, json: { id: failed!.id, status: 'pending' } });
      await waitFor('the retried delivery', () => rx.acked(path).length === 1);
      assert.equal(rx.acked(path)[0]!.body.payload.id, groupId);
      await waitFor('delivered status', async () => (await deliveriesOf(webhookId))[0]!.status === 'delivered');

      const again = await cliJson(h(), ['deliveries', 'retry', failed!.id]);
      assert.equal(again.code, 1);
      assert.equal(again.json.error.type, 'validation');
      const missing = await cliJson(h(), ['deliveries', 'retry', 'no-such-delivery']);
      assert.equal(missing.json.error.type, 'not_found');
      const bad = await cliJson(h(), ['deliveries', 'list', '--status', 'lost']);
      assert.equal(bad.code, 1);
      assert.equal(bad.json.error.type, 'validation');
    } finally {
      rx.behaviour = () => 200;
    }
  });

  it('times out a receiver that never answers without holding up another receiver or the API', async () => {
    const lic = await h().bootstrap();
    const slow = `/slow/${lic.license_id}`;
    const fast = `/fast/${lic.license_id}`;
    const slowId = await register(lic, slow);
    await register(lic, fast);
    rx.behaviour = (p) => (p === slow ? 'hang' : 200);
    try {
      await createGroup(lic, 'first');
      await waitFor('the slow receiver to hold a request', () => rx.on(slow).length >= 1);
      // While that request hangs, the API answers and the healthy receiver gets its deliveries.
      await createGroup(lic, 'second');
      await waitFor('the healthy receiver', () => rx.acked(fast).length === 2);
      assert.deepEqual(rx.acked(fast).map((r) => r.body.payload.name), ['first', 'second']);
      const rows = await waitFor('the slow deliveries to fail', async () => {
        const r = await deliveriesOf(slowId);
        return r.length === 2 && r.every((d) => d.status === 'failed') && r;
      });
      assert.match(String(rows[0]!.last_error), /timed out/);
      assert.equal(rows[0]!.last_status, null);
    } finally {
      rx.behaviour = () => 200;
    }
  });
}, { env: FAST });

/**
 * Per-webhook concurrency, with a generous attempt budget: the held requests stay open while they are counted, and
 * a busy machine cannot spend a small budget on time-outs before the receiver recovers.
 */
describeStores('webhook delivery: per-webhook concurrency', (h) => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.stop());
  const register = async (lic: BootstrapResult, path: string) =>
    (await h().ok('register_webhook', {
      action: 'group_created', url: rx.url(path), secret_key: 's', type: 'license', owner_client_id: lic.client_id,
    }, { token: lic.bearer_token })).id as string;
  const createGroup = (lic: BootstrapResult, name: string) =>
    h().ok('create_group', { name, agent_priorities: { [lic.owner.id]: 'normal' } }, { token: lic.bearer_token });

  it('keeps a webhook installed on many licences within its per-webhook concurrency', async () => {
    const lic = await h().bootstrap();
    const path = `/wide/${lic.license_id}`;
    await register(lic, path);
    const others = [];
    for (let i = 0; i < 6; i++) {
      const other = await h().bootstrap();
      await h().core.transaction((tx) => installApplication(tx, h().core.cascades, lic.client_id, other.license_id));
      others.push(other);
    }
    rx.behaviour = (p) => (p === path ? 'hang' : 200);
    try {
      for (const o of others) await createGroup(o, `wide-${o.license_id}`);
      const cap = h().config.webhooks.perWebhookConcurrency;
      await waitFor('the receiver to hold the first requests', () => rx.on(path).length >= Math.min(cap, others.length));
      // Watch the requests held open over several poll cycles (well within this suite's 2 s attempt timeout, so
      // the first attempts are still held and no delivery spends more than one attempt here).
      assert.ok(cap < others.length, 'the scenario needs more streams than the cap');
      let most = 0;
      for (let i = 0; i < 15; i++) {
        most = Math.max(most, rx.hangingCount());
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(most <= cap, `at most ${cap} requests in flight for one webhook, saw ${most}`);
      assert.ok(most >= 1);
    } finally {
      rx.behaviour = () => 200;
      rx.dropHanging();
    }
    await waitFor('every licence delivered after the receiver recovers', () => new Set(rx.acked(path).map((r) => r.body.payload.name)).size === others.length);
  });
}, { env: fastRetries({ WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_MAX_ATTEMPTS: '100' }) });
