/** Which webhook events are stored: only those a webhook wants (default), or all of them (WEBHOOK_EVENT_LOG=all). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, eventsSince, type Harness } from '../helpers.js';
import { loadConfig } from '../../src/config.js';
import { Receiver, waitFor } from './support.js';

const storedEvents = (h: Harness) => eventsSince(h, 0);

describeStores(
  'webhook event log: subscribed (the default)',
  (h) => {
    const rx = new Receiver();
    before(() => rx.start());
    after(() => rx.stop());

    it('stores no event that no webhook wants; stores and delivers the ones a webhook wants', async () => {
      const owner = h().boot.owner.id;
      await h().ok('update_agent', { id: owner, job_title: 'unwatched' });
      assert.deepEqual(await storedEvents(h()), [], 'no webhook: nothing stored');

      const path = `/event-log/${h().kind}`;
      await h().ok('register_webhook', {
        action: 'agent_updated', url: rx.url(path), secret_key: 's', type: 'license', owner_client_id: h().boot.client_id,
      });
      await h().ok('update_agent', { id: owner, job_title: 'watched' });
      await h().ok('create_group', { name: 'not watched', agent_priorities: { [owner]: 'normal' } });
      const stored = await storedEvents(h());
      assert.deepEqual(stored.map((e) => e.action), ['agent_updated'], 'only the subscribed action is stored');
      assert.equal(stored[0]!.payload.job_title, 'watched');
      const [got] = await waitFor('the delivery', () => rx.acked(path).length >= 1 && rx.acked(path));
      assert.equal(got!.body.payload.job_title, 'watched');
    });

    it('a webhook whose source_type filter excludes the change does not make it stored', async () => {
      const before = (await storedEvents(h())).length;
      await h().ok('register_webhook', {
        action: 'group_updated', url: rx.url('/never'), secret_key: 's', type: 'license', owner_client_id: h().boot.client_id,
        filters: { source_type: ['other_clients'] },
      });
      await h().ok('update_group', { id: 0, name: 'General, renamed' }); // made by the webhook owner's own client id
      assert.equal((await storedEvents(h())).length, before);
    });
  },
  { eventLog: 'subscribed' },
);

describeStores(
  'webhook event log: all',
  (h) => {
    it('stores every event, wanted by a webhook or not', async () => {
      await h().ok('update_agent', { id: h().boot.owner.id, job_title: 'audited' });
      const stored = await storedEvents(h());
      assert.deepEqual(stored.map((e) => e.action), ['agent_updated']);
      assert.equal(stored[0]!.payload.job_title, 'audited');
    });
  },
  { eventLog: 'all' },
);

describe('WEBHOOK_EVENT_LOG', () => {
  it('is subscribed by default, accepts all, refuses anything else', () => {
    const mode = (v?: string) => loadConfig({ WEBHOOK_EVENT_LOG: v }).webhooks.eventLog;
    assert.equal(mode(undefined), 'subscribed');
    assert.equal(mode(''), 'subscribed');
    assert.equal(mode('ALL'), 'all');
    assert.throws(() => mode('some'), /WEBHOOK_EVENT_LOG must be one of subscribed, all, got "some"/);
  });
});
