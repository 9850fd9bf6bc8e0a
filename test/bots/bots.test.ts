import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, eventsSince, install, lastSeq, newApp } from '../support/harness.js';
import { hashSecret } from '../../src/kernel/crypto.js';
import { HEX32, botRow } from '../support/bots.js';

const WEBHOOK_BOT_FIELDS = [
  'id', 'name', 'default_group_priority', 'owner_client_id', 'avatar', 'max_chats_count', 'groups', 'work_scheduler',
  'timezone', 'job_title',
].sort();

describeStores('bots: create_bot / get_bot', (h) => {
  it('creates a bot with defaults; the secret is shown once and stored hashed', async () => {
    const res = await h().ok('create_bot', { name: 'Bot Name' });
    assert.deepEqual(Object.keys(res).sort(), ['id', 'secret']);
    assert.match(res.id, HEX32);
    assert.match(res.secret, HEX32);
    const row = await botRow(h(), h().boot.license_id, res.id);
    assert.equal(row?.secret_hash, hashSecret(res.secret));
    assert.notEqual(row?.secret_hash, res.secret);
    assert.equal(row?.created_via, 'app');
    assert.deepEqual(await h().ok('get_bot', { id: res.id }), {
      id: res.id,
      name: 'Bot Name',
      avatar: '',
      default_group_priority: 'first',
      owner_client_id: h().boot.client_id,
    });
    const full = await h().ok('get_bot', {
      id: res.id,
      fields: ['groups', 'work_scheduler', 'job_title', 'max_chats_count', 'timezone'],
    });
    assert.equal(full.max_chats_count, 6);
    assert.deepEqual(full.groups, []);
    assert.equal(full.job_title, '');
    assert.equal(full.timezone, '');
    assert.deepEqual(full.work_scheduler, {});
  });

  it('stores every parameter; the bot shows in the group agent_priorities', async () => {
    const { id } = await h().ok('create_bot', {
      name: 'Full',
      avatar: 'https://example.com/a.png',
      max_chats_count: 500,
      default_group_priority: 'supervisor',
      job_title: 'Helper',
      groups: [{ id: 0, priority: 'last' }],
      work_scheduler: { timezone: 'Europe/Warsaw', schedule: [{ day: 'monday', enabled: true, start: '08:00', end: '16:00' }] },
    });
    const bot = await h().ok('get_bot', { id, fields: ['groups', 'work_scheduler', 'job_title', 'max_chats_count', 'timezone'] });
    assert.deepEqual(bot, {
      id,
      name: 'Full',
      avatar: 'https://example.com/a.png',
      default_group_priority: 'supervisor',
      owner_client_id: h().boot.client_id,
      groups: [{ id: 0, priority: 'last' }],
      work_scheduler: { timezone: 'Europe/Warsaw', schedule: [{ day: 'monday', enabled: true, start: '08:00', end: '16:00' }] },
      job_title: 'Helper',
      max_chats_count: 500,
      timezone: 'Europe/Warsaw',
    });
    const group = await h().ok('get_group', { id: 0, fields: ['agent_priorities'] });
    assert.equal(group.agent_priorities[id], 'last');
  });

  it('records bot_created with the full state (exactly the webhook fields)', async () => {
    const seq = await lastSeq(h());
    const { id } = await h().ok('create_bot', { name: 'Hooked', groups: [{ id: 0, priority: 'first' }] });
    const events = await eventsSince(h(), seq);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.action, 'bot_created');
    assert.equal(events[0]!.source_client_id, h().boot.client_id);
    assert.deepEqual(Object.keys(events[0]!.payload).sort(), WEBHOOK_BOT_FIELDS);
    assert.equal(events[0]!.payload.id, id);
    assert.deepEqual(events[0]!.payload.groups, [{ id: 0, priority: 'first' }]);
    assert.equal(events[0]!.payload.owner_client_id, h().boot.client_id);
  });

  it('validates every parameter', async () => {
    const cases: [unknown, string][] = [
      [{}, '`name` is required'],
      [{ name: '' }, '`name` should not be empty'],
      [{ name: 5 }, '`name`'],
      [{ name: 'x', max_chats_count: 501 }, '`max_chats_count` should be at most 500'],
      [{ name: 'x', max_chats_count: -1 }, '`max_chats_count`'],
      [{ name: 'x', max_chats_count: 1.5 }, '`max_chats_count`'],
      [{ name: 'x', default_group_priority: 'top' }, '`default_group_priority`'],
      [{ name: 'x', avatar: 7 }, '`avatar`'],
      [{ name: 'x', job_title: false }, '`job_title`'],
      [{ name: 'x', groups: [{ id: 0 }] }, '`groups[0].priority` is required'],
      [{ name: 'x', groups: [{ priority: 'normal' }] }, '`groups[0].id` is required'],
      [{ name: 'x', groups: [{ id: 0, priority: 'boss' }] }, '`groups[0].priority`'],
      [{ name: 'x', groups: [{ id: 0, priority: 'normal' }, { id: 0, priority: 'first' }] }, 'more than once'],
      [{ name: 'x', work_scheduler: { schedule: [{ day: 'monday', enabled: true, start: '08:00', end: '09:00' }] } }, '`work_scheduler.timezone` is required'],
      [{ name: 'x', work_scheduler: { timezone: 'Mars/Olympus' } }, '`work_scheduler.timezone`'],
      [{ name: 'x', work_scheduler: { timezone: 'UTC', schedule: [{ day: 'monday', enabled: true, start: '10:00', end: '09:00' }] } }, 'later'],
      [{ name: 'x', owner_client_id: '' }, '`owner_client_id`'],
      [{ name: 'x', secret: 'mine' }, '`secret` is not a supported parameter'],
    ];
    for (const [body, message] of cases) {
      const res = await h().call('create_bot', body);
      expectError(res, 'validation', 400);
      assert.ok(res.body.error.message.includes(message), `${JSON.stringify(body)} → ${res.body.error.message}`);
    }
    assert.equal((await h().ok('create_bot', { name: 'tz only', work_scheduler: { timezone: 'UTC' } })).id.length, 32);
  });

  it('answers group_not_found for an unknown group', async () => {
    expectError(await h().call('create_bot', { name: 'x', groups: [{ id: 999, priority: 'normal' }] }), 'group_not_found', 404);
  });

  it('owner_client_id: the token client by default, another app of the organization when given, refused otherwise', async () => {
    const app2 = await newApp(h());
    const { id } = await h().ok('create_bot', { name: 'For app2', owner_client_id: app2 });
    assert.equal((await h().ok('get_bot', { id })).owner_client_id, app2);
    const foreign = await h().bootstrap();
    const res = await h().call('create_bot', { name: 'x', owner_client_id: foreign.client_id });
    expectError(res, 'authorization', 403);
    assert.match(res.body.error.message, /not an application of your organization/);
    expectError(await h().call('create_bot', { name: 'x', owner_client_id: 'no-such-client' }), 'authorization', 403);
  });

  it('with a PAT owner_client_id is required and the bot counts as PAT-created', async () => {
    const pat = `Basic ${h().boot.basic_auth}`;
    const res = await h().call('create_bot', { name: 'x' }, { authorization: pat });
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, /`owner_client_id` is required/);
    const { id } = await h().ok('create_bot', { name: 'By PAT', owner_client_id: h().boot.client_id }, { authorization: pat });
    const row = await botRow(h(), h().boot.license_id, id);
    assert.equal(row?.created_via, 'pat');
    assert.equal(row?.owner_client_id, h().boot.client_id);
    assert.equal((await eventsSince(h(), (await lastSeq(h())) - 1))[0]!.source_client_id, null);
  });

  it('scopes: create needs agents-bot--my:rw; a bot token cannot create bots', async () => {
    const { token } = await h().agentWithToken('ro-creator@example.com', ['agents-bot--all:ro']);
    expectError(await h().call('create_bot', { name: 'x' }, { token }), 'authorization', 403);
    const { token: rw } = await h().agentWithToken('creator@example.com', ['agents-bot--my:rw']);
    assert.match((await h().ok('create_bot', { name: 'mine' }, { token: rw })).id, HEX32);
    const { id } = await h().ok('create_bot', { name: 'account bot' });
    const botAccount = await h().tokenFor(id, ['agents-bot--my:rw']);
    expectError(await h().call('create_bot', { name: 'x' }, { token: botAccount.token }), 'authorization', 403);
  });

  it('get_bot: own bots with --my, others need agents-bot--all:ro; unknown → not_found', async () => {
    const app2 = await newApp(h());
    const { id: other } = await h().ok('create_bot', { name: 'Other app', owner_client_id: app2 });
    const { id: mine } = await h().ok('create_bot', { name: 'Mine' });
    const { token: my } = await h().agentWithToken('bot-reader@example.com', ['agents-bot--my:ro']);
    assert.equal((await h().ok('get_bot', { id: mine }, { token: my })).id, mine);
    expectError(await h().call('get_bot', { id: other }, { token: my }), 'authorization', 403);
    const { token: all } = await h().agentWithToken('bot-reader-all@example.com', ['agents-bot--all:ro']);
    assert.equal((await h().ok('get_bot', { id: other }, { token: all })).owner_client_id, app2);
    const { token: none } = await h().agentWithToken('no-bots@example.com', ['agents--all:ro']);
    expectError(await h().call('get_bot', { id: mine }, { token: none }), 'authorization', 403);
    expectError(await h().call('get_bot', { id: 'ffffffffffffffffffffffffffffffff' }), 'not_found', 404);
    expectError(await h().call('get_bot', { id: mine, fields: ['mobile'] }), 'validation', 400);
    expectError(await h().call('get_bot', {}), 'validation', 400);
    // an agent is not a bot
    expectError(await h().call('get_bot', { id: h().boot.owner.id }), 'not_found', 404);
  });

  it('refuses a token of another licence', async () => {
    const { id } = await h().ok('create_bot', { name: 'Here only' });
    const other = await h().bootstrap();
    expectError(await h().call('get_bot', { id }, { token: other.bearer_token }), 'not_found', 404);
    expectError(await h().call('update_bot', { id, name: 'x' }, { token: other.bearer_token }), 'not_found', 404);
    expectError(await h().call('delete_bot', { id }, { token: other.bearer_token }), 'not_found', 404);
    expectError(await h().call('reset_bot_secret', { id }, { token: other.bearer_token }), 'not_found', 404);
    const all = await h().ok('list_bots', { all: true }, { token: other.bearer_token });
    assert.deepEqual(all, []);
    assert.equal((await h().ok('get_bot', { id })).id, id);
  });
});

