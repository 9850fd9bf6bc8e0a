import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, eventsSince, expectError } from '../helpers.js';

const SCHEDULE = {
  timezone: 'Europe/Warsaw',
  schedule: [
    { day: 'monday', enabled: true, start: '08:00', end: '12:30' },
    { day: 'friday', enabled: false, start: '08:00', end: '16:00' },
  ],
};

describeStores('agents', (h) => {
  it('create_agent creates with defaults and get_agent returns it', async () => {
    const res = await h().ok('create_agent', { id: 'smith@example.com', name: 'Agent Smith' });
    assert.deepEqual(res, { id: 'smith@example.com' });
    const agent = await h().ok('get_agent', { id: 'smith@example.com', fields: ['max_chats_count', 'suspended', 'awaiting_approval', 'groups', 'notifications', 'email_subscriptions', 'work_scheduler', 'job_title', 'mobile', 'last_logout'] });
    assert.equal(agent.id, 'smith@example.com');
    assert.match(agent.account_id, /^[0-9a-f-]{36}$/);
    assert.equal(agent.name, 'Agent Smith');
    assert.equal(agent.role, 'normal');
    assert.equal(agent.login_status, 'not accepting chats');
    assert.equal(agent.max_chats_count, 6);
    assert.equal(agent.suspended, false);
    assert.equal(agent.awaiting_approval, false, 'owner has accounts--all:rw + subscription.lc:rw');
    assert.deepEqual(agent.groups, []);
    assert.deepEqual(agent.notifications, []);
    assert.deepEqual(agent.email_subscriptions, []);
    assert.deepEqual(agent.work_scheduler, {});
    assert.equal(agent.job_title, '');
    assert.equal(agent.mobile, '');
    assert.equal('last_logout' in agent, false, 'omitted when no logout occurred');
  });

  it('create_agent stores every documented field', async () => {
    await h().ok('create_group', { name: 'Sales', agent_priorities: { [h().boot.owner.id]: 'normal' } });
    const body = {
      id: 'full@example.com',
      name: 'Full',
      role: 'administrator',
      avatar: 'https://example.com/a.png',
      login_status: 'accepting chats',
      job_title: 'Support Hero',
      mobile: '+48123456789',
      max_chats_count: 100,
      awaiting_approval: true,
      groups: [{ id: 0, priority: 'first' }, { id: 1, priority: 'supervisor' }],
      notifications: ['new_visitor', 'incoming_message_for_focused_chat'],
      email_subscriptions: ['daily_summary', 'weekly_summary'],
      work_scheduler: SCHEDULE,
    };
    await h().ok('create_agent', body);
    const a = await h().ok('get_agent', { id: 'full@example.com', fields: ['groups', 'work_scheduler', 'notifications', 'email_subscriptions', 'job_title', 'mobile', 'max_chats_count', 'awaiting_approval'] });
    assert.equal(a.role, 'administrator');
    assert.equal(a.avatar, body.avatar);
    assert.equal(a.login_status, 'accepting chats');
    assert.equal(a.job_title, 'Support Hero');
    assert.equal(a.mobile, '+48123456789');
    assert.equal(a.max_chats_count, 100);
    assert.equal(a.awaiting_approval, true);
    assert.deepEqual(a.groups, body.groups);
    assert.deepEqual(a.notifications, body.notifications);
    assert.deepEqual(a.email_subscriptions, body.email_subscriptions);
    assert.deepEqual(a.work_scheduler, SCHEDULE);
    const group = await h().ok('get_group', { id: 1, fields: ['agent_priorities'] });
    assert.equal(group.agent_priorities['full@example.com'], 'supervisor', 'membership seen from the group side');
  });

  it('create_agent validates every rule of its table', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'x' }, /`id` is required/],
      [{ id: 'v1@example.com' }, /`name` is required/],
      [{ id: 'not-an-email', name: 'x' }, /`id`/],
      [{ id: 'v1@example.com', name: 'x', role: 'owner' }, /`role` should be one of/],
      [{ id: 'v1@example.com', name: 'x', login_status: 'away' }, /`login_status`/],
      [{ id: 'v1@example.com', name: 'x', max_chats_count: 101 }, /`max_chats_count` should be at most 100/],
      [{ id: 'v1@example.com', name: 'x', max_chats_count: 1.5 }, /`max_chats_count` should be int/],
      [{ id: 'v1@example.com', name: 'x', groups: [{ id: 0 }] }, /`groups\[0\].priority` is required/],
      [{ id: 'v1@example.com', name: 'x', groups: [{ priority: 'first' }] }, /`groups\[0\].id` is required/],
      [{ id: 'v1@example.com', name: 'x', groups: [{ id: 0, priority: 'top' }] }, /`groups\[0\].priority`/],
      [{ id: 'v1@example.com', name: 'x', groups: [{ id: 0, priority: 'first' }, { id: 0, priority: 'last' }] }, /more than once/],
      [{ id: 'v1@example.com', name: 'x', notifications: ['nope'] }, /`notifications\[0\]`/],
      [{ id: 'v1@example.com', name: 'x', notifications: ['new_goal', 'new_goal'] }, /duplicates/],
      [{ id: 'v1@example.com', name: 'x', email_subscriptions: ['monthly_summary'] }, /`email_subscriptions\[0\]`/],
      [{ id: 'v1@example.com', name: 'x', awaiting_approval: 'no' }, /`awaiting_approval` should be bool/],
      [{ id: 'v1@example.com', name: 'x', work_scheduler: { schedule: SCHEDULE.schedule } }, /`work_scheduler.timezone` is required/],
      [{ id: 'v1@example.com', name: 'x', work_scheduler: { timezone: 'Mars/Olympus', schedule: [] } }, /IANA/],
      [{ id: 'v1@example.com', name: 'x', work_scheduler: { timezone: 'UTC', schedule: [{ day: 'someday', enabled: true, start: '08:00', end: '09:00' }] } }, /`work_scheduler.schedule\[0\].day`/],
      [{ id: 'v1@example.com', name: 'x', work_scheduler: { timezone: 'UTC', schedule: [{ day: 'monday', enabled: true, start: '8am', end: '09:00' }] } }, /HH:MM/],
      [{ id: 'v1@example.com', name: 'x', work_scheduler: { timezone: 'UTC', schedule: [{ day: 'monday', enabled: true, start: '10:00', end: '09:00' }] } }, /later than/],
      [{ id: 'v1@example.com', name: 'x', work_scheduler: { monday: { start: '08:00', end: '10:00' } } }, /`work_scheduler.monday`/],
      [{ id: 'v1@example.com', name: 'x'.repeat(181) }, /`name` should be at most 180/],
    ];
    for (const [body, message] of cases) {
      const res = await h().call('create_agent', body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message, JSON.stringify(body));
    }
    const stored = await h().ok('list_agents', {});
    assert.equal(stored.some((a: any) => a.id === 'v1@example.com'), false, 'nothing stored by invalid calls');
  });

  it('create_agent: unknown group → group_not_found, duplicate id → already_exists', async () => {
    expectError(await h().call('create_agent', { id: 'g@example.com', name: 'G', groups: [{ id: 999, priority: 'normal' }] }), 'group_not_found', 404);
    assert.equal((await h().call('get_agent', { id: 'g@example.com' })).status, 404, 'rolled back');
    await h().ok('create_agent', { id: 'dup@example.com', name: 'Dup' });
    expectError(await h().call('create_agent', { id: 'dup@example.com', name: 'Dup again' }), 'already_exists', 409);
    expectError(await h().call('create_agent', { id: 'DUP@Example.com', name: 'Dup in capitals' }), 'already_exists', 409);
  });

  it('create_agent scopes: rc creates awaiting agents, roles need accounts.roles.lc--all:rw, awaiting_approval=false needs subscription.lc:rw', async () => {
    const { token } = await h().agentWithToken('creator@example.com', ['accounts--all:rc', 'agents--all:ro'], { role: 'administrator' });
    await h().ok('create_agent', { id: 'c1@example.com', name: 'C1' }, { token });
    const c1 = await h().ok('get_agent', { id: 'c1@example.com', fields: ['awaiting_approval'] });
    assert.equal(c1.awaiting_approval, true);
    expectError(await h().call('create_agent', { id: 'c2@example.com', name: 'C2', role: 'administrator' }, { token }), 'authorization', 403);
    expectError(await h().call('create_agent', { id: 'c3@example.com', name: 'C3', awaiting_approval: false }, { token }), 'authorization', 403);
    const { token: none } = await h().agentWithToken('noscope@example.com', ['agents--all:ro']);
    expectError(await h().call('create_agent', { id: 'c4@example.com', name: 'C4' }, { token: none }), 'authorization', 403);
  });

  it('nobody grants a role above their own', async () => {
    const { token } = await h().agentWithToken('admin1@example.com', ['accounts--all:rw', 'accounts.roles.lc--all:rw', 'agents--all:rw', 'subscription.lc:rw'], { role: 'administrator' });
    await h().ok('create_agent', { id: 'admin2@example.com', name: 'A2', role: 'administrator' }, { token });
    expectError(await h().call('create_agent', { id: 'vo@example.com', name: 'VO', role: 'viceowner' }, { token }), 'authorization', 403);
    expectError(await h().call('update_agent', { id: 'admin2@example.com', role: 'viceowner' }, { token }), 'authorization', 403);
    await h().ok('create_agent', { id: 'vo2@example.com', name: 'VO2', role: 'viceowner' });
    expectError(await h().call('update_agent', { id: 'vo2@example.com', name: 'renamed' }, { token }), 'authorization', 403);
  });

  it('get_agent: my vs all scopes, unknown id, fields', async () => {
    const { token } = await h().agentWithToken('self@example.com', ['agents--my:ro']);
    const me = await h().ok('get_agent', { id: 'self@example.com' }, { token });
    assert.deepEqual(Object.keys(me).sort(), ['account_id', 'avatar', 'id', 'login_status', 'name', 'role']);
    expectError(await h().call('get_agent', { id: h().boot.owner.id }, { token }), 'authorization', 403);
    expectError(await h().call('get_agent', { id: 'ghost@example.com' }), 'not_found', 404);
    expectError(await h().call('get_agent', { id: 'self@example.com', fields: ['salary'] }), 'validation', 400);
    const { token: none } = await h().agentWithToken('none@example.com', ['groups--all:ro']);
    expectError(await h().call('get_agent', { id: 'none@example.com' }, { token: none }), 'authorization', 403);
  });

  it('list_agents filters by group_ids and suspended and projects fields', async () => {
    const g = await h().ok('create_group', { name: 'Filter', agent_priorities: { [h().boot.owner.id]: 'normal' } });
    await h().ok('create_agent', { id: 'f1@example.com', name: 'F1', groups: [{ id: g.id, priority: 'last' }] });
    await h().ok('create_agent', { id: 'f2@example.com', name: 'F2' });
    await h().ok('suspend_agent', { id: 'f2@example.com' });
    const inGroup = await h().ok('list_agents', { filters: { group_ids: [g.id] }, fields: ['groups'] });
    assert.deepEqual(inGroup.map((a: any) => a.id).sort(), [h().boot.owner.id, 'f1@example.com'].sort());
    assert.deepEqual(inGroup.find((a: any) => a.id === 'f1@example.com').groups, [{ id: g.id, priority: 'last' }]);
    const suspended = await h().ok('list_agents', { filters: { suspended: true }, fields: ['suspended'] });
    assert.deepEqual(suspended.map((a: any) => a.id), ['f2@example.com']);
    assert.equal(suspended[0].suspended, true);
    const active = await h().ok('list_agents', { filters: { suspended: false } });
    assert.equal(active.some((a: any) => a.id === 'f2@example.com'), false);
    assert.deepEqual(await h().ok('list_agents', { filters: { group_ids: [] } }), []);
    expectError(await h().call('list_agents', { filters: { group_ids: ['x'] } }), 'validation', 400);
    expectError(await h().call('list_agents', { filters: { nope: 1 } }), 'validation', 400);
    const { token } = await h().agentWithToken('lister@example.com', ['agents--my:ro']);
    expectError(await h().call('list_agents', {}, { token }), 'authorization', 403);
  });

  it('update_agent changes only what it names and replaces groups', async () => {
    await h().ok('create_agent', { id: 'u1@example.com', name: 'U1', job_title: 'Junior', groups: [{ id: 0, priority: 'normal' }] });
    const g = await h().ok('create_group', { name: 'U-group', agent_priorities: { 'u1@example.com': 'normal' } });
    await h().ok('update_agent', { id: 'u1@example.com', name: 'U1 renamed', max_chats_count: 20, groups: [{ id: g.id, priority: 'first' }], work_scheduler: SCHEDULE, notifications: ['ticket'] });
    const a = await h().ok('get_agent', { id: 'u1@example.com', fields: ['job_title', 'max_chats_count', 'groups', 'work_scheduler', 'notifications'] });
    assert.equal(a.name, 'U1 renamed');
    assert.equal(a.job_title, 'Junior', 'untouched');
    assert.equal(a.max_chats_count, 20);
    assert.deepEqual(a.groups, [{ id: g.id, priority: 'first' }]);
    assert.deepEqual(a.work_scheduler, SCHEDULE);
    assert.deepEqual(a.notifications, ['ticket']);
    const general = await h().ok('get_group', { id: 0, fields: ['agent_priorities'] });
    assert.equal('u1@example.com' in general.agent_priorities, false, 'removed from group 0 on both sides');
    expectError(await h().call('update_agent', { id: 'u1@example.com', groups: [{ id: 4242, priority: 'first' }] }), 'group_not_found', 404);
    expectError(await h().call('update_agent', { id: 'ghost@example.com', name: 'x' }), 'not_found', 404);
    expectError(await h().call('update_agent', { id: 'u1@example.com', max_chats_count: 101 }), 'validation', 400);
    expectError(await h().call('update_agent', { name: 'x' }), 'validation', 400);
    expectError(await h().call('update_agent', { id: 'u1@example.com', role: 'owner' }), 'validation', 400);
  });

  it('update_agent scopes: my for yourself, all for others, roles need accounts.roles.lc--all:rw', async () => {
    const { token } = await h().agentWithToken('me@example.com', ['agents--my:rw']);
    await h().ok('update_agent', { id: 'me@example.com', job_title: 'Me' }, { token });
    expectError(await h().call('update_agent', { id: h().boot.owner.id, job_title: 'x' }, { token }), 'authorization', 403);
    expectError(await h().call('update_agent', { id: 'me@example.com', role: 'administrator' }, { token }), 'authorization', 403);
    const { token: all } = await h().agentWithToken('all@example.com', ['agents--all:rw'], { role: 'administrator' });
    await h().ok('update_agent', { id: 'me@example.com', job_title: 'By admin' }, { token: all });
    expectError(await h().call('update_agent', { id: 'me@example.com', role: 'administrator' }, { token: all }), 'authorization', 403);
    expectError(await h().call('update_agent', { id: h().boot.owner.id, role: 'normal' }), 'validation', 400);
  });

  it('any change of role, lowering included, needs accounts.roles.lc--all:rw (single and batch)', async () => {
    await h().ok('create_agent', { id: 'demote-me@example.com', name: 'Admin', role: 'administrator' });
    await h().ok('create_agent', { id: 'demote-too@example.com', name: 'Vice', role: 'viceowner' });
    // The owner, with a token holding only agents--all:rw.
    const { token } = await h().tokenFor(h().boot.owner.id, ['agents--all:rw']);
    const res = await h().call('update_agent', { id: 'demote-me@example.com', role: 'normal' }, { token });
    expectError(res, 'authorization', 403);
    assert.match(res.body.error.message, /accounts\.roles\.lc--all:rw/);
    const batch = await h().ok(
      'batch_update_agents',
      { requests: [{ id: 'demote-me@example.com', role: 'normal' }, { id: 'demote-too@example.com', role: 'administrator' }, { id: 'demote-too@example.com', job_title: 'Still vice' }] },
      { token },
    );
    assert.equal(batch.responses[0].error.type, 'authorization');
    assert.equal(batch.responses[1].error.type, 'authorization');
    assert.deepEqual(batch.responses[2], {});
    assert.equal((await h().ok('get_agent', { id: 'demote-me@example.com' })).role, 'administrator');
    assert.equal((await h().ok('get_agent', { id: 'demote-too@example.com' })).role, 'viceowner');
    // Naming the current role is no change and needs nothing more.
    await h().ok('update_agent', { id: 'demote-me@example.com', role: 'administrator', job_title: 'Same role' }, { token });
    // Lowering one's own role is a change of role too.
    const { token: self } = await h().tokenFor('demote-too@example.com', ['agents--my:rw', 'agents--all:rw']);
    expectError(await h().call('update_agent', { id: 'demote-too@example.com', role: 'normal' }, { token: self }), 'authorization', 403);
    // With the roles scope both lowerings work, single and batch.
    const { token: roles } = await h().tokenFor(h().boot.owner.id, ['agents--all:rw', 'accounts.roles.lc--all:rw']);
    await h().ok('update_agent', { id: 'demote-me@example.com', role: 'normal' }, { token: roles });
    assert.deepEqual((await h().ok('batch_update_agents', { requests: [{ id: 'demote-too@example.com', role: 'normal' }] }, { token: roles })).responses, [{}]);
    assert.equal((await h().ok('get_agent', { id: 'demote-me@example.com' })).role, 'normal');
    assert.equal((await h().ok('get_agent', { id: 'demote-too@example.com' })).role, 'normal');
  });

  it('delete_agent removes the agent and its memberships; the owner cannot be deleted', async () => {
    await h().ok('create_agent', { id: 'd1@example.com', name: 'D1', groups: [{ id: 0, priority: 'normal' }] });
    await h().ok('delete_agent', { id: 'd1@example.com' });
    expectError(await h().call('get_agent', { id: 'd1@example.com' }), 'not_found', 404);
    const general = await h().ok('get_group', { id: 0, fields: ['agent_priorities'] });
    assert.equal('d1@example.com' in general.agent_priorities, false);
    expectError(await h().call('delete_agent', { id: 'd1@example.com' }), 'not_found', 404);
    expectError(await h().call('delete_agent', { id: h().boot.owner.id }), 'validation', 400);
  });

  it('delete_agent scopes: self needs agents--my:rw + accounts--my:rw, others need the --all pair', async () => {
    const { token } = await h().agentWithToken('selfdel@example.com', ['agents--my:rw', 'accounts--my:rw']);
    await h().ok('create_agent', { id: 'victim@example.com', name: 'V' });
    expectError(await h().call('delete_agent', { id: 'victim@example.com' }, { token }), 'authorization', 403);
    await h().ok('delete_agent', { id: 'selfdel@example.com' }, { token });
    expectError(await h().call('list_agents', {}, { token }), 'authentication', 401);
    const { token: half } = await h().agentWithToken('half@example.com', ['agents--all:rw'], { role: 'administrator' });
    expectError(await h().call('delete_agent', { id: 'victim@example.com' }, { token: half }), 'authorization', 403);
  });

  it('suspend, unsuspend, approve: transitions, scopes, owner and self rules', async () => {
    await h().ok('create_agent', { id: 's1@example.com', name: 'S1', awaiting_approval: true });
    await h().ok('suspend_agent', { id: 's1@example.com' });
    let a = await h().ok('get_agent', { id: 's1@example.com', fields: ['suspended', 'awaiting_approval'] });
    assert.equal(a.suspended, true);
    await h().ok('suspend_agent', { id: 's1@example.com' });
    await h().ok('unsuspend_agent', { id: 's1@example.com' });
    await h().ok('approve_agent', { id: 's1@example.com' });
    a = await h().ok('get_agent', { id: 's1@example.com', fields: ['suspended', 'awaiting_approval'] });
    assert.equal(a.suspended, false);
    assert.equal(a.awaiting_approval, false);
    expectError(await h().call('suspend_agent', { id: h().boot.owner.id }), 'validation', 400);
    expectError(await h().call('suspend_agent', { id: 'ghost@example.com' }), 'not_found', 404);
    expectError(await h().call('approve_agent', { id: 'ghost@example.com' }), 'not_found', 404);
    const { token } = await h().agentWithToken('admin-s@example.com', ['agents--all:rw', 'accounts--all:rw'], { role: 'administrator' });
    expectError(await h().call('suspend_agent', { id: 's1@example.com' }, { token }), 'authorization', 403, );
    expectError(await h().call('unsuspend_agent', { id: 's1@example.com' }, { token }), 'authorization', 403);
    expectError(await h().call('approve_agent', { id: 's1@example.com' }, { token }), 'authorization', 403);
    const { token: full } = await h().agentWithToken('admin-f@example.com', ['agents--all:rw', 'accounts--all:rw', 'sessions--all:rw', 'subscription.lc:rw'], { role: 'administrator' });
    expectError(await h().call('suspend_agent', { id: 'admin-f@example.com' }, { token: full }), 'validation', 400);
    await h().ok('suspend_agent', { id: 's1@example.com' }, { token: full });
    await h().ok('unsuspend_agent', { id: 's1@example.com' }, { token: full });
  });

  it('a suspended agent can only request unsuspension, which is recorded for owners and vice owners', async () => {
    await h().ok('create_agent', { id: 'vice@example.com', name: 'Vice', role: 'viceowner' });
    const { token } = await h().agentWithToken('sus@example.com', ['agents--my:ro']);
    expectError(await h().call('request_agent_unsuspension', {}, { token }), 'validation', 400);
    await h().ok('suspend_agent', { id: 'sus@example.com' });
    expectError(await h().call('get_agent', { id: 'sus@example.com' }, { token }), 'authorization', 403);
    assert.deepEqual(await h().ok('request_agent_unsuspension', {}, { token }), {});
    const rows = await h().store.db.selectFrom('unsuspension_requests').selectAll().where('agent_id', '=', 'sus@example.com').execute();
    assert.equal(rows.length, 1);
    const bosses = (await h().ok('list_agents', {})).filter((a: any) => a.role === 'owner' || a.role === 'viceowner').map((a: any) => a.id);
    assert.ok(bosses.includes('vice@example.com') && bosses.includes(h().boot.owner.id));
    assert.deepEqual(JSON.parse(rows[0]!.recipients).sort(), bosses.sort());
    expectError(await h().call('request_agent_unsuspension', { x: 1 }, { token }), 'validation', 400);
  });

  it('batch endpoints exist for create, update, delete, suspend, unsuspend and approve', async () => {
    const created = await h().ok('batch_create_agents', { requests: [{ id: 'bb1@example.com', name: 'BB1' }, { id: 'bb2@example.com', name: 'BB2', groups: [{ id: 777, priority: 'first' }] }] });
    assert.deepEqual(created.responses[0], { id: 'bb1@example.com' });
    assert.equal(created.responses[1].error.type, 'group_not_found');
    const updated = await h().ok('batch_update_agents', { requests: [{ id: 'bb1@example.com', name: 'BB1!' }, { id: 'ghost@example.com', name: 'x' }] });
    assert.deepEqual(updated.responses, [{}, { error: { type: 'not_found', message: 'Agent ghost@example.com not found' } }]);
    assert.deepEqual((await h().ok('batch_suspend_agents', { requests: [{ id: 'bb1@example.com' }] })).responses, [{}]);
    assert.deepEqual((await h().ok('batch_unsuspend_agents', { requests: [{ id: 'bb1@example.com' }] })).responses, [{}]);
    assert.deepEqual((await h().ok('batch_approve_agents', { requests: [{ id: 'bb1@example.com' }, {}] })).responses[1].error.message, '`id` is required');
    assert.deepEqual((await h().ok('batch_delete_agents', { requests: [{ id: 'bb1@example.com' }] })).responses, [{}]);
    expectError(await h().call('batch_request_agent_unsuspensions', { requests: [] }), 'not_found', 404);
  });

  it('a token of another licence cannot reach this licence agents', async () => {
    await h().ok('create_agent', { id: 'mine@example.com', name: 'Mine' });
    const other = await h().bootstrap();
    const t = { token: other.bearer_token };
    expectError(await h().call('get_agent', { id: 'mine@example.com' }, t), 'not_found', 404);
    expectError(await h().call('update_agent', { id: 'mine@example.com', name: 'hacked' }, t), 'not_found', 404);
    expectError(await h().call('delete_agent', { id: 'mine@example.com' }, t), 'not_found', 404);
    expectError(await h().call('suspend_agent', { id: 'mine@example.com' }, t), 'not_found', 404);
    await h().ok('create_agent', { id: 'mine@example.com', name: 'Theirs' }, t);
    assert.equal((await h().ok('get_agent', { id: 'mine@example.com' })).name, 'Mine');
  });

  it('records webhook events in the same transaction as each change', async () => {
    const count = async (action: string) =>
      (await eventsSince(h(), 0, action)).map((e) => e.payload);
    await h().ok('create_agent', { id: 'ev@example.com', name: 'Ev', groups: [{ id: 0, priority: 'normal' }] });
    const created = (await count('agent_created')).find((p: any) => p.id === 'ev@example.com');
    assert.equal(created.name, 'Ev');
    assert.deepEqual(created.groups, [{ id: 0, priority: 'normal' }]);
    await h().ok('update_agent', { id: 'ev@example.com', name: 'Ev2', job_title: '' });
    const updates = (await count('agent_updated')).filter((p: any) => p.id === 'ev@example.com');
    assert.deepEqual(updates, [{ id: 'ev@example.com', name: 'Ev2' }]);
    await h().ok('update_agent', { id: 'ev@example.com', name: 'Ev2', work_scheduler: {} });
    assert.equal((await count('agent_updated')).filter((p: any) => p.id === 'ev@example.com').length, 1, 'no change, no event');
    await h().call('create_agent', { id: 'ev@example.com', name: 'again' });
    assert.equal((await count('agent_created')).filter((p: any) => p.id === 'ev@example.com').length, 1, 'failed call, no event');
    await h().ok('suspend_agent', { id: 'ev@example.com' });
    await h().ok('unsuspend_agent', { id: 'ev@example.com' });
    await h().ok('delete_agent', { id: 'ev@example.com' });
    for (const a of ['agent_suspended', 'agent_unsuspended', 'agent_deleted']) {
      assert.deepEqual((await count(a)).filter((p: any) => p.id === 'ev@example.com'), [{ id: 'ev@example.com' }], a);
    }
  });
});
