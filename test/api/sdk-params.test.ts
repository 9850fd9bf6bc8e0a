/**
 * Every parameter the official SDKs' v3.5 configuration clients send is accepted. The parameter lists below are the
 * method signatures of the Python SDK's `ConfigurationApiV35` (lc-sdk-python, livechat/configuration/api/v35.py),
 * names only; `payload`/`headers` are transport arguments. Where a name differs from the reference's table it is an
 * alias: `avatar_path` = `avatar` (agents), top-level `timezone` = `work_scheduler.timezone` (bots).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, eventsSince, expectError, lastSeq, newApp } from '../helpers.js';
import { AREAS } from '../../src/areas.js';
import { Registry } from '../../src/kernel/registry.js';

const SDK_METHODS: Record<string, readonly string[]> = {
  create_agent: ['id', 'name', 'role', 'avatar_path', 'job_title', 'mobile', 'max_chats_count', 'awaiting_approval', 'groups', 'notifications', 'email_subscriptions', 'work_scheduler'],
  get_agent: ['id', 'fields'],
  list_agents: ['filters', 'fields'],
  update_agent: ['id', 'name', 'role', 'avatar_path', 'job_title', 'mobile', 'max_chats_count', 'groups', 'notifications', 'email_subscriptions', 'work_scheduler'],
  delete_agent: ['id'],
  suspend_agent: ['id'],
  unsuspend_agent: ['id'],
  request_agent_unsuspension: [],
  approve_agent: ['id'],
  add_auto_access: ['access', 'conditions', 'description', 'next_id'],
  list_auto_accesses: [],
  delete_auto_access: ['id'],
  update_auto_access: ['id', 'next_id', 'access', 'conditions', 'description'],
  create_bot: ['name', 'avatar', 'max_chats_count', 'default_group_priority', 'job_title', 'groups', 'work_scheduler', 'timezone', 'owner_client_id'],
  create_bot_template: ['name', 'avatar', 'max_chats_count', 'default_group_priority', 'job_title', 'owner_client_id', 'affect_existing_installations'],
  delete_bot: ['id'],
  delete_bot_template: ['id', 'owner_client_id', 'affect_existing_installations'],
  update_bot: ['id', 'name', 'avatar', 'max_chats_count', 'groups', 'default_group_priority', 'work_scheduler', 'timezone'],
  update_bot_template: ['id', 'name', 'avatar', 'max_chats_count', 'default_group_priority', 'owner_client_id', 'affect_existing_installations'],
  list_bots: ['all', 'fields'],
  list_bot_templates: ['owner_client_id'],
  get_bot: ['id', 'fields'],
  issue_bot_token: ['bot_id', 'bot_secret', 'organization_id', 'client_id'],
  reset_bot_secret: ['id', 'owner_client_id'],
  reset_bot_template_secret: ['id', 'owner_client_id', 'affect_existing_installations'],
  create_group: ['name', 'language_code', 'agent_priorities'],
  update_group: ['id', 'name', 'language_code', 'agent_priorities'],
  delete_group: ['id'],
  list_groups: ['fields'],
  get_group: ['id', 'fields'],
  register_property: ['name', 'owner_client_id', 'type', 'access', 'description', 'domain', 'range', 'default_value'],
  unregister_property: ['name', 'owner_client_id'],
  publish_property: ['name', 'owner_client_id', 'access_type'],
  list_properties: ['owner_client_id'],
  update_license_properties: ['properties'],
  list_license_properties: ['namespace', 'name_prefix'],
  delete_license_properties: ['properties'],
  update_group_properties: ['group_id', 'properties'],
  list_groups_properties: ['namespace', 'name_prefix', 'group_ids'],
  delete_group_properties: ['id', 'properties'],
  create_tag: ['name', 'group_ids'],
  delete_tag: ['name'],
  list_tags: ['filters'],
  update_tag: ['name', 'group_ids'],
  register_webhook: ['action', 'secret_key', 'url', 'additional_data', 'description', 'filters', 'owner_client_id', 'type'],
  list_webhooks: ['owner_client_id'],
  unregister_webhook: ['id', 'owner_client_id'],
  list_webhook_names: ['version'],
  enable_license_webhooks: ['owner_client_id'],
  disable_license_webhooks: ['owner_client_id'],
  get_license_webhooks_state: ['owner_client_id'],
  list_channels: [],
  check_product_limits_for_plan: ['plan'],
  get_product_source: [],
};
const SDK_BATCHES: Record<string, string> = {
  batch_create_agents: 'create_agent',
  batch_delete_agents: 'delete_agent',
  batch_update_agents: 'update_agent',
  batch_approve_agents: 'approve_agent',
  batch_suspend_agents: 'suspend_agent',
  batch_unsuspend_agents: 'unsuspend_agent',
  batch_create_bots: 'create_bot',
  batch_delete_bots: 'delete_bot',
  batch_update_bots: 'update_bot',
};

it('every SDK method is served under its URL name and declares every parameter the SDK sends', () => {
  const registry = new Registry().add(...AREAS.flatMap((a) => a.actions));
  const missing: string[] = [];
  for (const [method, params] of Object.entries(SDK_METHODS)) {
    const action = registry.get(method);
    if (!action) {
      missing.push(`${method} (no such action)`);
      continue;
    }
    const props = (action.schema as { properties?: Record<string, unknown> }).properties ?? {};
    for (const p of params) if (!(p in props)) missing.push(`${method}.${p}`);
  }
  for (const [batch, single] of Object.entries(SDK_BATCHES)) {
    if (registry.batches.get(batch)?.action.name !== single) missing.push(`${batch} (not the batch of ${single})`);
  }
  assert.deepEqual(missing, []);
});

const SCHEDULE = { timezone: 'Europe/Warsaw', schedule: [{ day: 'monday', enabled: true, start: '08:00', end: '16:00' }] };

describeStores('the SDK parameters, sent all at once', (h) => {
  it('create_agent and update_agent take every SDK parameter; avatar_path is avatar', async () => {
    const body = {
      id: 'sdk.agent@example.com',
      name: 'SDK Agent',
      role: 'administrator',
      avatar_path: 'https://example.com/sdk.png',
      job_title: 'Support',
      mobile: '+48 600 000 000',
      max_chats_count: 7,
      awaiting_approval: false,
      groups: [{ id: 0, priority: 'normal' }],
      notifications: ['new_visitor'],
      email_subscriptions: ['daily_summary'],
      work_scheduler: SCHEDULE,
    };
    assert.deepEqual(Object.keys(body), SDK_METHODS.create_agent);
    await h().ok('create_agent', body);
    const fields = ['groups', 'work_scheduler', 'notifications', 'email_subscriptions', 'job_title', 'mobile', 'max_chats_count', 'awaiting_approval'];
    const a = await h().ok('get_agent', { id: body.id, fields });
    assert.equal(a.avatar, 'https://example.com/sdk.png');
    assert.deepEqual(
      [a.role, a.job_title, a.mobile, a.max_chats_count, a.awaiting_approval, a.groups, a.notifications, a.email_subscriptions, a.work_scheduler],
      ['administrator', 'Support', '+48 600 000 000', 7, false, [{ id: 0, priority: 'normal' }], ['new_visitor'], ['daily_summary'], SCHEDULE],
    );

    const update = {
      id: body.id,
      name: 'SDK Agent 2',
      role: 'normal',
      avatar_path: 'https://example.com/sdk2.png',
      job_title: 'Lead',
      mobile: '+48 600 000 001',
      max_chats_count: 8,
      groups: [],
      notifications: ['incoming_chat'],
      email_subscriptions: ['weekly_summary'],
      work_scheduler: { timezone: 'UTC', schedule: [] },
    };
    assert.deepEqual(Object.keys(update), SDK_METHODS.update_agent);
    const seq = await lastSeq(h());
    await h().ok('update_agent', update);
    const b = await h().ok('get_agent', { id: body.id, fields });
    assert.deepEqual(
      [b.name, b.avatar, b.role, b.job_title, b.mobile, b.max_chats_count, b.groups, b.notifications, b.email_subscriptions, b.work_scheduler],
      ['SDK Agent 2', 'https://example.com/sdk2.png', 'normal', 'Lead', '+48 600 000 001', 8, [], ['incoming_chat'], ['weekly_summary'], { timezone: 'UTC', schedule: [] }],
    );
    // The event names the documented field.
    const [event] = await eventsSince(h(), seq, 'agent_updated');
    assert.equal(event!.payload.avatar, 'https://example.com/sdk2.png');
    assert.equal('avatar_path' in event!.payload, false);
  });

  it('avatar and avatar_path together must agree (single and batch items)', async () => {
    await h().ok('create_agent', { id: 'both.same@example.com', name: 'Both', avatar: 'https://example.com/a.png', avatar_path: 'https://example.com/a.png' });
    assert.equal((await h().ok('get_agent', { id: 'both.same@example.com' })).avatar, 'https://example.com/a.png');
    const differ = await h().call('create_agent', { id: 'both.differ@example.com', name: 'x', avatar: 'https://example.com/a.png', avatar_path: 'https://example.com/b.png' });
    expectError(differ, 'validation', 400);
    assert.match(differ.body.error.message, /`avatar` and `avatar_path`/);
    expectError(await h().call('get_agent', { id: 'both.differ@example.com' }), 'not_found', 404);
    expectError(
      await h().call('update_agent', { id: 'both.same@example.com', avatar: 'https://example.com/c.png', avatar_path: 'https://example.com/d.png' }),
      'validation',
      400,
    );
    expectError(await h().call('create_agent', { id: 'long.avatar@example.com', name: 'x', avatar_path: 'x'.repeat(2049) }), 'validation', 400);
    const created = await h().ok('batch_create_agents', {
      requests: [
        { id: 'batch.avatar@example.com', name: 'B', avatar_path: 'https://example.com/batch.png' },
        { id: 'batch.clash@example.com', name: 'C', avatar: 'https://example.com/1.png', avatar_path: 'https://example.com/2.png' },
      ],
    });
    assert.deepEqual(created.responses[0], { id: 'batch.avatar@example.com' });
    assert.equal(created.responses[1].error.type, 'validation');
    assert.equal((await h().ok('get_agent', { id: 'batch.avatar@example.com' })).avatar, 'https://example.com/batch.png');
    const updated = await h().ok('batch_update_agents', {
      requests: [
        { id: 'batch.avatar@example.com', avatar_path: 'https://example.com/batch2.png' },
        { id: 'batch.avatar@example.com', avatar: 'https://example.com/3.png', avatar_path: 'https://example.com/4.png' },
      ],
    });
    assert.deepEqual(updated.responses[0], {});
    assert.equal(updated.responses[1].error.type, 'validation');
    assert.equal((await h().ok('get_agent', { id: 'batch.avatar@example.com' })).avatar, 'https://example.com/batch2.png');
  });

  it('create_bot and update_bot take every SDK parameter; timezone is the work scheduler’s', async () => {
    const app = await newApp(h());
    const body = {
      name: 'SDK Bot',
      avatar: 'https://example.com/bot.png',
      max_chats_count: 9,
      default_group_priority: 'normal',
      job_title: 'Greeter',
      groups: [{ id: 0, priority: 'first' }],
      work_scheduler: { schedule: SCHEDULE.schedule },
      timezone: 'Europe/Warsaw',
      owner_client_id: app,
    };
    assert.deepEqual(Object.keys(body), SDK_METHODS.create_bot);
    const { id } = await h().ok('create_bot', body);
    const fields = ['groups', 'work_scheduler', 'job_title', 'max_chats_count', 'timezone'];
    assert.deepEqual(await h().ok('get_bot', { id, fields }), {
      id,
      name: 'SDK Bot',
      avatar: 'https://example.com/bot.png',
      default_group_priority: 'normal',
      owner_client_id: app,
      groups: [{ id: 0, priority: 'first' }],
      work_scheduler: SCHEDULE,
      job_title: 'Greeter',
      max_chats_count: 9,
      timezone: 'Europe/Warsaw',
    });
    const update = {
      id,
      name: 'SDK Bot 2',
      avatar: 'https://example.com/bot2.png',
      max_chats_count: 10,
      groups: [],
      default_group_priority: 'last',
      work_scheduler: { timezone: 'America/New_York', schedule: [] },
      timezone: 'America/New_York',
    };
    assert.deepEqual(Object.keys(update), SDK_METHODS.update_bot);
    await h().ok('update_bot', update);
    const b = await h().ok('get_bot', { id, fields });
    assert.deepEqual(
      [b.name, b.avatar, b.max_chats_count, b.groups, b.default_group_priority, b.work_scheduler, b.timezone],
      ['SDK Bot 2', 'https://example.com/bot2.png', 10, [], 'last', { timezone: 'America/New_York', schedule: [] }, 'America/New_York'],
    );
  });

  it('top-level timezone alone sets or changes the scheduler’s zone; a different work_scheduler.timezone → validation', async () => {
    const { id } = await h().ok('create_bot', { name: 'TZ', timezone: 'Asia/Tokyo' });
    const view = () => h().ok('get_bot', { id, fields: ['work_scheduler', 'timezone'] });
    const created = await view();
    assert.deepEqual([created.work_scheduler, created.timezone], [{ timezone: 'Asia/Tokyo' }, 'Asia/Tokyo']);
    await h().ok('update_bot', { id, work_scheduler: SCHEDULE });
    // timezone alone keeps the stored schedule and moves its zone; the event carries both.
    const seq = await lastSeq(h());
    await h().ok('update_bot', { id, timezone: 'UTC' });
    const after = await view();
    assert.deepEqual([after.work_scheduler, after.timezone], [{ timezone: 'UTC', schedule: SCHEDULE.schedule }, 'UTC']);
    const [event] = await eventsSince(h(), seq, 'bot_updated');
    assert.deepEqual([event!.payload.timezone, event!.payload.work_scheduler], ['UTC', { timezone: 'UTC', schedule: SCHEDULE.schedule }]);
    // The same zone again changes nothing (no event).
    const none = await lastSeq(h());
    await h().ok('update_bot', { id, timezone: 'UTC', work_scheduler: { timezone: 'UTC', schedule: SCHEDULE.schedule } });
    assert.deepEqual(await eventsSince(h(), none), []);
    // Refused: both given and different, or not an IANA zone.
    for (const [action, body] of [
      ['create_bot', { name: 'x', timezone: 'UTC', work_scheduler: { timezone: 'Europe/Warsaw' } }],
      ['update_bot', { id, timezone: 'UTC', work_scheduler: { timezone: 'Europe/Warsaw', schedule: [] } }],
      ['create_bot', { name: 'x', timezone: 'Mars/Olympus' }],
      ['update_bot', { id, timezone: 'Mars/Olympus' }],
      ['create_bot', { name: 'x', timezone: 5 }],
    ] as const) {
      expectError(await h().call(action, body), 'validation', 400);
    }
    const differ = await h().call('update_bot', { id, timezone: 'UTC', work_scheduler: { timezone: 'Europe/Warsaw' } });
    assert.match(differ.body.error.message, /`timezone` and `work_scheduler.timezone`/);
    assert.equal((await view()).timezone, 'UTC');
    // A schedule needs a zone: given at the top level it is enough.
    const { id: id2 } = await h().ok('create_bot', { name: 'TZ2', timezone: 'Europe/Warsaw', work_scheduler: { schedule: SCHEDULE.schedule } });
    assert.deepEqual((await h().ok('get_bot', { id: id2, fields: ['work_scheduler'] })).work_scheduler, SCHEDULE);
  });

  it('batch_create_bots and batch_update_bots items take timezone', async () => {
    const created = await h().ok('batch_create_bots', {
      requests: [{ name: 'B tz', timezone: 'Europe/Paris' }, { name: 'B clash', timezone: 'UTC', work_scheduler: { timezone: 'Europe/Paris' } }],
    });
    const id = created.responses[0].id as string;
    assert.equal(created.responses[1].error.type, 'validation');
    assert.equal((await h().ok('get_bot', { id, fields: ['timezone'] })).timezone, 'Europe/Paris');
    const updated = await h().ok('batch_update_bots', { requests: [{ id, timezone: 'Europe/Rome' }, { id, timezone: 'Nowhere/Land' }] });
    assert.deepEqual(updated.responses[0], {});
    assert.equal(updated.responses[1].error.type, 'validation');
    assert.equal((await h().ok('get_bot', { id, fields: ['timezone'] })).timezone, 'Europe/Rome');
  });

  it('bot templates and issue_bot_token take every SDK parameter', async () => {
    const app = await newApp(h(), { install: [h().boot.license_id] });
    const create = {
      name: 'SDK Template',
      avatar: 'https://example.com/t.png',
      max_chats_count: 4,
      default_group_priority: 'normal',
      job_title: 'Helper',
      owner_client_id: app,
      affect_existing_installations: true,
    };
    assert.deepEqual(Object.keys(create), SDK_METHODS.create_bot_template);
    const tpl = await h().ok('create_bot_template', create);
    const update = { id: tpl.id, name: 'SDK Template 2', avatar: 'https://example.com/t2.png', max_chats_count: 5, default_group_priority: 'last', owner_client_id: app, affect_existing_installations: true };
    assert.deepEqual(Object.keys(update), SDK_METHODS.update_bot_template);
    await h().ok('update_bot_template', { ...update, job_title: 'Helper 2' });
    assert.deepEqual((await h().ok('list_bot_templates', { owner_client_id: app })).map((t: any) => [t.name, t.max_chats_count, t.job_title]), [['SDK Template 2', 5, 'Helper 2']]);
    // The installed licence's bot followed (affect_existing_installations).
    assert.equal((await h().ok('get_bot', { id: tpl.id })).name, 'SDK Template 2');
    const reset = { id: tpl.id, owner_client_id: app, affect_existing_installations: true };
    assert.deepEqual(Object.keys(reset), SDK_METHODS.reset_bot_template_secret);
    const { secret } = await h().ok('reset_bot_template_secret', reset);
    const issue = { bot_id: tpl.id, bot_secret: secret, organization_id: h().boot.organization_id, client_id: app };
    assert.deepEqual(Object.keys(issue), SDK_METHODS.issue_bot_token);
    assert.equal(typeof (await h().ok('issue_bot_token', issue, { token: null })).token, 'string');
    assert.deepEqual(Object.keys(reset), SDK_METHODS.delete_bot_template);
    await h().ok('delete_bot_template', reset);
    expectError(await h().call('get_bot', { id: tpl.id }), 'not_found', 404);
  });

  it('list_groups_properties and register_webhook take every SDK parameter', async () => {
    const ns = h().boot.client_id;
    const RW = { agent: ['read', 'write'], customer: ['read', 'write'] };
    await h().ok('register_property', { name: 'sdk_prop', owner_client_id: ns, type: 'string', access: { group: RW } });
    await h().ok('update_group_properties', { group_id: 0, properties: { [ns]: { sdk_prop: 'v' } } });
    const list = { namespace: ns, name_prefix: 'sdk_', group_ids: [0] };
    assert.deepEqual(Object.keys(list), SDK_METHODS.list_groups_properties);
    assert.deepEqual(await h().ok('list_groups_properties', list), [{ id: 0, properties: { [ns]: { sdk_prop: 'v' } } }]);

    const hook = {
      action: 'agent_created',
      secret_key: 'sdk-secret',
      url: 'https://example.com/hook',
      additional_data: ['chat_properties'],
      description: 'SDK hook',
      filters: { source_type: ['my_client'] },
      owner_client_id: ns,
      type: 'license',
    };
    assert.deepEqual(Object.keys(hook), SDK_METHODS.register_webhook);
    const { id } = await h().ok('register_webhook', hook);
    const listed = (await h().ok('list_webhooks', { owner_client_id: ns })).find((w: any) => w.id === id);
    const { secret_key: _secret, ...shown } = hook;
    assert.deepEqual(listed, { id, ...shown });
  });
});