describeStores('bots: list_bots', (h) => {
  it('all:false lists the caller app bots (Bearer) or PAT-created bots (PAT); all:true lists every bot', async () => {
    const app2 = await newApp(h());
    const pat = `Basic ${h().boot.basic_auth}`;
    const a = await h().ok('create_bot', { name: 'A (app)', job_title: 'A' });
    const b = await h().ok('create_bot', { name: 'B (app2)', owner_client_id: app2 });
    const c = await h().ok('create_bot', { name: 'C (pat)', owner_client_id: h().boot.client_id }, { authorization: pat });
    const mine = await h().ok('list_bots', {});
    assert.deepEqual(mine, [{ id: a.id, name: 'A (app)', avatar: '' }]);
    assert.deepEqual(await h().ok('list_bots', { all: false }), mine);
    const app2Token = await h().tokenFor(h().boot.owner.id, ['agents-bot--my:ro'], { clientId: app2 });
    assert.deepEqual((await h().ok('list_bots', {}, { token: app2Token.token })).map((x: any) => x.id), [b.id]);
    assert.deepEqual((await h().ok('list_bots', {}, { authorization: pat })).map((x: any) => x.id), [c.id]);
    const all = await h().ok('list_bots', { all: true, fields: ['job_title', 'max_chats_count', 'groups', 'timezone', 'work_scheduler'] });
    assert.deepEqual(all.map((x: any) => x.id), [a.id, b.id, c.id]);
    assert.deepEqual(all[0], {
      id: a.id, name: 'A (app)', avatar: '', job_title: 'A', max_chats_count: 6, groups: [], timezone: '', work_scheduler: {},
    });
    // agents are not listed
    assert.ok(!all.some((x: any) => x.id === h().boot.owner.id));
  });

  it('scopes: all:true needs agents-bot--all:ro; no bot scope → authorization', async () => {
    const { token: my } = await h().agentWithToken('lister@example.com', ['agents-bot--my:ro']);
    assert.ok(Array.isArray(await h().ok('list_bots', {}, { token: my })));
    expectError(await h().call('list_bots', { all: true }, { token: my }), 'authorization', 403);
    const { token: all } = await h().agentWithToken('lister-all@example.com', ['agents-bot--all:ro']);
    assert.ok(Array.isArray(await h().ok('list_bots', { all: true }, { token: all })));
    const { token: none } = await h().agentWithToken('lister-none@example.com', ['agents--all:ro']);
    expectError(await h().call('list_bots', {}, { token: none }), 'authorization', 403);
    expectError(await h().call('list_bots', { all: 'yes' }), 'validation', 400);
    expectError(await h().call('list_bots', { fields: ['secret'] }), 'validation', 400);
  });
});

