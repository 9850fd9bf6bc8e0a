import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, eventsSince, expectError } from '../support/harness.js';

describeStores('groups', (h) => {
  const owner = () => h().boot.owner.id;

  it('group 0 "General" exists on every licence', async () => {
    const groups = await h().ok('list_groups', {});
    assert.deepEqual(groups[0], { id: 0, name: 'General', language_code: 'en' });
    const other = await h().bootstrap();
    const theirs = await h().ok('list_groups', { fields: ['routing_status'] }, { token: other.bearer_token });
    assert.deepEqual(theirs, [{ id: 0, name: 'General', language_code: 'en', routing_status: 'offline' }]);
  });

  it('create_group returns increasing ids and get_group shows it with fields', async () => {
    await h().ok('create_agent', { id: 'agent1@example.com', name: 'A1' });
    const a = await h().ok('create_group', { name: 'Sports shoes', agent_priorities: { 'agent1@example.com': 'normal', [owner()]: 'last' } });
    const b = await h().ok('create_group', { name: 'Boots', language_code: 'de', agent_priorities: { [owner()]: 'normal' } });
    assert.ok(a.id >= 1 && b.id === a.id + 1);
    const g = await h().ok('get_group', { id: a.id, fields: ['agent_priorities', 'routing_status'] });
    assert.deepEqual(g, {
      id: a.id,
      name: 'Sports shoes',
      language_code: 'en',
      agent_priorities: { 'agent1@example.com': 'normal', [owner()]: 'last' },
      routing_status: 'offline',
    });
    assert.deepEqual(await h().ok('get_group', { id: b.id }), { id: b.id, name: 'Boots', language_code: 'de' });
    const agent = await h().ok('get_agent', { id: 'agent1@example.com', fields: ['groups'] });
    assert.deepEqual(agent.groups, [{ id: a.id, priority: 'normal' }], 'membership seen from the agent side');
  });

  it('create_group validates its table', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ agent_priorities: { [owner()]: 'normal' } }, 'validation', /`name` is required/],
      [{ name: 'x' }, 'validation', /`agent_priorities` is required/],
      [{ name: 'x'.repeat(181), agent_priorities: { [owner()]: 'normal' } }, 'validation', /at most 180/],
      [{ name: 'x', agent_priorities: { [owner()]: 'boss' } }, 'validation', /agent_priorities/],
      [{ name: 'x', agent_priorities: { [owner()]: 'last' } }, 'validation', /at least one agent with the `normal` priority/],
      [{ name: 'x', agent_priorities: {} }, 'validation', /`normal`/],
      [{ name: 'x', language_code: 5, agent_priorities: { [owner()]: 'normal' } }, 'validation', /`language_code`/],
      [{ name: 'x', agent_priorities: { 'ghost@example.com': 'normal' } }, 'not_found', /ghost@example.com/],
    ];
    for (const [body, type, message] of cases) {
      const res = await h().call('create_group', body);
      expectError(res, type);
      assert.match(res.body.error.message, message, JSON.stringify(body));
    }
    const names = (await h().ok('list_groups', {})).map((g: any) => g.name);
    assert.equal(names.includes('x'), false);
  });

  it('a bot can be a member (agent_priorities keys are agents or bots)', async () => {
    const now = new Date().toISOString();
    await h().store.db.insertInto('agents').values({
      license_id: h().boot.license_id, id: 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', account_id: '00000000-0000-4000-8000-0000000000b0', type: 'bot',
      name: 'Bot', avatar: null, role: 'normal', login_status: 'accepting chats', job_title: null, mobile: null, max_chats_count: 6,
      awaiting_approval: 0, suspended: 0, notifications: '[]', email_subscriptions: '[]', work_scheduler: null, last_logout: null,
      default_group_priority: null, timezone: null, owner_client_id: h().boot.client_id, secret_hash: null, created_via: 'app',
      created_at: now, updated_at: now,
    }).execute();
    const g = await h().ok('create_group', { name: 'With bot', agent_priorities: { [owner()]: 'normal', b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0: 'first' } });
    const got = await h().ok('get_group', { id: g.id, fields: ['agent_priorities'] });
    assert.equal(got.agent_priorities.b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0, 'first');
  });

  it('update_group replaces what it names', async () => {
    await h().ok('create_agent', { id: 'up1@example.com', name: 'Up1' });
    const g = await h().ok('create_group', { name: 'Before', agent_priorities: { [owner()]: 'normal', 'up1@example.com': 'last' } });
    await h().ok('update_group', { id: g.id, name: 'After' });
    let got = await h().ok('get_group', { id: g.id, fields: ['agent_priorities'] });
    assert.equal(got.name, 'After');
    assert.deepEqual(got.agent_priorities, { [owner()]: 'normal', 'up1@example.com': 'last' }, 'untouched when not named');
    await h().ok('update_group', { id: g.id, language_code: 'pl', agent_priorities: { 'up1@example.com': 'first' } });
    got = await h().ok('get_group', { id: g.id, fields: ['agent_priorities'] });
    assert.equal(got.language_code, 'pl');
    assert.deepEqual(got.agent_priorities, { 'up1@example.com': 'first' });
    const owners = await h().ok('get_agent', { id: owner(), fields: ['groups'] });
    assert.equal(owners.groups.some((m: any) => m.id === g.id), false, 'agent side agrees');
    expectError(await h().call('update_group', { id: 9999, name: 'x' }), 'group_not_found', 404);
    expectError(await h().call('update_group', { id: g.id, agent_priorities: { 'ghost@example.com': 'normal' } }), 'not_found', 404);
    expectError(await h().call('update_group', { id: g.id, name: '' }), 'validation', 400);
    expectError(await h().call('update_group', { name: 'x' }), 'validation', 400);
    expectError(await h().call('update_group', { id: -1 }), 'validation', 400);
  });

  it('delete_group removes the group and its memberships; group 0 cannot be deleted', async () => {
    await h().ok('create_agent', { id: 'del1@example.com', name: 'Del1' });
    const g = await h().ok('create_group', { name: 'Doomed', agent_priorities: { 'del1@example.com': 'normal' } });
    await h().ok('delete_group', { id: g.id });
    expectError(await h().call('get_group', { id: g.id }), 'group_not_found', 404);
    const agent = await h().ok('get_agent', { id: 'del1@example.com', fields: ['groups'] });
    assert.deepEqual(agent.groups, []);
    expectError(await h().call('delete_group', { id: g.id }), 'group_not_found', 404);
    expectError(await h().call('delete_group', { id: 0 }), 'validation', 400);
    const next = await h().ok('create_group', { name: 'Next', agent_priorities: { [owner()]: 'normal' } });
    assert.ok(next.id > g.id, 'ids are never reused');
  });

  it('list_groups projects agent_priorities and routing_status', async () => {
    const list = await h().ok('list_groups', { fields: ['agent_priorities', 'routing_status'] });
    assert.ok(list.length >= 1);
    for (const g of list) {
      assert.equal(typeof g.agent_priorities, 'object');
      assert.equal(g.routing_status, 'offline');
    }
    expectError(await h().call('list_groups', { fields: ['members'] }), 'validation', 400);
  });

  it('scopes: groups--my for groups you belong to, groups--all for the others', async () => {
    const { token } = await h().agentWithToken('member@example.com', ['groups--my:rw', 'groups--my:ro'], { groups: [{ id: 0, priority: 'normal' }] });
    const mine = await h().ok('create_group', { name: 'Mine', agent_priorities: { 'member@example.com': 'normal' } });
    const theirs = await h().ok('create_group', { name: 'Theirs', agent_priorities: { [owner()]: 'normal' } });
    await h().ok('get_group', { id: mine.id }, { token });
    expectError(await h().call('get_group', { id: theirs.id }, { token }), 'authorization', 403);
    await h().ok('update_group', { id: mine.id, name: 'Mine!' }, { token });
    expectError(await h().call('update_group', { id: theirs.id, name: 'x' }, { token }), 'authorization', 403);
    expectError(await h().call('delete_group', { id: theirs.id }, { token }), 'authorization', 403);
    expectError(await h().call('list_groups', {}, { token }), 'authorization', 403);
    expectError(await h().call('create_group', { name: 'No', agent_priorities: { 'member@example.com': 'normal' } }, { token }), 'authorization', 403);
    await h().ok('delete_group', { id: mine.id }, { token });
    const { token: ro } = await h().agentWithToken('ro@example.com', ['groups--all:ro']);
    await h().ok('list_groups', {}, { token: ro });
    await h().ok('get_group', { id: theirs.id }, { token: ro });
    expectError(await h().call('update_group', { id: theirs.id, name: 'x' }, { token: ro }), 'authorization', 403);
  });

  it('a token of another licence cannot reach this licence groups', async () => {
    const g = await h().ok('create_group', { name: 'Private', agent_priorities: { [owner()]: 'normal' } });
    const other = await h().bootstrap();
    const t = { token: other.bearer_token };
    expectError(await h().call('get_group', { id: g.id }, t), 'group_not_found', 404);
    expectError(await h().call('update_group', { id: g.id, name: 'x' }, t), 'group_not_found', 404);
    expectError(await h().call('delete_group', { id: g.id }, t), 'group_not_found', 404);
    expectError(await h().call('create_group', { name: 'x', agent_priorities: { [owner()]: 'normal' } }, t), 'not_found', 404);
    assert.equal((await h().ok('get_group', { id: g.id })).name, 'Private');
  });

  it('records group_created / group_updated / group_deleted events', async () => {
    const g = await h().ok('create_group', { name: 'Evented', agent_priorities: { [owner()]: 'normal' } });
    await h().ok('update_group', { id: g.id, name: 'Evented 2' });
    await h().ok('delete_group', { id: g.id });
    const mine = (await eventsSince(h(), 0))
      .filter((e) => e.action.startsWith('group_') && e.payload.id === g.id)
      .map(({ action, payload }) => ({ action, payload }));
    assert.deepEqual(mine, [
      { action: 'group_created', payload: { id: g.id, name: 'Evented', language_code: 'en', agent_priorities: { [owner()]: 'normal' } } },
      { action: 'group_updated', payload: { id: g.id, name: 'Evented 2' } },
      { action: 'group_deleted', payload: { id: g.id } },
    ]);
  });
});
