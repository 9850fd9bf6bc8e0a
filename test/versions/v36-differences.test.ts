/**
 * Each documented difference of v3.6 from v3.5 (src/versions/v3.6.ts), on both stores through the real server, with
 * v3.5 unchanged beside it: create_agent without `avatar`, update_agent without `name` and `avatar`, `max_chats_count`
 * at most 20 (single calls and batch items), bots' `type` (stored, shown nowhere), create_group without the
 * normal-priority rule, register_webhook's `url` limit and triggering actions, list_webhook_names per version.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, eventsSince, expectError, lastSeq } from '../support/harness.js';
import { botRow } from '../support/bots.js';

const V36 = { version: 'v3.6' };

describeStores('v3.6 differences from v3.5', (h) => {
  it('create_agent takes no avatar (nor avatar_path) in v3.6; v3.5 still does', async () => {
    for (const field of ['avatar', 'avatar_path']) {
      const res = await h().call('create_agent', { id: `av-${field}@example.com`, name: 'A', [field]: 'https://example.com/a.png' }, V36);
      expectError(res, 'validation', 400);
      assert.equal(res.body.error.message, `\`${field}\` is not a supported parameter`);
    }
    await h().ok('create_agent', { id: 'av35@example.com', name: 'A', avatar: 'https://example.com/a.png' });
    assert.equal((await h().ok('get_agent', { id: 'av35@example.com' }, V36)).avatar, 'https://example.com/a.png');
  });

  it('update_agent takes no name nor avatar in v3.6 (single and batch); v3.5 still does', async () => {
    await h().ok('create_agent', { id: 'upd36@example.com', name: 'Before' });
    for (const field of ['name', 'avatar', 'avatar_path']) {
      const res = await h().call('update_agent', { id: 'upd36@example.com', [field]: 'x' }, V36);
      expectError(res, 'validation', 400);
      assert.equal(res.body.error.message, `\`${field}\` is not a supported parameter`);
    }
    const batch = await h().ok('batch_update_agents', { requests: [{ id: 'upd36@example.com', name: 'X' }, { id: 'upd36@example.com', job_title: 'Ok' }] }, V36);
    assert.equal(batch.responses[0].error.type, 'validation');
    assert.deepEqual(batch.responses[1], {});
    await h().ok('update_agent', { id: 'upd36@example.com', name: 'After' });
    const agent = await h().ok('get_agent', { id: 'upd36@example.com', fields: ['job_title'] }, V36);
    assert.deepEqual([agent.name, agent.job_title], ['After', 'Ok']);
  });

  it('max_chats_count is at most 20 through v3.6 (create, update, batch items), 100 through v3.5; stored values read unchanged', async () => {
    expectError(await h().call('create_agent', { id: 'mc1@example.com', name: 'M', max_chats_count: 21 }, V36), 'validation', 400);
    await h().ok('create_agent', { id: 'mc1@example.com', name: 'M', max_chats_count: 20 }, V36);
    const over = await h().call('update_agent', { id: 'mc1@example.com', max_chats_count: 50 }, V36);
    expectError(over, 'validation', 400);
    assert.equal(over.body.error.message, '`max_chats_count` should be at most 20');
    const batch = await h().ok('batch_create_agents', { requests: [{ id: 'mc2@example.com', name: 'M', max_chats_count: 21 }] }, V36);
    assert.equal(batch.responses[0].error.type, 'validation');
    // v3.5 keeps 100.
    await h().ok('update_agent', { id: 'mc1@example.com', max_chats_count: 100 });
    expectError(await h().call('update_agent', { id: 'mc1@example.com', max_chats_count: 101 }), 'validation', 400);
    // Reads never validate: 100 reads as 100 through v3.6, and updates that do not name the field pass.
    assert.equal((await h().ok('get_agent', { id: 'mc1@example.com', fields: ['max_chats_count'] }, V36)).max_chats_count, 100);
    await h().ok('update_agent', { id: 'mc1@example.com', job_title: 'Still fine' }, V36);
  });

  it('bots have a type in v3.6: default chatbot, given on create and update (single and batch), stored, in no answer nor webhook', async () => {
    const seq = await lastSeq(h());
    const plain = await h().ok('create_bot', { name: 'Plain' }, V36);
    const typed = await h().ok('create_bot', { name: 'Typed', type: 'assistant' }, V36);
    const v35 = await h().ok('create_bot', { name: 'Old' });
    const rowType = async (id: string) => (await botRow(h(), h().boot.license_id, id))?.bot_type;
    assert.deepEqual([await rowType(plain.id), await rowType(typed.id), await rowType(v35.id)], ['chatbot', 'assistant', 'chatbot']);
    await h().ok('update_bot', { id: plain.id, type: 'router' }, V36);
    assert.equal(await rowType(plain.id), 'router');
    const batch = await h().ok('batch_create_bots', { requests: [{ name: 'B', type: 'faq' }] }, V36);
    assert.equal(await rowType(batch.responses[0].id), 'faq');
    await h().ok('batch_update_bots', { requests: [{ id: typed.id, type: 'helper', job_title: 'J' }] }, V36);
    assert.equal(await rowType(typed.id), 'helper');
    // v3.5 refuses the parameter, and its calls never change the type.
    const refused = await h().call('create_bot', { name: 'X', type: 'assistant' });
    expectError(refused, 'validation', 400);
    assert.equal(refused.body.error.message, '`type` is not a supported parameter');
    expectError(await h().call('update_bot', { id: typed.id, type: 'x' }), 'validation', 400);
    await h().ok('update_bot', { id: typed.id, name: 'Renamed' });
    assert.equal(await rowType(typed.id), 'helper');
    // Shown nowhere: not in get_bot/list_bots (any version, every field asked for), nor in webhook payloads.
    const fields = ['groups', 'work_scheduler', 'job_title', 'max_chats_count', 'timezone'];
    for (const version of ['v3.5', 'v3.6']) {
      assert.ok(!('type' in (await h().ok('get_bot', { id: typed.id, fields }, { version }))));
      for (const b of await h().ok('list_bots', { all: true, fields }, { version })) assert.ok(!('type' in b));
    }
    const events = await eventsSince(h(), seq);
    assert.ok(events.some((e) => e.action === 'bot_created') && events.some((e) => e.action === 'bot_updated'));
    for (const e of events) assert.ok(!('type' in e.payload) && !('bot_type' in e.payload), JSON.stringify(e));
    // A type-only update changes the stored type without a bot_updated event.
    const before = await lastSeq(h());
    await h().ok('update_bot', { id: typed.id, type: 'quiet' }, V36);
    assert.equal(await rowType(typed.id), 'quiet');
    assert.deepEqual(await eventsSince(h(), before), []);
    expectError(await h().call('create_bot', { name: 'X', type: '' }, V36), 'validation', 400);
    expectError(await h().call('create_bot', { name: 'X', type: 'x'.repeat(256) }, V36), 'validation', 400);
  });

  it('create_group no longer needs an agent with the normal priority in v3.6; v3.5 and v3.4 keep the rule', async () => {
    const owner = h().boot.owner.id;
    const empty = await h().ok('create_group', { name: 'Empty', agent_priorities: {} }, V36);
    const last = await h().ok('create_group', { name: 'Last only', agent_priorities: { [owner]: 'last' } }, V36);
    assert.deepEqual((await h().ok('get_group', { id: last.id, fields: ['agent_priorities'] }, V36)).agent_priorities, { [owner]: 'last' });
    assert.equal((await h().ok('get_group', { id: empty.id }, V36)).name, 'Empty');
    for (const version of ['v3.5', 'v3.4']) {
      const res = await h().call('create_group', { name: 'No normal', agent_priorities: { [owner]: 'first' } }, { version });
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, /normal/);
      expectError(await h().call('create_group', { name: 'Empty', agent_priorities: {} }, { version }), 'validation', 400);
    }
    expectError(await h().call('create_group', { name: 'Missing' }, V36), 'validation', 400); // still required
  });

  it("register_webhook: url at most 500 characters through v3.6 (2048 through v3.5); each version's triggering actions", async () => {
    const base = { secret_key: 'k', type: 'license', owner_client_id: h().boot.client_id };
    const url = (n: number) => `http://127.0.0.1:9/${'a'.repeat(n - 'http://127.0.0.1:9/'.length)}`;
    const long = await h().call('register_webhook', { ...base, action: 'agent_created', url: url(501) }, V36);
    expectError(long, 'validation', 400);
    assert.equal(long.body.error.message, '`url` should be at most 500 characters long');
    await h().ok('register_webhook', { ...base, action: 'agent_created', url: url(500) }, V36);
    await h().ok('register_webhook', { ...base, action: 'agent_created', url: url(2048) });
    const registers = async (version: string, action: string) => (await h().call('register_webhook', { ...base, action, url: url(40) }, { version })).status === 200;
    assert.deepEqual(
      await Promise.all([['v3.6', 'event_deleted'], ['v3.6', 'thread_summary_set'], ['v3.6', 'incoming_customer'], ['v3.5', 'event_deleted'], ['v3.5', 'incoming_customer'], ['v3.5', 'auto_access_added']].map(([v, a]) => registers(v!, a!))),
      [true, true, false, false, true, false],
    );
    assert.deepEqual(await Promise.all([['v3.4', 'auto_access_added'], ['v3.4', 'tag_created'], ['v3.4', 'auto_accesses_updated']].map(([v, a]) => registers(v!, a!))), [true, false, false]);
    const refused = await h().call('register_webhook', { ...base, action: 'incoming_customer', url: url(40) }, V36);
    assert.equal(refused.body.error.message, '`action` should be one of the triggering actions listed by list_webhook_names');
  });

  it("list_webhook_names answers the set of its `version`, else of the path's version", async () => {
    const names = async (version: string, body: object = {}) => (await h().ok('list_webhook_names', body, { version, token: null })).map((n: { action: string }) => n.action);
    const v34 = await names('v3.4');
    const v35 = await names('v3.5');
    const v36 = await names('v3.6');
    assert.deepEqual([v34.length, v35.length, v36.length], [36, 37, 38]);
    assert.deepEqual(await names('v3.5', { version: '3.6' }), v36);
    assert.deepEqual(await names('v3.6', { version: '3.4' }), v34);
    assert.deepEqual(await names('v3.4', { version: '3.5' }), v35);
    assert.deepEqual(v36.filter((a: string) => !v35.includes(a)), ['event_deleted', 'thread_summary_set']);
    assert.deepEqual(v35.filter((a: string) => !v36.includes(a)), ['incoming_customer']);
    assert.deepEqual(v34.filter((a: string) => !v35.includes(a)), ['auto_access_added', 'auto_access_updated', 'auto_access_deleted']);
    assert.deepEqual(v35.filter((a: string) => !v34.includes(a)), ['auto_accesses_updated', 'tag_created', 'tag_deleted', 'tag_updated']);
    // Order of the v3.6 table: event_deleted after incoming_event, thread_summary_set last.
    assert.equal(v36[v36.indexOf('incoming_event') + 1], 'event_deleted');
    assert.equal(v36.at(-1), 'thread_summary_set');
    const entry = (await h().ok('list_webhook_names', {}, { version: 'v3.6', token: null })).find((n: { action: string }) => n.action === 'event_deleted');
    assert.deepEqual(entry, { action: 'event_deleted', filters: ['chat_presence', 'only_my_chats', 'source_type'], additional_data: ['chat_properties', 'chat_presence_user_ids'] });
    expectError(await h().call('list_webhook_names', { version: '3.7' }, { version: 'v3.6', token: null }), 'unsupported_version', 400);
  });
});
