/**
 * End-to-end webhook delivery: API change → outbox → worker → a real HTTP receiver on 127.0.0.1.
 * Retry delays are made small through the documented environment variables; every wait is bounded.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, newApp } from '../support/harness.js';
import { freshStore, testConfig } from '../support/stores.js';
import { Receiver, appOn, callApp, fastRetries, waitFor } from '../support/webhooks.js';
import { createCore } from '../../src/core.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { AUTO_ACCESS_ITEM_CONTRACTS, PAYLOAD_CONTRACTS } from '../../src/webhooks/catalog.js';
import { CONFIGURATION_ACTIONS, type ConfigurationAction } from '../../src/webhooks/outbox.js';

const FAST = fastRetries();

type Api = (action: string, body: unknown) => Promise<any>;

interface Case {
  action: ConfigurationAction;
  /** Make the change through the API; return the expected payload: exact, or a subset for full-state payloads. */
  run(api: Api, lic: BootstrapResult): Promise<{ exact?: unknown; subset?: Record<string, unknown> }>;
}

const SMITH = 'smith@example.com';
const newAgent = (api: Api, extra: Record<string, unknown> = {}) => api('create_agent', { id: SMITH, name: 'Agent Smith', ...extra });

/** One entry per configuration action this server emits (all 16). */
const CASES: Case[] = [
  {
    action: 'agent_created',
    async run(api) {
      await newAgent(api, { job_title: 'Support', max_chats_count: 5, groups: [{ id: 0, priority: 'first' }] });
      return {
        subset: {
          id: SMITH, name: 'Agent Smith', role: 'normal', job_title: 'Support', max_chats_count: 5,
          awaiting_approval: false, groups: [{ id: 0, priority: 'first' }],
        },
      };
    },
  },
  {
    action: 'agent_approved',
    async run(api) {
      await newAgent(api, { awaiting_approval: true });
      await api('approve_agent', { id: SMITH });
      return { exact: { id: SMITH } };
    },
  },
  {
    action: 'agent_updated',
    async run(api) {
      await newAgent(api);
      await api('update_agent', { id: SMITH, name: 'Agent J. Smith' });
      return { exact: { id: SMITH, name: 'Agent J. Smith' } };
    },
  },
  {
    action: 'agent_suspended',
    async run(api) {
      await newAgent(api);
      await api('suspend_agent', { id: SMITH });
      return { exact: { id: SMITH } };
    },
  },
  {
    action: 'agent_unsuspended',
    async run(api) {
      await newAgent(api);
      await api('suspend_agent', { id: SMITH });
      await api('unsuspend_agent', { id: SMITH });
      return { exact: { id: SMITH } };
    },
  },
  {
    action: 'agent_deleted',
    async run(api) {
      await newAgent(api);
      await api('delete_agent', { id: SMITH });
      return { exact: { id: SMITH } };
    },
  },
  {
    action: 'group_created',
    async run(api, lic) {
      const { id } = await api('create_group', { name: 'sales', agent_priorities: { [lic.owner.id]: 'normal' } });
      return { exact: { id, name: 'sales', language_code: 'en', agent_priorities: { [lic.owner.id]: 'normal' } } };
    },
  },
  {
    action: 'group_updated',
    async run(api, lic) {
      const { id } = await api('create_group', { name: 'sales', agent_priorities: { [lic.owner.id]: 'normal' } });
      await api('update_group', { id, name: 'support' });
      return { exact: { id, name: 'support' } };
    },
  },
  {
    action: 'group_deleted',
    async run(api, lic) {
      const { id } = await api('create_group', { name: 'sales', agent_priorities: { [lic.owner.id]: 'normal' } });
      await api('delete_group', { id });
      return { exact: { id } };
    },
  },
  {
    action: 'bot_created',
    async run(api, lic) {
      const { id } = await api('create_bot', { name: 'Helper', max_chats_count: 3, groups: [{ id: 0, priority: 'first' }] });
      return {
        subset: {
          id, name: 'Helper', owner_client_id: lic.client_id, max_chats_count: 3, groups: [{ id: 0, priority: 'first' }],
        },
      };
    },
  },
  {
    action: 'bot_updated',
    async run(api) {
      const { id } = await api('create_bot', { name: 'Helper' });
      await api('update_bot', { id, name: 'Helper 2', max_chats_count: 4 });
      return { exact: { id, name: 'Helper 2', max_chats_count: 4 } };
    },
  },
  {
    action: 'bot_deleted',
    async run(api) {
      const { id } = await api('create_bot', { name: 'Helper' });
      await api('delete_bot', { id });
      return { exact: { id } };
    },
  },
  {
    action: 'tag_created',
    async run(api, lic) {
      await api('create_tag', { name: 'vip', group_ids: [0] });
      return { subset: { name: 'vip', author_id: lic.owner.id, group_ids: [0] } };
    },
  },
  {
    action: 'tag_updated',
    async run(api, lic) {
      const { id } = await api('create_group', { name: 'sales', agent_priorities: { [lic.owner.id]: 'normal' } });
      await api('create_tag', { name: 'vip', group_ids: [0] });
      await api('update_tag', { name: 'vip', group_ids: [0, id] });
      return { exact: { name: 'vip', group_ids: [0, id] } };
    },
  },
  {
    action: 'tag_deleted',
    async run(api) {
      await api('create_tag', { name: 'vip' });
      await api('delete_tag', { name: 'vip' });
      return { exact: { name: 'vip' } };
    },
  },
  {
    action: 'auto_accesses_updated',
    async run(api) {
      const rule = {
        description: 'Shoes',
        access: { groups: [0] },
        conditions: { domain: { values: [{ value: 'shop.example.com', exact_match: true }] } },
      };
      const { id } = await api('add_auto_access', rule);
      return {
        exact: [
          {
            id,
            description: 'Shoes',
            access: { groups: [0] },
            conditions: { domain: { values: [{ value: 'shop.example.com', exact_match: true }] } },
            next_id: '',
            status: 'added',
          },
        ],
      };
    },
  },
];

