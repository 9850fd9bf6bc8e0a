import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError } from '../support/harness.js';
import { cliJson } from '../support/cli.js';
import { PLAN_LIMITS } from '../../src/other/limits.js';
import { DEFAULT_PRODUCT_SOURCE } from '../../src/tenancy/licenses.js';
import { insertAgent } from '../../src/agents/repo.js';

describeStores('other', (h) => {
  it('list_channels answers [] for a licence without activity, with any token and no scope', async () => {
    const lic = await h().bootstrap();
    assert.deepEqual(await h().ok('list_channels', {}, { token: lic.bearer_token }), []);
    const plain = await h().tokenFor(lic.owner.id, [], { licenseId: lic.license_id, clientId: lic.client_id });
    assert.deepEqual(await h().ok('list_channels', {}, { token: plain.token }), []);
    assert.deepEqual(await h().ok('list_channels', undefined, { token: plain.token }), []);
    expectError(await h().call('list_channels', {}, { token: null }), 'authentication', 401);
    expectError(await h().call('list_channels', { type: 'code' }), 'validation', 400);
  });

  it('records channel activity with the CLI (earliest time kept) and lists it per licence', async () => {
    const lic = await h().bootstrap();
    const other = await h().bootstrap();
    const L = String(lic.license_id);
    const first = await cliJson(h(), ['channels', 'record', '--license', L, '--type', 'code', '--at', '2017-10-12T15:56:16.250+02:00']);
    assert.equal(first.code, 0);
    assert.deepEqual(first.json, { channel_type: 'code', channel_subtype: '', first_activity_timestamp: '2017-10-12T13:56:16Z' });
    const later = await cliJson(h(), ['channels', 'record', '--license', L, '--type', 'code', '--at', '2018-01-01T00:00:00Z']);
    assert.equal(later.json.first_activity_timestamp, '2017-10-12T13:56:16Z', 'the earliest activity is kept');
    await cliJson(h(), ['channels', 'record', '--license', L, '--type', 'direct_link', '--at', '2017-10-12T15:20:00Z']);
    await cliJson(h(), ['channels', 'record', '--license', L, '--type', 'integration', '--subtype', lic.client_id, '--at', '2019-08-16T16:55:51Z']);
    const earlier = await cliJson(h(), ['channels', 'record', '--license', L, '--type', 'direct_link', '--at', '2017-10-12T15:00:00Z']);
    assert.equal(earlier.json.first_activity_timestamp, '2017-10-12T15:00:00Z', 'an earlier activity replaces a later one');
    const expected = [
      { channel_type: 'code', channel_subtype: '', first_activity_timestamp: '2017-10-12T13:56:16Z' },
      { channel_type: 'direct_link', channel_subtype: '', first_activity_timestamp: '2017-10-12T15:00:00Z' },
      { channel_type: 'integration', channel_subtype: lic.client_id, first_activity_timestamp: '2019-08-16T16:55:51Z' },
    ];
    assert.deepEqual(await h().ok('list_channels', {}, { token: lic.bearer_token }), expected);
    assert.deepEqual(await h().ok('list_channels', {}, { token: other.bearer_token }), [], 'another licence sees none');
    const listed = await cliJson(h(), ['channels', 'list', '--license', L]);
    assert.deepEqual(listed.json, { license_id: lic.license_id, channels: expected });
  });

  it('refuses bad channel records in the CLI', async () => {
    const L = String(h().boot.license_id);
    const bad: [string[], string][] = [
      [['--type', 'email'], 'validation'],
      [['--type', 'integration'], 'validation'],
      [['--type', 'code', '--subtype', 'abc'], 'validation'],
      [['--type', 'code', '--at', 'yesterday'], 'validation'],
    ];
    for (const [args, type] of bad) {
      const res = await cliJson(h(), ['channels', 'record', '--license', L, ...args]);
      assert.equal(res.code, 1, args.join(' '));
      assert.equal(res.json.error.type, type, args.join(' '));
    }
    const missing = await cliJson(h(), ['channels', 'record', '--license', '1', '--type', 'code']);
    assert.equal(missing.json.error.type, 'not_found');
    assert.deepEqual(await h().ok('list_channels', {}), []);
  });

  it('get_product_source answers the source recorded at licence creation, defaults included, without scopes', async () => {
    const source = { source_id: 'create_account_link', source_type: 'accounts', source_url: 'https://accounts.livechat.com' };
    const lic = await h().bootstrap({ source });
    const plain = await h().tokenFor(lic.owner.id, [], { licenseId: lic.license_id, clientId: lic.client_id });
    assert.deepEqual(await h().ok('get_product_source', {}, { token: plain.token }), source);
    assert.deepEqual(await h().ok('get_product_source', {}), DEFAULT_PRODUCT_SOURCE);
    expectError(await h().call('get_product_source', { source_id: 'x' }), 'validation', 400);
    expectError(await h().call('get_product_source', {}, { token: null }), 'authentication', 401);
  });

  it('check_product_limits_for_plan returns only exceeded resources with their balance', async () => {
    const lic = await h().bootstrap();
    const o = { token: lic.bearer_token };
    assert.deepEqual(await h().ok('check_product_limits_for_plan', { plan: 'starter' }, o), [], 'owner + General is within starter');
    // Active: owner, a1, a2 and a bot (a3 is suspended and does not count); 3 groups; 2 access rules.
    for (const id of ['a1@example.com', 'a2@example.com', 'a3@example.com']) await h().ok('create_agent', { id, name: id }, o);
    await h().ok('suspend_agent', { id: 'a3@example.com' }, o);
    await h().core.transaction((tx) => insertAgent(tx, lic.license_id, { id: 'b'.repeat(32), name: 'Bot', type: 'bot' }));
    const g1 = (await h().ok('create_group', { name: 'G1', agent_priorities: { [lic.owner.id]: 'normal', 'a1@example.com': 'normal' } }, o)).id;
    await h().ok('create_group', { name: 'G2', agent_priorities: { [lic.owner.id]: 'normal' } }, o);
    for (const d of ['r1', 'r2']) {
      await h().ok('add_auto_access', { description: d, access: { groups: [g1] }, conditions: { url: { values: [{ value: d }] } } }, o);
    }
    const starter = await h().ok('check_product_limits_for_plan', { plan: 'starter' }, o);
    assert.deepEqual(starter, [
      { resource: 'agents', limit_balance: 4 - PLAN_LIMITS.starter.agents! },
      { resource: 'groups', limit_balance: 3 - PLAN_LIMITS.starter.groups! },
      { resource: 'groups_per_agent', limit_balance: 3 - PLAN_LIMITS.starter.groups_per_agent!, id: lic.owner.id },
      { resource: 'access_rules', limit_balance: 2 - PLAN_LIMITS.starter.access_rules! },
    ]);
    assert.deepEqual(await h().ok('check_product_limits_for_plan', { plan: 'team' }, o), []);
    assert.deepEqual(await h().ok('check_product_limits_for_plan', { plan: 'enterpriseplus' }, o), []);
    const other = await h().bootstrap();
    assert.deepEqual(await h().ok('check_product_limits_for_plan', { plan: 'starter' }, { token: other.bearer_token }), [], 'counts only the caller\'s licence');
  });

  it('check_product_limits_for_plan validates the plan and needs subscription.lc:rw', async () => {
    for (const body of [{}, { plan: 'business' }, { plan: 1 }, { plan: 'team', extra: true }]) {
      const res = await h().call('check_product_limits_for_plan', body);
      expectError(res, 'validation', 400);
    }
    const bad = await h().call('check_product_limits_for_plan', { plan: 'business' });
    assert.match(bad.body.error.message, /`plan` should be one of: "starter", "team", "enterprise", "enterpriseplus"/);
    const admin = await h().tokenFor(h().boot.owner.id, ['agents--all:rw', 'groups--all:rw', 'access_rules:rw']);
    expectError(await h().call('check_product_limits_for_plan', { plan: 'team' }, { token: admin.token }), 'authorization', 403);
    const sub = await h().tokenFor(h().boot.owner.id, ['subscription.lc:rw']);
    assert.ok(Array.isArray(await h().ok('check_product_limits_for_plan', { plan: 'team' }, { token: sub.token })));
    assert.ok(Array.isArray(await h().ok('check_product_limits_for_plan', { plan: 'enterprise' }, { authorization: `Basic ${h().boot.basic_auth}` })));
  });
});
