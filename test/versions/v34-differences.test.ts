/**
 * Each documented difference of v3.4 from v3.5 (src/versions/v3.4/), on both stores through the real server, with
 * v3.5 beside it: work_scheduler in v3.4's form translated both ways (agents and bots), what v3.4 cannot express,
 * agent answers without account_id/last_logout, bots' top-level timezone, the owner_client_id rule, v3.4's limits,
 * list_group_properties, get_license_id and get_organization_id (GET with a query string), the JS SDK's
 * namespace_prefix, and the methods v3.4 lacks.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, newGroup } from '../support/harness.js';

const V34 = { version: 'v3.4' };
const V35 = { version: 'v3.5' };

describeStores('v3.4 differences from v3.5', (h) => {
  it('agents: a v3.4 work_scheduler is stored as v3.5 ranges, and a v3.5 schedule reads back in v3.4 form', async () => {
    const id = 'ws34@example.com';
    await h().ok('create_agent', { id, name: 'W', work_scheduler: { monday: { start: '08:30', end: '12:30' }, friday: { start: '07:30', end: '21:30' } } }, V34);
    // Through v3.5: one enabled range per day given, no time zone (v3.4 has none: the agent's own).
    const v35 = await h().ok('get_agent', { id, fields: ['work_scheduler'] }, V35);
    assert.deepEqual(v35.work_scheduler, {
      schedule: [
        { day: 'monday', enabled: true, start: '08:30', end: '12:30' },
        { day: 'friday', enabled: true, start: '07:30', end: '21:30' },
      ],
    });
    // Through v3.4: as written.
    const v34 = await h().ok('get_agent', { id, fields: ['work_scheduler'] }, V34);
    assert.deepEqual(v34.work_scheduler, { monday: { start: '08:30', end: '12:30' }, friday: { start: '07:30', end: '21:30' } });

    // Written through v3.5 with a zone and a day off: v3.4 shows the enabled days only.
    await h().ok('update_agent', {
      id,
      work_scheduler: {
        timezone: 'Europe/Warsaw',
        schedule: [
          { day: 'tuesday', enabled: true, start: '09:00', end: '17:00' },
          { day: 'wednesday', enabled: false, start: '09:00', end: '17:00' },
        ],
      },
    }, V35);
    const listed = (await h().ok('list_agents', { fields: ['work_scheduler'] }, V34)).find((a: any) => a.id === id);
    assert.deepEqual(listed.work_scheduler, { tuesday: { start: '09:00', end: '17:00' } });

    // A v3.4 update keeps the stored zone.
    await h().ok('update_agent', { id, work_scheduler: { sunday: { start: '10:00', end: '24:00' } } }, V34);
    assert.deepEqual((await h().ok('get_agent', { id, fields: ['work_scheduler'] }, V35)).work_scheduler, {
      timezone: 'Europe/Warsaw',
      schedule: [{ day: 'sunday', enabled: true, start: '10:00', end: '24:00' }],
    });
    // An empty v3.4 schedule clears the days, the zone stays.
    await h().ok('update_agent', { id, work_scheduler: {} }, V34);
    assert.deepEqual((await h().ok('get_agent', { id, fields: ['work_scheduler'] }, V35)).work_scheduler, { timezone: 'Europe/Warsaw', schedule: [] });
    assert.deepEqual((await h().ok('get_agent', { id, fields: ['work_scheduler'] }, V34)).work_scheduler, {});
  });

  it('agents: each version refuses the other one\'s schedule shape; v3.4 ranges must end after they start', async () => {
    const v35Shape = { timezone: 'Europe/Warsaw', schedule: [{ day: 'monday', enabled: true, start: '08:00', end: '16:00' }] };
    expectError(await h().call('create_agent', { id: 'shape34@example.com', name: 'S', work_scheduler: v35Shape }, V34), 'validation', 400);
    expectError(await h().call('create_agent', { id: 'shape35@example.com', name: 'S', work_scheduler: { monday: { start: '08:00', end: '16:00' } } }, V35), 'validation', 400);
    const backwards = await h().call('create_agent', { id: 'shape34@example.com', name: 'S', work_scheduler: { monday: { start: '16:00', end: '08:00' } } }, V34);
    expectError(backwards, 'validation', 400);
    assert.equal(backwards.body.error.message, '`work_scheduler.monday.end` should be later than `start`');
    expectError(await h().call('create_agent', { id: 'shape34@example.com', name: 'S', work_scheduler: { someday: { start: '08:00', end: '16:00' } } }, V34), 'validation', 400);
    expectError(await h().call('create_agent', { id: 'shape34@example.com', name: 'S', work_scheduler: { monday: { start: '8:00', end: '16:00' } } }, V34), 'validation', 400);
    expectError(await h().call('get_agent', { id: 'shape34@example.com' }, V34), 'not_found', 404);
  });

  it('a schedule with several ranges on one day cannot be read through v3.4 (validation); the agent itself can', async () => {
    const id = 'split@example.com';
    await h().ok('create_agent', {
      id,
      name: 'Split',
      work_scheduler: {
        timezone: 'UTC',
        schedule: [
          { day: 'monday', enabled: true, start: '08:00', end: '12:00' },
          { day: 'monday', enabled: true, start: '13:00', end: '17:00' },
        ],
      },
    }, V35);
    const one = await h().call('get_agent', { id, fields: ['work_scheduler'] }, V34);
    expectError(one, 'validation', 400);
    assert.match(one.body.error.message, /split@example\.com has several working ranges on monday, which v3\.4 cannot express/);
    expectError(await h().call('list_agents', { fields: ['work_scheduler'] }, V34), 'validation', 400);
    // Without the field, and through v3.5, it reads.
    assert.equal((await h().ok('get_agent', { id, fields: ['job_title'] }, V34)).id, id);
    assert.ok((await h().ok('list_agents', {}, V34)).some((a: any) => a.id === id));
    assert.equal((await h().ok('get_agent', { id, fields: ['work_scheduler'] }, V35)).work_scheduler.schedule.length, 2);
    // A second range that is disabled is a day off: v3.4 reads the enabled one.
    await h().ok('update_agent', {
      id,
      work_scheduler: {
        timezone: 'UTC',
        schedule: [
          { day: 'monday', enabled: true, start: '08:00', end: '12:00' },
          { day: 'monday', enabled: false, start: '13:00', end: '17:00' },
        ],
      },
    }, V35);
    assert.deepEqual((await h().ok('get_agent', { id, fields: ['work_scheduler'] }, V34)).work_scheduler, { monday: { start: '08:00', end: '12:00' } });
  });

  it('agent answers carry no account_id and offer no last_logout; list_agents has no suspended filter', async () => {
    const id = 'answers34@example.com';
    await h().ok('create_agent', { id, name: 'A' }, V34);
    const v34 = await h().ok('get_agent', { id }, V34);
    assert.deepEqual(Object.keys(v34), ['id', 'name', 'avatar', 'role', 'login_status']);
    assert.ok((await h().ok('get_agent', { id }, V35)).account_id);
    for (const agent of await h().ok('list_agents', { fields: ['groups', 'suspended'] }, V34)) assert.equal('account_id' in agent, false);
    const lastLogout = await h().call('get_agent', { id, fields: ['last_logout'] }, V34);
    expectError(lastLogout, 'validation', 400);
    expectError(await h().call('list_agents', { fields: ['last_logout'] }, V34), 'validation', 400);
    expectError(await h().call('list_agents', { filters: { suspended: false } }, V34), 'validation', 400);
    await h().ok('list_agents', { filters: { suspended: false } }, V35);
  });

  it('v3.4 limits: agents max_chats_count up to 100 on create and update, bots up to 500, names up to 180', async () => {
    await h().ok('create_agent', { id: 'lim34@example.com', name: 'L', max_chats_count: 100 }, V34);
    expectError(await h().call('create_agent', { id: 'lim34b@example.com', name: 'L', max_chats_count: 101 }, V34), 'validation', 400);
    await h().ok('update_agent', { id: 'lim34@example.com', max_chats_count: 100 }, V34);
    expectError(await h().call('update_agent', { id: 'lim34@example.com', max_chats_count: 101 }, V34), 'validation', 400);
    expectError(await h().call('create_agent', { id: 'lim34c@example.com', name: 'x'.repeat(181) }, V34), 'validation', 400);
    const bot = await h().ok('create_bot', { name: 'Limits', max_chats_count: 500 }, V34);
    expectError(await h().call('update_bot', { id: bot.id, max_chats_count: 501 }, V34), 'validation', 400);
    expectError(await h().call('create_group', { name: 'g'.repeat(181), agent_priorities: {} }, V34), 'validation', 400);
  });

  it('bots: v3.4 work_scheduler with the top-level timezone, stored as v3.5 and read back both ways', async () => {
    const bot = await h().ok('create_bot', { name: 'Sched', timezone: 'America/New_York', work_scheduler: { monday: { start: '09:00', end: '17:00' } } }, V34);
    const fields = ['work_scheduler', 'timezone'];
    assert.deepEqual(await h().ok('get_bot', { id: bot.id, fields }, V35).then((b) => [b.work_scheduler, b.timezone]), [
      { timezone: 'America/New_York', schedule: [{ day: 'monday', enabled: true, start: '09:00', end: '17:00' }] },
      'America/New_York',
    ]);
    const v34 = await h().ok('get_bot', { id: bot.id, fields }, V34);
    assert.deepEqual([v34.work_scheduler, v34.timezone], [{ monday: { start: '09:00', end: '17:00' } }, 'America/New_York']);
    // The time zone is required with a schedule; alone it moves the stored schedule to the new zone.
    const noZone = await h().call('update_bot', { id: bot.id, work_scheduler: { friday: { start: '09:00', end: '17:00' } } }, V34);
    expectError(noZone, 'validation', 400);
    assert.equal(noZone.body.error.message, '`timezone` is required when `work_scheduler` is given');
    expectError(await h().call('create_bot', { name: 'NoZone', work_scheduler: { friday: { start: '09:00', end: '17:00' } } }, V34), 'validation', 400);
    await h().ok('update_bot', { id: bot.id, timezone: 'Europe/Paris' }, V34);
    assert.deepEqual((await h().ok('get_bot', { id: bot.id, fields }, V35)).work_scheduler.timezone, 'Europe/Paris');
    // A v3.5 schedule with two ranges on a day: v3.4 cannot show it.
    await h().ok('update_bot', {
      id: bot.id,
      work_scheduler: { timezone: 'UTC', schedule: [{ day: 'monday', enabled: true, start: '01:00', end: '02:00' }, { day: 'monday', enabled: true, start: '03:00', end: '04:00' }] },
    }, V35);
    expectError(await h().call('get_bot', { id: bot.id, fields }, V34), 'validation', 400);
    expectError(await h().call('list_bots', { all: true, fields }, V34), 'validation', 400);
    assert.equal((await h().ok('get_bot', { id: bot.id, fields: ['timezone'] }, V34)).timezone, 'UTC');
    const listed = (await h().ok('list_bots', { all: true, fields: ['timezone'] }, V34)).find((b: any) => b.id === bot.id);
    assert.equal(listed.timezone, 'UTC');
  });

  it('owner_client_id with a Bearer token is refused (create_bot, the webhook state methods); with a PAT it is needed', async () => {
    const client = h().boot.client_id;
    const refused = await h().call('create_bot', { name: 'Owned', owner_client_id: client }, V34);
    expectError(refused, 'validation', 400);
    assert.match(refused.body.error.message, /Personal Access Token/);
    for (const action of ['enable_license_webhooks', 'disable_license_webhooks', 'get_license_webhooks_state']) {
      expectError(await h().call(action, { owner_client_id: client }, V34), 'validation', 400);
      await h().ok(action, { owner_client_id: client }, V35);
      await h().ok(action, {}, V34);
    }
    await h().ok('create_bot', { name: 'Owned', owner_client_id: client }, V35);
    // A PAT names it.
    const pat = { ...V34, authorization: `Basic ${h().boot.basic_auth}` };
    const byPat = await h().ok('create_bot', { name: 'ByPat', owner_client_id: client }, pat);
    assert.equal((await h().ok('get_bot', { id: byPat.id }, V34)).owner_client_id, client);
    await h().ok('disable_license_webhooks', { owner_client_id: client }, pat);
    assert.deepEqual(await h().ok('get_license_webhooks_state', { owner_client_id: client }, pat), { license_webhooks_enabled: false });
    await h().ok('enable_license_webhooks', { owner_client_id: client }, pat);
    assert.deepEqual(await h().ok('get_license_webhooks_state', {}, V34), { license_webhooks_enabled: true });
  });

  it('list_group_properties: one group\'s values, by POST or GET, with the reference\'s scopes; v3.5 lacks it', async () => {
    const client = h().boot.client_id;
    await h().ok('register_property', { name: 'shade', owner_client_id: client, type: 'string', access: { group: { agent: ['read', 'write'] } }, default_value: 'grey' });
    const group = await newGroup(h(), 'Shades');
    await h().ok('update_group_properties', { group_id: group, properties: { [client]: { shade: 'teal' } } }, V34);
    assert.deepEqual(await h().ok('list_group_properties', { id: group, namespace: client }, V34), { [client]: { shade: 'teal' } });
    assert.deepEqual(await h().ok('list_group_properties', { id: 0, namespace: client, name_prefix: 'sha' }, V34), { [client]: { shade: 'grey' } });
    const get = await h().raw('GET', `/v3.4/configuration/action/list_group_properties?id=${group}&namespace=${client}`);
    assert.deepEqual([get.status, get.body], [200, { [client]: { shade: 'teal' } }]);
    const bad = await h().raw('GET', '/v3.4/configuration/action/list_group_properties?id=first');
    assert.deepEqual([bad.status, bad.body.error.type], [400, 'validation']);
    expectError(await h().call('list_group_properties', { id: 999 }, V34), 'group_not_found', 404);
    expectError(await h().call('list_group_properties', {}, V34), 'validation', 400);
    // The `--my` scope reaches the caller's own namespace only.
    const { token } = await h().agentWithToken('gp-my@example.com', ['properties.group.value--my:ro']);
    assert.deepEqual(await h().ok('list_group_properties', { id: group }, { ...V34, token }), { [client]: { shade: 'teal' } });
    const { token: none } = await h().agentWithToken('gp-none@example.com', ['agents--my:ro']);
    expectError(await h().call('list_group_properties', { id: group }, { ...V34, token: none }), 'authorization', 403);
    expectError(await h().call('list_group_properties', { id: group }, V35), 'not_found', 404);
  });

  it('the JS SDK\'s namespace_prefix filters the namespaces listed (list_license_properties, list_group_properties)', async () => {
    const client = h().boot.client_id;
    await h().ok('register_property', { name: 'prefixed', owner_client_id: client, type: 'int', access: { license: { agent: ['read', 'write'] }, group: { agent: ['read', 'write'] } }, default_value: 7 });
    const all = await h().ok('list_license_properties', {}, V34);
    assert.ok(Object.keys(all).length >= 1 && all[client]);
    assert.deepEqual(Object.keys(await h().ok('list_license_properties', { namespace_prefix: client.slice(0, 6) }, V34)), Object.keys(all).filter((ns) => ns.startsWith(client.slice(0, 6))));
    assert.deepEqual(await h().ok('list_license_properties', { namespace_prefix: 'zz-no-such', name_prefix: 'pre' }, V34), {});
    const get = await h().raw('GET', `/v3.4/configuration/action/list_group_properties?id=0&namespace_prefix=${client}&name_prefix=pre`);
    assert.deepEqual([get.status, get.body], [200, { [client]: { prefixed: 7 } }]);
    expectError(await h().call('list_license_properties', { namespace_prefix: client }, V35), 'validation', 400);
  });

  it('get_license_id and get_organization_id: GET with a query string, no authorization; a bad query answers 400', async () => {
    const { license_id, organization_id } = h().boot;
    const noAuth = { authorization: '' };
    const lic = await h().raw('GET', `/v3.4/configuration/action/get_license_id?organization_id=${organization_id}`, undefined, noAuth);
    assert.deepEqual([lic.status, lic.body], [200, { license_id }]);
    assert.equal(lic.headers.deprecation, '2027-03-31');
    const org = await h().raw('GET', `/v3.4/configuration/action/get_organization_id?license_id=${license_id}`, undefined, noAuth);
    assert.deepEqual([org.status, org.body], [200, { organization_id }]);
    // A token is not needed, and one sent is ignored; POST with a JSON body works too.
    assert.deepEqual(await h().ok('get_organization_id', { license_id }, V34), { organization_id });
    assert.deepEqual(await h().ok('get_license_id', { organization_id }, { ...V34, token: null }), { license_id });
    for (const query of ['get_license_id', 'get_license_id?license_id=1', 'get_organization_id?license_id=abc', 'get_organization_id?license_id=1&x=2', 'get_organization_id?license_id=0']) {
      const res = await h().raw('GET', `/v3.4/configuration/action/${query}`, undefined, noAuth);
      assert.deepEqual([res.status, res.body.error.type], [400, 'validation'], query);
    }
    const unknown = await h().raw('GET', '/v3.4/configuration/action/get_license_id?organization_id=00000000-0000-0000-0000-000000000000', undefined, noAuth);
    assert.deepEqual([unknown.status, unknown.body.error.type], [404, 'not_found']);
    const gone = await h().raw('GET', `/v3.4/configuration/action/get_organization_id?license_id=${license_id + 100000}`, undefined, noAuth);
    assert.deepEqual([gone.status, gone.body.error.type], [404, 'not_found']);
    // v3.5 and v3.6 do not have them (removed in v3.5).
    for (const v of ['v3.5', 'v3.6']) {
      const res = await h().raw('GET', `/${v}/configuration/action/get_license_id?organization_id=${organization_id}`);
      assert.ok(res.status >= 400 && res.status < 500 && res.body.error.type, v);
      expectError(await h().call('get_organization_id', { license_id }, { version: v }), 'not_found', 404);
    }
  });

  it('methods v3.4 lacks answer in the error format with a 4xx', async () => {
    for (const name of ['create_greeting', 'list_customer_bans', 'list_groups_properties', 'issue_bot_token', 'batch_update_bots', 'list_tags', 'no_such_method']) {
      const res = await h().call(name, {}, V34);
      assert.ok(res.status >= 400 && res.status < 500, name);
      expectError(res, 'not_found', 404);
    }
  });
});