describeStores('bots: update_bot / delete_bot / reset_bot_secret / batches', (h) => {
  it('update_bot changes what it names and records only the changed fields', async () => {
    const { id } = await h().ok('create_bot', { name: 'Old', max_chats_count: 3 });
    const { id: groupId } = await h().ok('create_group', { name: 'Support', agent_priorities: { [h().boot.owner.id]: 'normal' } });
    const seq = await lastSeq(h());
    await h().ok('update_bot', {
      id,
      name: 'New',
      max_chats_count: 3,
      job_title: 'Greeter',
      default_group_priority: 'last',
      groups: [{ id: groupId, priority: 'first' }],
      work_scheduler: { timezone: 'America/New_York', schedule: [] },
    });
    const events = await eventsSince(h(), seq);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.action, 'bot_updated');
    assert.deepEqual(events[0]!.payload, {
      id,
      name: 'New',
      job_title: 'Greeter',
      default_group_priority: 'last',
      groups: [{ id: groupId, priority: 'first' }],
      work_scheduler: { timezone: 'America/New_York', schedule: [] },
      timezone: 'America/New_York',
    });
    const bot = await h().ok('get_bot', { id, fields: ['groups', 'job_title', 'timezone', 'max_chats_count'] });
    assert.equal(bot.name, 'New');
    assert.equal(bot.default_group_priority, 'last');
    assert.equal(bot.job_title, 'Greeter');
    assert.equal(bot.timezone, 'America/New_York');
    assert.equal(bot.max_chats_count, 3);
    assert.deepEqual(bot.groups, [{ id: groupId, priority: 'first' }]);
    const group = await h().ok('get_group', { id: groupId, fields: ['agent_priorities'] });
    assert.equal(group.agent_priorities[id], 'first');
    // nothing changes → no event
    const seq2 = await lastSeq(h());
    assert.deepEqual(await h().ok('update_bot', { id, name: 'New' }), {});
    assert.equal((await eventsSince(h(), seq2)).length, 0);
  });

  it('update_bot validates like create_bot', async () => {
    const { id } = await h().ok('create_bot', { name: 'V' });
    expectError(await h().call('update_bot', { name: 'x' }), 'validation', 400);
    expectError(await h().call('update_bot', { id, max_chats_count: 501 }), 'validation', 400);
    expectError(await h().call('update_bot', { id, name: '' }), 'validation', 400);
    expectError(await h().call('update_bot', { id, default_group_priority: 'x' }), 'validation', 400);
    expectError(await h().call('update_bot', { id, groups: [{ id: 0, priority: 'x' }] }), 'validation', 400);
    expectError(await h().call('update_bot', { id, owner_client_id: h().boot.client_id }), 'validation', 400);
    expectError(await h().call('update_bot', { id, work_scheduler: { schedule: [{ day: 'friday', enabled: true, start: '01:00', end: '02:00' }] } }), 'validation', 400);
    expectError(await h().call('update_bot', { id, groups: [{ id: 4242, priority: 'normal' }] }), 'group_not_found', 404);
    expectError(await h().call('update_bot', { id: 'ffffffffffffffffffffffffffffffff', name: 'x' }), 'not_found', 404);
    assert.deepEqual(await h().ok('update_bot', { id, max_chats_count: 500 }), {});
  });

  it('scopes: --my:rw updates/deletes own bots only; --all:rw reaches other bots', async () => {
    const app2 = await newApp(h());
    const { id: other } = await h().ok('create_bot', { name: 'Other', owner_client_id: app2 });
    const { token: my } = await h().agentWithToken('bot-writer@example.com', ['agents-bot--my:rw']);
    const { id: mine } = await h().ok('create_bot', { name: 'Mine' }, { token: my });
    assert.deepEqual(await h().ok('update_bot', { id: mine, name: 'Mine 2' }, { token: my }), {});
    expectError(await h().call('update_bot', { id: other, name: 'x' }, { token: my }), 'authorization', 403);
    expectError(await h().call('delete_bot', { id: other }, { token: my }), 'authorization', 403);
    const { token: ro } = await h().agentWithToken('bot-ro@example.com', ['agents-bot--all:ro']);
    expectError(await h().call('update_bot', { id: mine, name: 'x' }, { token: ro }), 'authorization', 403);
    expectError(await h().call('delete_bot', { id: mine }, { token: ro }), 'authorization', 403);
    const { token: all } = await h().agentWithToken('bot-admin@example.com', ['agents-bot--all:rw']);
    assert.deepEqual(await h().ok('update_bot', { id: other, name: 'Renamed' }, { token: all }), {});
    assert.deepEqual(await h().ok('delete_bot', { id: other }, { token: all }), {});
    assert.deepEqual(await h().ok('delete_bot', { id: mine }, { token: my }), {});
  });

  it('delete_bot removes the bot and its group memberships and records bot_deleted', async () => {
    const { id } = await h().ok('create_bot', { name: 'Doomed', groups: [{ id: 0, priority: 'normal' }] });
    const seq = await lastSeq(h());
    assert.deepEqual(await h().ok('delete_bot', { id }), {});
    expectError(await h().call('get_bot', { id }), 'not_found', 404);
    const group = await h().ok('get_group', { id: 0, fields: ['agent_priorities'] });
    assert.equal(group.agent_priorities[id], undefined);
    const events = await eventsSince(h(), seq);
    assert.deepEqual(events.map((e) => [e.action, e.payload]), [['bot_deleted', { id }]]);
    expectError(await h().call('delete_bot', { id }), 'not_found', 404);
    expectError(await h().call('delete_bot', {}), 'validation', 400);
    // an agent cannot be deleted through delete_bot
    expectError(await h().call('delete_bot', { id: h().boot.owner.id }), 'not_found', 404);
  });

  it('reset_bot_secret returns a new secret and invalidates the old one', async () => {
    const { id, secret } = await h().ok('create_bot', { name: 'Secretive' });
    const issue = (s: string) =>
      h().call('issue_bot_token', { bot_id: id, client_id: h().boot.client_id, bot_secret: s, organization_id: h().boot.organization_id }, { token: null });
    assert.equal((await issue(secret)).status, 200);
    const res = await h().ok('reset_bot_secret', { id });
    assert.deepEqual(Object.keys(res), ['secret']);
    assert.match(res.secret, HEX32);
    assert.notEqual(res.secret, secret);
    expectError(await issue(secret), 'authentication', 401);
    assert.equal((await issue(res.secret)).status, 200);
    assert.equal((await botRow(h(), h().boot.license_id, id))?.secret_hash, hashSecret(res.secret));
  });

  it('reset_bot_secret: owner_client_id required with a PAT, the bot must belong to the owner, scope --my:rw', async () => {
    const { id } = await h().ok('create_bot', { name: 'R' });
    const pat = `Basic ${h().boot.basic_auth}`;
    expectError(await h().call('reset_bot_secret', { id }, { authorization: pat }), 'validation', 400);
    assert.match((await h().ok('reset_bot_secret', { id, owner_client_id: h().boot.client_id }, { authorization: pat })).secret, HEX32);
    const app2 = await newApp(h());
    expectError(await h().call('reset_bot_secret', { id, owner_client_id: app2 }), 'authorization', 403);
    const foreign = await h().bootstrap();
    expectError(await h().call('reset_bot_secret', { id, owner_client_id: foreign.client_id }), 'authorization', 403);
    const { token: ro } = await h().agentWithToken('reset-ro@example.com', ['agents-bot--all:ro']);
    expectError(await h().call('reset_bot_secret', { id }, { token: ro }), 'authorization', 403);
    expectError(await h().call('reset_bot_secret', { id: 'ffffffffffffffffffffffffffffffff' }), 'not_found', 404);
    expectError(await h().call('reset_bot_secret', {}), 'validation', 400);
  });

  it('batch_create/update/delete_bots answer per item and record one event per item', async () => {
    const seq = await lastSeq(h());
    const created = await h().ok('batch_create_bots', {
      requests: [{ name: 'B1' }, { name: 'B2', groups: [{ id: 77, priority: 'normal' }] }, {}, { name: 'B3' }],
    });
    assert.equal(created.responses.length, 4);
    assert.match(created.responses[0].id, HEX32);
    assert.match(created.responses[0].secret, HEX32);
    assert.equal(created.responses[1].error.type, 'group_not_found');
    assert.equal(created.responses[2].error.type, 'validation');
    assert.match(created.responses[3].id, HEX32);
    const [b1, , , b3] = created.responses;
    const updated = await h().ok('batch_update_bots', { requests: [{ id: b1.id, name: 'B1*' }, { id: b3.id, name: 'B3*' }, { id: 'nope' }] });
    assert.deepEqual(updated.responses.slice(0, 2), [{}, {}]);
    assert.equal(updated.responses[2].error.type, 'not_found');
    const deleted = await h().ok('batch_delete_bots', { requests: [{ id: b1.id }, { id: b3.id }] });
    assert.deepEqual(deleted.responses, [{}, {}]);
    const actions = (await eventsSince(h(), seq)).map((e) => e.action);
    assert.deepEqual(actions, ['bot_created', 'bot_created', 'bot_updated', 'bot_updated', 'bot_deleted', 'bot_deleted']);
    const { token } = await h().agentWithToken('batch-ro@example.com', ['agents-bot--all:ro']);
    expectError(await h().call('batch_create_bots', { requests: [{ name: 'x' }] }, { token }), 'authorization', 403);
  });
});