function assertContract(action: ConfigurationAction, payload: any): void {
  if (action === 'auto_accesses_updated') {
    assert.ok(Array.isArray(payload) && payload.length > 0, 'auto_accesses_updated carries an array of changes');
    for (const item of payload) {
      const contract = AUTO_ACCESS_ITEM_CONTRACTS[item.status];
      assert.ok(contract, `unknown status ${item.status}`);
      for (const f of contract.required) assert.ok(f in item, `auto_accesses_updated item lacks ${f}`);
      const allowed = new Set([...contract.required, ...contract.optional]);
      for (const k of Object.keys(item)) assert.ok(allowed.has(k), `auto_accesses_updated item carries unexpected field ${k}`);
    }
    return;
  }
  const contract = PAYLOAD_CONTRACTS[action];
  for (const f of contract.required) assert.ok(f in payload, `${action} payload lacks ${f}`);
  const allowed = new Set([...contract.required, ...contract.optional]);
  for (const k of Object.keys(payload)) assert.ok(allowed.has(k), `${action} payload carries unexpected field ${k}`);
}

describeStores('webhook delivery', (h) => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.stop());

  const apiFor = (lic: BootstrapResult): Api => (action, body) => h().ok(action, body, { token: lic.bearer_token });
  const register = async (lic: BootstrapResult, action: string, path: string, extra: Record<string, unknown> = {}) =>
    (await h().ok('register_webhook', {
      action, url: rx.url(path), secret_key: `secret-${path}`, type: 'license', owner_client_id: lic.client_id, ...extra,
    }, { token: lic.bearer_token })).id as string;
  const deliveriesOf = (webhookId: string) =>
    h().store.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).execute();

  it('has a delivery case for every configuration action', () => {
    assert.deepEqual(CASES.map((c) => c.action).sort(), [...CONFIGURATION_ACTIONS].sort());
  });

  for (const c of CASES) {
    it(`delivers ${c.action} with the documented envelope and payload`, async () => {
      const lic = await h().bootstrap();
      const path = `/case/${c.action}/${lic.license_id}`;
      const webhookId = await register(lic, c.action, path);
      const expected = await c.run(apiFor(lic), lic);
      const [got] = await waitFor(`${c.action} delivery`, () => rx.acked(path).length >= 1 && rx.acked(path));
      assert.deepEqual(Object.keys(got!.body), ['webhook_id', 'secret_key', 'action', 'organization_id', 'payload', 'additional_data']);
      assert.equal(got!.body.webhook_id, webhookId);
      assert.equal(got!.body.secret_key, `secret-${path}`);
      assert.equal(got!.body.action, c.action);
      assert.equal(got!.body.organization_id, lic.organization_id);
      assert.deepEqual(got!.body.additional_data, {});
      if (expected.exact !== undefined) assert.deepEqual(got!.body.payload, expected.exact);
      for (const [k, v] of Object.entries(expected.subset ?? {})) assert.deepEqual(got!.body.payload[k], v, `payload.${k}`);
      assertContract(c.action, got!.body.payload);
      assert.match(String(got!.headers['content-type']), /^application\/json/);
      assert.match(String(got!.headers['x-webhook-delivery-id']), /^[0-9a-f-]{36}$/);
      // Exactly one event of this action on this licence, delivered once.
      await waitFor('the delivery to be marked delivered', async () =>
        JSON.stringify((await deliveriesOf(webhookId)).map((r) => r.status)) === '["delivered"]');
    });
  }

  it('honours filters.source_type (my_client, other_clients, system)', async () => {
    const lic = await h().bootstrap();
    const other = await newApp(h(), { organizationId: lic.organization_id, install: [lic.license_id] });
    const mine = await register(lic, 'group_created', `/src/${lic.license_id}/my`, { filters: { source_type: ['my_client'] } });
    const others = await register(lic, 'group_created', `/src/${lic.license_id}/other`, { filters: { source_type: ['other_clients'] } });
    const system = await register(lic, 'group_created', `/src/${lic.license_id}/system`, { filters: { source_type: ['system', 'other_clients'] } });
    const all = await register(lic, 'group_created', `/src/${lic.license_id}/all`, { owner_client_id: other });

    const members = { [lic.owner.id]: 'normal' };
    await h().ok('create_group', { name: 'by-me', agent_priorities: members }, { token: lic.bearer_token });
    const { token: otherToken } = await h().tokenFor(lic.owner.id, ['groups--all:rw'], { clientId: other, licenseId: lic.license_id });
    await h().ok('create_group', { name: 'by-other', agent_priorities: members }, { token: otherToken });
    const pat = await h().patFor(lic.owner.id, ['groups--all:rw'], lic.license_id);
    await h().ok('create_group', { name: 'by-pat', agent_priorities: members }, { authorization: pat });

    const names = (path: string) => rx.acked(path).map((r) => r.body.payload.name);
    await waitFor('all three events on the unfiltered webhook', () => names(`/src/${lic.license_id}/all`).length === 3);
    assert.deepEqual(names(`/src/${lic.license_id}/all`), ['by-me', 'by-other', 'by-pat']);
    await waitFor('filtered deliveries', () =>
      names(`/src/${lic.license_id}/my`).length === 1 && names(`/src/${lic.license_id}/other`).length === 1 &&
      names(`/src/${lic.license_id}/system`).length === 2);
    assert.deepEqual(names(`/src/${lic.license_id}/my`), ['by-me']);
    assert.deepEqual(names(`/src/${lic.license_id}/other`), ['by-other']);
    assert.deepEqual(names(`/src/${lic.license_id}/system`), ['by-other', 'by-pat']);
    // Filtered-out events are never queued.
    assert.equal((await deliveriesOf(mine)).length, 1);
    assert.equal((await deliveriesOf(others)).length, 1);
    assert.equal((await deliveriesOf(system)).length, 2);
    assert.equal((await deliveriesOf(all)).length, 3);
  });

  it('stops delivering while the licence webhooks are disabled', async () => {
    const lic = await h().bootstrap();
    const path = `/state/${lic.license_id}`;
    const id = await register(lic, 'agent_created', path);
    const api = apiFor(lic);
    await api('disable_license_webhooks', {});
    await api('create_agent', { id: 'while-off@example.com', name: 'Off' });
    await api('enable_license_webhooks', {});
    await api('create_agent', { id: 'while-on@example.com', name: 'On' });
    await waitFor('the event after enabling', () => rx.acked(path).length >= 1);
    // Deliveries of one webhook keep event order, so an earlier event would have arrived first.
    assert.deepEqual(rx.on(path).map((r) => r.body.payload.id), ['while-on@example.com']);
    assert.equal((await deliveriesOf(id)).length, 1);
  });

  it('sends nothing to an application that is not installed on the licence, nor to bot webhooks', async () => {
    const lic = await h().bootstrap();
    const notInstalled = await newApp(h(), { organizationId: lic.organization_id });
    const bot = await register(lic, 'agent_created', `/bot/${lic.license_id}`, { type: 'bot' });
    const stranger = await register(lic, 'agent_created', `/stranger/${lic.license_id}`, { owner_client_id: notInstalled });
    const path = `/licence/${lic.license_id}`;
    await register(lic, 'agent_created', path);
    await apiFor(lic)('create_agent', { id: 'someone@example.com', name: 'Someone' });
    await waitFor('the licence webhook', () => rx.acked(path).length === 1);
    assert.equal((await deliveriesOf(bot)).length, 0);
    assert.equal((await deliveriesOf(stranger)).length, 0);
  });

  it('delivers every event, in order, to a receiver that fails and then recovers', async () => {
    const lic = await h().bootstrap();
    const path = `/flaky/${lic.license_id}`;
    const webhookId = await register(lic, 'group_created', path);
    rx.behaviour = (p, n) => (p === path && n <= 4 ? 503 : 200);
    try {
      const api = apiFor(lic);
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await api('create_group', { name: `g${i}`, agent_priorities: { [lic.owner.id]: 'normal' } })).id);
      await waitFor('five acknowledged deliveries', () => rx.acked(path).length === 5);
      assert.deepEqual(rx.acked(path).map((r) => r.body.payload.id), ids);
      // The first delivery took the failures: 4 refused attempts, then success.
      const attempts = rx.on(path).map((r) => [r.body.payload.id, r.headers['x-webhook-attempt']]);
      assert.deepEqual(attempts.slice(0, 5), [1, 2, 3, 4, 5].map((n) => [ids[0], String(n)]));
      await waitFor('every delivery marked delivered', async () =>
        (await deliveriesOf(webhookId)).every((r) => r.status === 'delivered'));
    } finally {
      rx.behaviour = () => 200;
    }
  });

  it('cancels pending deliveries when the webhook is unregistered', async () => {
    const lic = await h().bootstrap();
    const path = `/gone/${lic.license_id}`;
    const webhookId = await register(lic, 'agent_created', path);
    rx.behaviour = (p) => (p === path ? 500 : 200);
    try {
      await apiFor(lic)('create_agent', { id: 'gone@example.com', name: 'Gone' });
      await waitFor('a refused attempt', () => rx.on(path).length >= 1);
      await h().ok('unregister_webhook', { id: webhookId, owner_client_id: lic.client_id }, { token: lic.bearer_token });
      await waitFor('the delivery to be cancelled', async () => {
        const rows = await deliveriesOf(webhookId);
        return rows.length === 1 && rows[0]!.status === 'cancelled' && rows[0]!.lease_until === null;
      });
    } finally {
      rx.behaviour = () => 200;
    }
  });

  it('loses nothing when the server restarts in the middle of a backlog', async () => {
    // A database of its own, so no other worker touches this backlog.
    const { store, drop } = await freshStore(h().kind, 4);
    try {
      const core = createCore(store, testConfig());
      const lic = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
      let app = await appOn(store, { env: FAST });
      const path = '/restart';
      // The receiver is down: the first request hangs (in flight at shutdown), the next ones are refused.
      let up = false;
      rx.behaviour = (_p, n) => (up ? 200 : n === 1 ? 'hang' : 500);
      await callApp(app, lic.bearer_token, 'register_webhook', {
        action: 'group_created', url: rx.url(path), secret_key: 's', type: 'license', owner_client_id: lic.client_id,
      });
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) {
        ids.push((await callApp(app, lic.bearer_token, 'create_group', { name: `r${i}`, agent_priorities: { [lic.owner.id]: 'normal' } })).id);
      }
      await waitFor('the first delivery to be in flight', () => rx.hangingCount() === 1);
      await app.close();
      const pending = await store.db.selectFrom('webhook_deliveries').selectAll().where('status', '=', 'pending').execute();
      assert.equal(pending.length, 6, 'the whole backlog is still pending after shutdown');
      assert.ok(pending.every((r) => r.lease_until === null), 'the interrupted claim was released');

      up = true;
      app = await appOn(store, { env: FAST });
      try {
        await waitFor('the backlog after the restart', () => rx.acked(path).length === 6);
        assert.deepEqual(rx.acked(path).map((r) => r.body.payload.id), ids);
        await waitFor('every delivery marked delivered', async () =>
          (await store.db.selectFrom('webhook_deliveries').select('status').execute()).every((r) => r.status === 'delivered'));
      } finally {
        await app.close();
      }
    } finally {
      rx.behaviour = () => 200;
      await drop();
    }
  });
}, { env: FAST });
