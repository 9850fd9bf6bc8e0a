import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, install, newApp, type Harness } from '../support/harness.js';
import { WEBHOOK_ACTIONS } from '../../src/webhooks/catalog.js';

const hook = (h: Harness, extra: Record<string, unknown> = {}) => ({
  url: 'https://example.com/hooks',
  secret_key: 'sk-123',
  action: 'agent_created',
  type: 'license',
  owner_client_id: h.boot.client_id,
  ...extra,
});

describeStores('webhooks registry', (h) => {
  it('registers, lists and unregisters a webhook', async () => {
    const { id } = await h().ok('register_webhook', hook(h(), { description: 'Test webhook', action: 'group_created' }));
    assert.match(id, /^[0-9a-f]{32}$/);
    const list = await h().ok('list_webhooks', { owner_client_id: h().boot.client_id });
    const mine = list.find((w: any) => w.id === id);
    assert.deepEqual(mine, {
      id,
      url: 'https://example.com/hooks',
      description: 'Test webhook',
      action: 'group_created',
      owner_client_id: h().boot.client_id,
      type: 'license',
    });
    assert.equal(JSON.stringify(list).includes('sk-123'), false, 'secret_key is never listed');
    await h().ok('unregister_webhook', { id, owner_client_id: h().boot.client_id });
    const after = await h().ok('list_webhooks', { owner_client_id: h().boot.client_id });
    assert.equal(after.some((w: any) => w.id === id), false);
    expectError(await h().call('unregister_webhook', { id, owner_client_id: h().boot.client_id }), 'not_found', 404);
  });

  it('requires action, secret_key, url, owner_client_id and type', async () => {
    for (const field of ['action', 'secret_key', 'url', 'owner_client_id', 'type']) {
      const body: Record<string, unknown> = hook(h());
      delete body[field];
      const res = await h().call('register_webhook', body);
      expectError(res, 'validation', 400);
      assert.equal(res.body.error.message, `\`${field}\` is required`);
    }
    expectError(await h().call('register_webhook', hook(h(), { type: 'chat' })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { action: 'agent_status_changed' })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { secret_key: '' })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { description: 5 })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { surprise: true })), 'validation', 400);
  });

  it('accepts only absolute http and https URLs', async () => {
    for (const url of ['/relative', 'ftp://example.com/x', 'example.com/hooks', 'javascript:alert(1)', 'http://']) {
      const res = await h().call('register_webhook', hook(h(), { url }));
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, /`url`/);
    }
    await h().ok('register_webhook', hook(h(), { url: 'http://127.0.0.1:9/x?y=1', action: 'tag_created' }));
  });

  it('registers chat-side actions too (every triggering action)', async () => {
    const { id } = await h().ok('register_webhook', hook(h(), {
      action: 'incoming_chat',
      filters: { chat_presence: { user_ids: { values: ['johndoe@mail.com'] }, my_bots: true }, only_my_chats: true },
      additional_data: ['chat_properties'],
    }));
    const list = await h().ok('list_webhooks', { owner_client_id: h().boot.client_id });
    const w = list.find((x: any) => x.id === id);
    assert.deepEqual(w.filters, { chat_presence: { user_ids: { values: ['johndoe@mail.com'] }, my_bots: true }, only_my_chats: true });
    assert.deepEqual(w.additional_data, ['chat_properties']);
    assert.equal(w.action, 'incoming_chat');
  });

  it('accepts only the filters the action lists', async () => {
    const bad = await h().call('register_webhook', hook(h(), { filters: { author_type: 'agent' } }));
    expectError(bad, 'validation', 400);
    assert.equal(bad.body.error.message, '`filters.author_type` is not available for the `agent_created` action');
    expectError(await h().call('register_webhook', hook(h(), { filters: { only_my_chats: true } })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { filters: { agent_ids: ['a@b.c'] } })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { action: 'incoming_event', filters: { author_type: 'bot' } })), 'validation', 400);
    await h().ok('register_webhook', hook(h(), { action: 'incoming_event', filters: { author_type: 'customer' } }));
    await h().ok('register_webhook', hook(h(), { action: 'routing_status_set', filters: { agent_ids: ['a@b.c'], source_type: ['system'] } }));
    expectError(await h().call('register_webhook', hook(h(), { filters: { source_type: ['robots'] } })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { filters: { source_type: [] } })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { filters: { nope: 1 } })), 'validation', 400);
  });

  it('takes values or exclude_values in chat_presence.user_ids, not both', async () => {
    const both = await h().call('register_webhook', hook(h(), {
      action: 'chat_deactivated',
      filters: { chat_presence: { user_ids: { values: ['a'], exclude_values: ['b'] } } },
    }));
    expectError(both, 'validation', 400);
    assert.match(both.body.error.message, /exactly one of `values` or `exclude_values`/);
    expectError(await h().call('register_webhook', hook(h(), {
      action: 'chat_deactivated',
      filters: { chat_presence: { user_ids: {} } },
    })), 'validation', 400);
    await h().ok('register_webhook', hook(h(), {
      action: 'chat_deactivated',
      filters: { chat_presence: { user_ids: { exclude_values: ['b'] } } },
    }));
  });

  it('accepts additional_data only where the action allows it', async () => {
    const res = await h().call('register_webhook', hook(h(), { action: 'agent_deleted', additional_data: ['chat_properties'] }));
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, /`additional_data` is not available for the `agent_deleted` action/);
    expectError(await h().call('register_webhook', hook(h(), { action: 'incoming_customer', additional_data: ['chat_presence_user_ids'] })), 'validation', 400);
    expectError(await h().call('register_webhook', hook(h(), { additional_data: ['everything'] })), 'validation', 400);
    await h().ok('register_webhook', hook(h(), { action: 'agent_updated', additional_data: ['chat_presence_user_ids'] }));
  });

  it('allows three webhooks per action per client id (the fourth is limit_reached)', async () => {
    const app = await newApp(h());
    for (let i = 0; i < 3; i++) await h().ok('register_webhook', hook(h(), { owner_client_id: app, action: 'bot_deleted', url: `https://e.com/${i}` }));
    const res = await h().call('register_webhook', hook(h(), { owner_client_id: app, action: 'bot_deleted', type: 'bot' }));
    expectError(res, 'limit_reached', 422);
    await h().ok('register_webhook', hook(h(), { owner_client_id: app, action: 'bot_created' }));
    const other = await newApp(h());
    await h().ok('register_webhook', hook(h(), { owner_client_id: other, action: 'bot_deleted' }));
    const list = await h().ok('list_webhooks', { owner_client_id: app });
    assert.equal(list.filter((w: any) => w.action === 'bot_deleted').length, 3);
    // Unregistering frees a place.
    await h().ok('unregister_webhook', { id: list[0].id, owner_client_id: app });
    await h().ok('register_webhook', hook(h(), { owner_client_id: app, action: 'bot_deleted' }));
  });

  it('needs owner_client_id to be an application of the caller’s organization', async () => {
    const other = await h().bootstrap();
    const res = await h().call('register_webhook', hook(h(), { owner_client_id: other.client_id }));
    expectError(res, 'authorization', 403);
    assert.match(res.body.error.message, /`owner_client_id`/);
    expectError(await h().call('register_webhook', hook(h(), { owner_client_id: 'no-such-client' })), 'authorization', 403);
    expectError(await h().call('list_webhooks', { owner_client_id: other.client_id }), 'authorization', 403);
    expectError(await h().call('unregister_webhook', { id: 'x', owner_client_id: other.client_id }), 'authorization', 403);
    // A PAT works with an application of the organization; owner_client_id stays required.
    const pat = await h().patFor(h().boot.owner.id);
    await h().ok('register_webhook', hook(h(), { action: 'tag_deleted' }), { authorization: pat });
    const missing = await h().call('list_webhooks', {}, { authorization: pat });
    expectError(missing, 'validation', 400);
    assert.equal(missing.body.error.message, '`owner_client_id` is required');
  });

  it("refuses another organization's agents managing an installed application's webhooks, even with its token", async () => {
    const vendor = await h().bootstrap();
    await install(h(), vendor.client_id, h().boot.license_id);
    const { id: vendorHook } = await h().ok('register_webhook', hook(h(), { owner_client_id: vendor.client_id, action: 'tag_updated' }), { token: vendor.bearer_token });
    // An agent of this licence holding a token issued to the vendor's application is not the vendor.
    const { token } = await h().tokenFor(h().boot.owner.id, ['webhooks.configuration:rw'], { clientId: vendor.client_id });
    expectError(await h().call('register_webhook', hook(h(), { owner_client_id: vendor.client_id, action: 'tag_created' }), { token }), 'authorization', 403);
    expectError(await h().call('list_webhooks', { owner_client_id: vendor.client_id }, { token }), 'authorization', 403);
    expectError(await h().call('unregister_webhook', { id: vendorHook, owner_client_id: vendor.client_id }, { token }), 'authorization', 403);
    expectError(await h().call('list_webhooks', { owner_client_id: vendor.client_id }), 'authorization', 403);
    const stillThere = await h().ok('list_webhooks', { owner_client_id: vendor.client_id }, { token: vendor.bearer_token });
    assert.deepEqual(stillThere.map((w: any) => w.id), [vendorHook], 'the vendor keeps its webhook');
  });

  it('enforces the scopes of the registry methods', async () => {
    const app = await newApp(h());
    const { token: none } = await h().agentWithToken('nohooks@example.com', ['agents--all:ro'], { role: 'administrator' });
    expectError(await h().call('register_webhook', hook(h()), { token: none }), 'authorization', 403);
    expectError(await h().call('list_webhooks', { owner_client_id: h().boot.client_id }, { token: none }), 'authorization', 403);
    expectError(await h().call('unregister_webhook', { id: 'x', owner_client_id: h().boot.client_id }, { token: none }), 'authorization', 403);

    const { token: myRo } = await h().tokenFor('nohooks@example.com', ['webhooks--my:ro']);
    expectError(await h().call('register_webhook', hook(h()), { token: myRo }), 'authorization', 403);
    assert.equal((await h().call('list_webhooks', { owner_client_id: h().boot.client_id }, { token: myRo })).status, 200);
    expectError(await h().call('list_webhooks', { owner_client_id: app }, { token: myRo }), 'authorization', 403);

    const { token: allRo } = await h().tokenFor('nohooks@example.com', ['webhooks--all:ro']);
    assert.equal((await h().call('list_webhooks', { owner_client_id: app }, { token: allRo })).status, 200);
    expectError(await h().call('unregister_webhook', { id: 'x', owner_client_id: app }, { token: allRo }), 'authorization', 403);

    const { id } = await h().ok('register_webhook', hook(h(), { owner_client_id: app, action: 'group_deleted' }));
    const { token: myRw } = await h().tokenFor('nohooks@example.com', ['webhooks--my:rw']);
    expectError(await h().call('unregister_webhook', { id, owner_client_id: app }, { token: myRw }), 'authorization', 403);
    const { token: allRw } = await h().tokenFor('nohooks@example.com', ['webhooks--all:rw']);
    expectError(await h().call('register_webhook', hook(h()), { token: allRw }), 'authorization', 403);
    assert.equal((await h().call('unregister_webhook', { id, owner_client_id: app }, { token: allRw })).status, 200);

    const { token: cfg } = await h().tokenFor('nohooks@example.com', ['webhooks.configuration:rw']);
    const reg = await h().ok('register_webhook', hook(h(), { action: 'group_deleted' }), { token: cfg });
    await h().ok('unregister_webhook', { id: reg.id, owner_client_id: h().boot.client_id }, { token: myRw });
  });

  it('lists every webhook name without authorization', async () => {
    const res = await h().call('list_webhook_names', {}, { token: null });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.map((n: any) => n.action), WEBHOOK_ACTIONS);
    assert.equal(res.body.length, 37);
    const by = new Map(res.body.map((n: any) => [n.action, n]));
    assert.deepEqual(by.get('agent_deleted'), { action: 'agent_deleted', filters: ['source_type'] });
    assert.deepEqual(by.get('incoming_customer'), { action: 'incoming_customer', filters: ['source_type'] });
    assert.deepEqual(by.get('chat_access_updated'), {
      action: 'chat_access_updated',
      filters: ['chat_presence', 'only_my_chats', 'source_type'],
      additional_data: ['chat_properties', 'chat_presence_user_ids'],
    });
    assert.deepEqual((by.get('incoming_event') as any).filters, ['chat_presence', 'author_type', 'only_my_chats', 'source_type']);
    assert.deepEqual((by.get('routing_status_set') as any).filters, ['agent_ids', 'source_type']);
    assert.deepEqual(by.get('tag_updated'), {
      action: 'tag_updated',
      filters: ['source_type'],
      additional_data: ['chat_properties', 'chat_presence_user_ids'],
    });
    assert.deepEqual((await h().ok('list_webhook_names', { version: '3.5' }, { token: null })).length, 37);
    // A token, even an invalid one, is not looked at.
    assert.equal((await h().call('list_webhook_names', {}, { token: 'dal:bogus' })).status, 200);
  });

  it('refuses unknown versions in list_webhook_names', async () => {
    // 3.4 and 3.6 are served too since issue 22 (test/versions/webhook-names.test.ts).
    expectError(await h().call('list_webhook_names', { version: '3.3' }, { token: null }), 'unsupported_version', 400);
    expectError(await h().call('list_webhook_names', { version: 'latest' }, { token: null }), 'unsupported_version', 400);
    expectError(await h().call('list_webhook_names', { version: 3.5 }, { token: null }), 'validation', 400);
    expectError(await h().call('list_webhook_names', { foo: 1 }, { token: null }), 'validation', 400);
  });

  it('keeps the licence webhook state per client id: enabled by default, disable and enable', async () => {
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}), { license_webhooks_enabled: true });
    await h().ok('disable_license_webhooks', {});
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}), { license_webhooks_enabled: false });
    // Another client id of the organization keeps its own state.
    const app = await newApp(h());
    assert.deepEqual(await h().ok('get_license_webhooks_state', { owner_client_id: app }), { license_webhooks_enabled: true });
    await h().ok('enable_license_webhooks', {});
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}), { license_webhooks_enabled: true });
    // The "Available methods" spellings are aliases.
    await h().ok('disable_license_webhook', { owner_client_id: app });
    assert.deepEqual(await h().ok('get_license_webhooks_state', { owner_client_id: app }), { license_webhooks_enabled: false });
    await h().ok('enable_license_webhook', { owner_client_id: app });
    assert.deepEqual(await h().ok('get_license_webhooks_state', { owner_client_id: app }), { license_webhooks_enabled: true });
  });

  it('keeps a disable across reinstalls and per licence', async () => {
    const app = await newApp(h());
    await h().ok('disable_license_webhooks', { owner_client_id: app });
    await install(h(), app, h().boot.license_id);
    assert.deepEqual(await h().ok('get_license_webhooks_state', { owner_client_id: app }), { license_webhooks_enabled: false });
    // Another licence of another organization does not see or change it.
    const other = await h().bootstrap();
    expectError(await h().call('get_license_webhooks_state', { owner_client_id: app }, { token: other.bearer_token }), 'authorization', 403);
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}, { token: other.bearer_token }), { license_webhooks_enabled: true });
    await h().ok('enable_license_webhooks', { owner_client_id: app });
  });

  it("lets an installed application of another organization read and switch its own state with its token", async () => {
    const vendor = await h().bootstrap();
    await install(h(), vendor.client_id, h().boot.license_id);
    const { token: rw } = await h().tokenFor(h().boot.owner.id, ['webhooks.state:rw'], { clientId: vendor.client_id });
    const { token: ro } = await h().tokenFor(h().boot.owner.id, ['webhooks.state:ro'], { clientId: vendor.client_id });
    const state = (body: object, token = ro) => h().ok('get_license_webhooks_state', body, { token });
    // Left out or named: the same client id, the token's own.
    assert.deepEqual(await state({}), { license_webhooks_enabled: true });
    assert.deepEqual(await state({ owner_client_id: vendor.client_id }), { license_webhooks_enabled: true });
    await h().ok('disable_license_webhooks', { owner_client_id: vendor.client_id }, { token: rw });
    assert.deepEqual(await state({}), { license_webhooks_enabled: false });
    const row = await h().store.db
      .selectFrom('webhook_license_states')
      .select(['enabled'])
      .where('license_id', '=', h().boot.license_id)
      .where('client_id', '=', vendor.client_id)
      .executeTakeFirstOrThrow();
    assert.equal(row.enabled, 0, 'stored for the vendor application on this licence');
    await h().ok('enable_license_webhooks', {}, { token: rw });
    assert.deepEqual(await state({ owner_client_id: vendor.client_id }, rw), { license_webhooks_enabled: true });
    await h().ok('disable_license_webhooks', {}, { token: rw });
    assert.deepEqual(await state({ owner_client_id: vendor.client_id }), { license_webhooks_enabled: false });
    // The licence's own application is not touched by it.
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}), { license_webhooks_enabled: true });
    // Any other client id the token may not act for: authorization, for every state method.
    const third = await h().bootstrap();
    for (const action of ['get_license_webhooks_state', 'enable_license_webhooks', 'disable_license_webhooks']) {
      expectError(await h().call(action, { owner_client_id: third.client_id }, { token: rw }), 'authorization', 403);
      expectError(await h().call(action, { owner_client_id: 'no-such-client' }, { token: rw }), 'authorization', 403);
    }
    // The exception is the token's own client id only: the licence owner's token may not switch the vendor's state.
    expectError(await h().call('enable_license_webhooks', { owner_client_id: vendor.client_id }), 'authorization', 403);
    assert.deepEqual(await state({}), { license_webhooks_enabled: false });
    await h().ok('enable_license_webhooks', {}, { token: rw });
  });

  it('needs owner_client_id for the state methods with a PAT, and defaults to the bearer token’s client id', async () => {
    const pat = await h().patFor(h().boot.owner.id);
    for (const action of ['get_license_webhooks_state', 'enable_license_webhooks', 'disable_license_webhooks']) {
      const res = await h().call(action, {}, { authorization: pat });
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, /`owner_client_id` is required/);
    }
    await h().ok('disable_license_webhooks', { owner_client_id: h().boot.client_id }, { authorization: pat });
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}), { license_webhooks_enabled: false });
    await h().ok('enable_license_webhooks', { owner_client_id: h().boot.client_id }, { authorization: pat });
    assert.deepEqual(
      await h().ok('get_license_webhooks_state', { owner_client_id: h().boot.client_id }, { authorization: pat }),
      { license_webhooks_enabled: true },
    );
  });

  it('enforces the scopes of the state methods', async () => {
    const { token: ro } = await h().agentWithToken('state-ro@example.com', ['webhooks.state:ro'], { role: 'administrator' });
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}, { token: ro }), { license_webhooks_enabled: true });
    expectError(await h().call('disable_license_webhooks', {}, { token: ro }), 'authorization', 403);
    expectError(await h().call('enable_license_webhooks', {}, { token: ro }), 'authorization', 403);
    const { token: cfg } = await h().tokenFor('state-ro@example.com', ['webhooks.configuration:rw']);
    expectError(await h().call('get_license_webhooks_state', {}, { token: cfg }), 'authorization', 403);
    const { token: rw } = await h().tokenFor('state-ro@example.com', ['webhooks.state:rw']);
    await h().ok('disable_license_webhooks', {}, { token: rw });
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}, { token: rw }), { license_webhooks_enabled: false });
    await h().ok('enable_license_webhooks', {}, { token: rw });
    expectError(await h().call('get_license_webhooks_state', {}, { token: null }), 'authentication', 401);
  });
});