describeStores('bots: owner_client_id of an installed application of another organization', (h) => {
  /** A marketplace application (another organization's) installed on the licence, and a token issued to it. */
  async function vendorToken(scopes: string[]) {
    const vendor = await h().bootstrap();
    await install(h(), vendor.client_id, h().boot.license_id);
    const { token } = await h().tokenFor(h().boot.owner.id, scopes, { clientId: vendor.client_id });
    return { clientId: vendor.client_id, token };
  }

  it('create_bot: its own client id works as when left out; any other foreign client id → authorization', async () => {
    const { clientId, token } = await vendorToken(['agents-bot--my:rw', 'agents-bot--my:ro']);
    const left = await h().ok('create_bot', { name: 'Left out' }, { token });
    const named = await h().ok('create_bot', { name: 'Named', owner_client_id: clientId }, { token });
    for (const { id } of [left, named]) {
      const row = await botRow(h(), h().boot.license_id, id);
      assert.equal(row?.owner_client_id, clientId);
      assert.equal(row?.created_via, 'app');
    }
    // Both are the application's own bots.
    const mine = await h().ok('list_bots', {}, { token });
    assert.deepEqual(mine.map((b: { id: string }) => b.id).sort(), [left.id, named.id].sort());
    const third = await h().bootstrap();
    const res = await h().call('create_bot', { name: 'x', owner_client_id: third.client_id }, { token });
    expectError(res, 'authorization', 403);
    assert.match(res.body.error.message, /not an application of your organization/);
    // The licence organization's own applications stay usable for such a token, as for any token of the licence.
    assert.match((await h().ok('create_bot', { name: 'Org app', owner_client_id: h().boot.client_id }, { token })).id, HEX32);
  });

  it('reset_bot_secret: its own client id works as when left out', async () => {
    const { clientId, token } = await vendorToken(['agents-bot--my:rw']);
    const { id } = await h().ok('create_bot', { name: 'Vendor bot' }, { token });
    const a = await h().ok('reset_bot_secret', { id }, { token });
    const b = await h().ok('reset_bot_secret', { id, owner_client_id: clientId }, { token });
    assert.match(a.secret, HEX32);
    assert.match(b.secret, HEX32);
    assert.equal((await botRow(h(), h().boot.license_id, id))?.secret_hash, hashSecret(b.secret));
    const third = await h().bootstrap();
    expectError(await h().call('reset_bot_secret', { id, owner_client_id: third.client_id }, { token }), 'authorization', 403);
    // Another token (the licence's own application) naming the vendor's client id may not act for it.
    expectError(await h().call('reset_bot_secret', { id, owner_client_id: clientId }), 'authorization', 403);
  });

  it('batch_create_bots: per item, the own client id works and a foreign one answers authorization', async () => {
    const { clientId, token } = await vendorToken(['agents-bot--my:rw']);
    const third = await h().bootstrap();
    const res = await h().ok(
      'batch_create_bots',
      { requests: [{ name: 'B own', owner_client_id: clientId }, { name: 'B foreign', owner_client_id: third.client_id }, { name: 'B left out' }] },
      { token },
    );
    assert.match(res.responses[0].id, HEX32);
    assert.equal(res.responses[1].error.type, 'authorization');
    assert.match(res.responses[2].id, HEX32);
    for (const i of [0, 2]) assert.equal((await botRow(h(), h().boot.license_id, res.responses[i].id))?.owner_client_id, clientId);
    // The licence owner's token naming the vendor's client id in a batch item: authorization too.
    const owner = await h().ok('batch_create_bots', { requests: [{ name: 'x', owner_client_id: clientId }] });
    assert.equal(owner.responses[0].error.type, 'authorization');
  });

  it('bot templates make no exception: the token’s own client id of another organization → authorization', async () => {
    const { clientId, token } = await vendorToken(['bots.templates:rw']);
    for (const [action, body] of [
      ['create_bot_template', { name: 'T' }],
      ['create_bot_template', { name: 'T', owner_client_id: clientId }],
      ['list_bot_templates', { owner_client_id: clientId }],
      ['update_bot_template', { id: 'ffffffffffffffffffffffffffffffff', name: 'x', owner_client_id: clientId }],
      ['delete_bot_template', { id: 'ffffffffffffffffffffffffffffffff', owner_client_id: clientId }],
      ['reset_bot_template_secret', { id: 'ffffffffffffffffffffffffffffffff', owner_client_id: clientId }],
    ] as const) {
      expectError(await h().call(action, body, { token }), 'authorization', 403);
    }
  });
});
