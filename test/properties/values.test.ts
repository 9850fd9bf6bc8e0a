import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, newApp, type Harness } from '../helpers.js';
import { ALL_SCOPES } from '../../src/kernel/scopes.js';

const RW = { agent: ['read', 'write'], customer: ['read', 'write'] };

interface Fixture {
  /** Namespace of the bootstrap application (the owner's default token is bound to it). */
  ns1: string;
  /** A second application of the same organization. */
  ns2: string;
  /** Every scope, bound to ns2. */
  token2: string;
}

const fixtures = new WeakMap<Harness, Promise<Fixture>>();

/** Registers the properties of these tests once per harness. */
function fixture(h: Harness): Promise<Fixture> {
  let f = fixtures.get(h);
  if (!f) {
    f = (async () => {
      const ns1 = h.boot.client_id;
      const ns2 = await newApp(h);
      const reg = (name: string, body: Record<string, unknown>) =>
        h.ok('register_property', { name, owner_client_id: ns1, type: 'string', access: { license: RW }, ...body });
      await reg('lic_str', {});
      await reg('lic_int', { type: 'int', range: { from: 1, to: 10 }, default_value: 5 });
      await reg('lic_enum', { domain: ['a', 'b'] });
      await reg('lic_bool', { type: 'bool' });
      await reg('lic_tok', { type: 'tokenized_string' });
      await reg('chat_only', { access: { chat: RW } });
      await reg('grp_str', { access: { group: RW }, default_value: 'g-def' });
      await reg('grp_int', { type: 'int', access: { group: RW }, domain: [1, 2, 3] });
      for (const [name, access] of [['pub_ro', ['read']], ['pub_rw', ['read', 'write']], ['pub_wo', ['write']]] as const) {
        await reg(name, { access: { license: RW, group: RW } });
        await h.ok('publish_property', { name, owner_client_id: ns1, access_type: access });
      }
      const { token: token2 } = await h.tokenFor(h.boot.owner.id, ALL_SCOPES, { clientId: ns2 });
      return { ns1, ns2, token2 };
    })();
    fixtures.set(h, f);
  }
  return f;
}

describeStores('license property values', (h) => {
  const f = () => fixture(h());
  const update = (properties: unknown, token?: string) => h().call('update_license_properties', { properties }, { token });
  const list = (body: Record<string, unknown> = {}, token?: string) => h().ok('list_license_properties', body, { token });

  it('merges updates: other values stay; unset properties show their default', async () => {
    const { ns1 } = await f();
    assert.equal((await update({ [ns1]: { lic_str: 'one' } })).status, 200);
    const res = await update({ [ns1]: { lic_bool: true, lic_enum: 'a' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    assert.deepEqual((await list({ namespace: ns1 }))[ns1], { lic_bool: true, lic_enum: 'a', lic_int: 5, lic_str: 'one' });
    await update({ [ns1]: { lic_str: 'two', lic_int: 7 } });
    assert.deepEqual((await list({ namespace: ns1 }))[ns1], { lic_bool: true, lic_enum: 'a', lic_int: 7, lic_str: 'two' });
    await h().ok('delete_license_properties', { properties: { [ns1]: ['lic_int', 'lic_str', 'lic_enum', 'lic_bool'] } });
    assert.deepEqual((await list({ namespace: ns1 }))[ns1], { lic_int: 5 });
  });

  it('validates values by type, int32, domain and range; a bad value stores nothing', async () => {
    const { ns1 } = await f();
    const bad: Array<[string, unknown]> = [
      ['lic_int', '3'], ['lic_int', 3.5], ['lic_int', 2147483648], ['lic_int', 0], ['lic_int', 11], ['lic_int', null],
      ['lic_bool', 'true'], ['lic_bool', 1], ['lic_str', 5], ['lic_str', { a: 1 }], ['lic_tok', false], ['lic_enum', 'c'],
    ];
    for (const [name, value] of bad) {
      const res = await update({ [ns1]: { lic_str: 'kept?', [name]: value } });
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, new RegExp(`\`properties\\.${ns1}\\.${name}\``), `${name}=${JSON.stringify(value)}`);
    }
    assert.deepEqual((await list({ namespace: ns1 }))[ns1], { lic_int: 5 });
    await h().ok('update_license_properties', { properties: { [ns1]: { lic_int: 10, lic_tok: 'some words here', lic_enum: 'b' } } });
    await h().ok('update_license_properties', { properties: { [ns1]: { lic_int: 1 } } });
    assert.deepEqual((await list({ namespace: ns1, name_prefix: 'lic_' }))[ns1], { lic_enum: 'b', lic_int: 1, lic_tok: 'some words here' });
    await h().ok('delete_license_properties', { properties: { [ns1]: ['lic_int', 'lic_tok', 'lic_enum'] } });
  });

  it('refuses properties without license access on the licence', async () => {
    const { ns1 } = await f();
    for (const name of ['chat_only', 'grp_str']) {
      const res = await update({ [ns1]: { [name]: 'x' } });
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, /`license`/);
      expectError(await h().call('delete_license_properties', { properties: { [ns1]: [name] } }), 'validation', 400);
    }
    assert.equal((await list({ namespace: ns1 }))[ns1].grp_str, undefined, 'a group default is not a licence value');
  });

  it('answers not_found for unknown namespaces and properties', async () => {
    const { ns1 } = await f();
    expectError(await update({ [ns1]: { nope: 'x' } }), 'not_found', 404);
    expectError(await update({ unknown_namespace: { lic_str: 'x' } }), 'not_found', 404);
    expectError(await h().call('delete_license_properties', { properties: { [ns1]: ['nope'] } }), 'not_found', 404);
    expectError(await update({ test: { nope: 1 } }), 'not_found', 404);
    assert.deepEqual(await list({ namespace: 'unknown_namespace' }), {});
  });

  it('validates the request shape', async () => {
    const { ns1 } = await f();
    expectError(await h().call('update_license_properties', {}), 'validation', 400);
    expectError(await h().call('update_license_properties', { properties: { [ns1]: 'x' } }), 'validation', 400);
    expectError(await h().call('delete_license_properties', { properties: { [ns1]: 'lic_str' } }), 'validation', 400);
    expectError(await h().call('delete_license_properties', { properties: { [ns1]: [1] } }), 'validation', 400);
    expectError(await h().call('list_license_properties', { namespace: 5 }), 'validation', 400);
    expectError(await h().call('list_license_properties', { group_ids: [] }), 'validation', 400);
  });

  it('has the built-in test namespace, rw for everyone, per licence', async () => {
    const { token2 } = await f();
    const values = { bool_property: true, int_property: -5, string_property: 's', tokenized_string_property: 't u' };
    await h().ok('update_license_properties', { properties: { test: values } });
    assert.deepEqual((await list({ namespace: 'test' })).test, values);
    // Another client id reaches them too, read and write.
    await h().ok('update_license_properties', { properties: { test: { int_property: 6 } } }, { token: token2 });
    assert.equal((await list({ namespace: 'test' }, token2)).test.int_property, 6);
    expectError(await update({ test: { int_property: 'x' } }), 'validation', 400);
    expectError(await update({ test: { int_property: 2 ** 31 } }), 'validation', 400);
    // Values are per licence.
    const other = await h().bootstrap();
    assert.deepEqual(await list({}, other.bearer_token), {});
    await h().ok('delete_license_properties', { properties: { test: Object.keys(values) } });
    assert.equal((await list()).test, undefined);
  });

  it('filters lists by namespace and name_prefix', async () => {
    const { ns1 } = await f();
    await h().ok('update_license_properties', { properties: { [ns1]: { lic_str: 'v', pub_rw: 'p' }, test: { string_property: 's' } } });
    const all = await list();
    assert.deepEqual(Object.keys(all).sort(), [ns1, 'test'].sort());
    assert.deepEqual(all[ns1], { lic_int: 5, lic_str: 'v', pub_rw: 'p' });
    assert.deepEqual(await list({ name_prefix: 'pub_' }), { [ns1]: { pub_rw: 'p' } });
    assert.deepEqual(await list({ name_prefix: 'string' }), { test: { string_property: 's' } });
    assert.deepEqual(await list({ namespace: 'test', name_prefix: 'lic' }), {});
    assert.deepEqual(await list({ name_prefix: 'lic_i' }), { [ns1]: { lic_int: 5 } });
    assert.deepEqual(await list({ name_prefix: '%' }), {});
    await h().ok('delete_license_properties', { properties: { [ns1]: ['lic_str', 'pub_rw'], test: ['string_property'] } });
  });

  it('own namespace needs value--my; other namespaces need value--all', async () => {
    const { ns1 } = await f();
    const my = await h().agentWithToken('lic-my@example.com', ['properties.license.value--my:rw'], { role: 'administrator' });
    assert.equal((await update({ [ns1]: { lic_str: 'mine' } }, my.token)).status, 200);
    expectError(await update({ test: { int_property: 1 } }, my.token), 'authorization', 403);
    expectError(await update({ [ns1]: { lic_str: 'x' }, test: { int_property: 1 } }, my.token), 'authorization', 403);
    assert.equal((await list({ namespace: ns1 })).hasOwnProperty(ns1), true);
    await h().ok('update_license_properties', { properties: { test: { int_property: 9 } } });
    // --my lists the own namespace only.
    const mine = await list({}, my.token);
    assert.deepEqual(Object.keys(mine), [ns1]);
    expectError(await h().call('list_license_properties', { namespace: 'test' }, { token: my.token }), 'authorization', 403);
    const ro = await h().tokenFor('lic-my@example.com', ['properties.license.value--my:ro']);
    assert.equal((await list({ namespace: ns1 }, ro.token))[ns1].lic_str, 'mine');
    expectError(await update({ [ns1]: { lic_str: 'x' } }, ro.token), 'authorization', 403);
    expectError(await h().call('delete_license_properties', { properties: { [ns1]: ['lic_str'] } }, { token: ro.token }), 'authorization', 403);
    const none = await h().tokenFor('lic-my@example.com', ['agents--all:ro']);
    expectError(await h().call('list_license_properties', {}, { token: none.token }), 'authorization', 403);
    expectError(await update({ [ns1]: { lic_str: 'x' } }, none.token), 'authorization', 403);
    const allRo = await h().tokenFor('lic-my@example.com', ['properties.license.value--all:ro']);
    assert.equal((await list({}, allRo.token)).test.int_property, 9);
    expectError(await update({ test: { int_property: 1 } }, allRo.token), 'authorization', 403);
    await h().ok('delete_license_properties', { properties: { [ns1]: ['lic_str'], test: ['int_property'] } });
  });

  it('other client ids reach only published properties, within their public access', async () => {
    const { ns1, ns2, token2 } = await f();
    await h().ok('update_license_properties', {
      properties: { [ns1]: { lic_str: 'private', pub_ro: 'ro', pub_rw: 'rw', pub_wo: 'wo' } },
    });
    // Private properties are invisible: omitted from lists, not_found on writes.
    assert.deepEqual((await list({}, token2))[ns1], { pub_ro: 'ro', pub_rw: 'rw' });
    assert.deepEqual(await list({ namespace: ns1, name_prefix: 'lic' }, token2), {});
    expectError(await update({ [ns1]: { lic_str: 'x' } }, token2), 'not_found', 404);
    expectError(await h().call('delete_license_properties', { properties: { [ns1]: ['lic_int'] } }, { token: token2 }), 'not_found', 404);
    // Read-only public access refuses writes.
    const ro = await update({ [ns1]: { pub_ro: 'x' } }, token2);
    expectError(ro, 'authorization', 403);
    expectError(await h().call('delete_license_properties', { properties: { [ns1]: ['pub_ro'] } }, { token: token2 }), 'authorization', 403);
    // Read-write and write-only public access accept writes.
    await h().ok('update_license_properties', { properties: { [ns1]: { pub_rw: 'by-2', pub_wo: 'by-2' } } }, { token: token2 });
    assert.deepEqual((await list({ namespace: ns1 }))[ns1], { lic_int: 5, lic_str: 'private', pub_ro: 'ro', pub_rw: 'by-2', pub_wo: 'by-2' });
    await h().ok('delete_license_properties', { properties: { [ns1]: ['pub_rw'] } }, { token: token2 });
    // The second client id with only --my scopes reaches its own (empty) namespace, not ns1.
    const my2 = await h().tokenFor(h().boot.owner.id, ['properties.license.value--my:rw'], { clientId: ns2 });
    expectError(await update({ [ns1]: { pub_wo: 'x' } }, my2.token), 'authorization', 403);
    assert.deepEqual(await list({}, my2.token), {});
    await h().ok('delete_license_properties', { properties: { [ns1]: ['lic_str', 'pub_ro', 'pub_wo'] } });
  });

  it('a PAT has no namespace of its own: it reaches published properties with value--all', async () => {
    const { ns1 } = await f();
    const authorization = `Basic ${h().boot.basic_auth}`;
    await h().ok('update_license_properties', { properties: { [ns1]: { lic_str: 'private', pub_ro: 'ro' } } });
    assert.deepEqual((await h().ok('list_license_properties', { namespace: ns1 }, { authorization }))[ns1], { pub_ro: 'ro' });
    expectError(await h().call('update_license_properties', { properties: { [ns1]: { lic_str: 'x' } } }, { authorization }), 'not_found', 404);
    await h().ok('update_license_properties', { properties: { [ns1]: { pub_rw: 'pat' } } }, { authorization });
    const patMy = await h().patFor(h().boot.owner.id, ['properties.license.value--my:rw']);
    assert.deepEqual(await h().ok('list_license_properties', {}, { authorization: patMy }), {});
    expectError(await h().call('update_license_properties', { properties: { [ns1]: { pub_rw: 'x' } } }, { authorization: patMy }), 'authorization', 403);
    await h().ok('delete_license_properties', { properties: { [ns1]: ['lic_str', 'pub_ro', 'pub_rw'] } });
  });

  it('refuses a token of another licence (another organization)', async () => {
    const { ns1 } = await f();
    await h().ok('update_license_properties', { properties: { [ns1]: { pub_rw: 'here' } } });
    const other = await h().bootstrap();
    assert.deepEqual(await list({}, other.bearer_token), {});
    assert.deepEqual(await list({ namespace: ns1 }, other.bearer_token), {});
    expectError(await update({ [ns1]: { pub_rw: 'there' } }, other.bearer_token), 'not_found', 404);
    expectError(
      await h().call('delete_license_properties', { properties: { [ns1]: ['pub_rw'] } }, { token: other.bearer_token }),
      'not_found',
      404,
    );
    assert.equal((await list({ namespace: ns1 }))[ns1].pub_rw, 'here');
    await h().ok('delete_license_properties', { properties: { [ns1]: ['pub_rw'] } });
  });

  it('unregistering a property deletes its values in every licence', async () => {
    const { ns1 } = await f();
    await h().ok('register_property', { name: 'temp_prop', owner_client_id: ns1, type: 'int', access: { license: RW, group: RW } });
    await h().ok('update_license_properties', { properties: { [ns1]: { temp_prop: 1 } } });
    await h().ok('update_group_properties', { group_id: 0, properties: { [ns1]: { temp_prop: 2 } } });
    // A value of the same name in another licence (rows are keyed by licence; the registry is global).
    const other = await h().bootstrap();
    await h().store.db
      .insertInto('property_values')
      .values({ license_id: other.license_id, group_id: -1, namespace: ns1, name: 'temp_prop', value: '3', updated_at: 'x' })
      .execute();
    await h().ok('unregister_property', { name: 'temp_prop', owner_client_id: ns1 });
    const rows = await h().store.db.selectFrom('property_values').select('license_id').where('name', '=', 'temp_prop').execute();
    assert.equal(rows.length, 0);
  });
});

describeStores('group property values', (h) => {
  const f = () => fixture(h());
  const update = (group_id: number, properties: unknown, token?: string) =>
    h().call('update_group_properties', { group_id, properties }, { token });
  const del = (id: number, properties: unknown, token?: string) =>
    h().call('delete_group_properties', { id, properties }, { token });
  const list = (body: Record<string, unknown> = {}, token?: string) => h().ok('list_groups_properties', body, { token });
  const newGroup = async (name: string) =>
    (await h().ok('create_group', { name, agent_priorities: { [h().boot.owner.id]: 'normal' } })).id as number;

  it('sets values per group with merge semantics and lists them with defaults', async () => {
    const { ns1 } = await f();
    const g1 = await newGroup('Group one');
    assert.deepEqual((await update(0, { [ns1]: { grp_str: 'zero' } })).body, {});
    await h().ok('update_group_properties', { group_id: g1, properties: { [ns1]: { grp_int: 2 } } });
    await h().ok('update_group_properties', { group_id: g1, properties: { [ns1]: { pub_rw: 'p' } } });
    const res = await list({ group_ids: [g1, 0], namespace: ns1 });
    assert.deepEqual(res, [
      { id: g1, properties: { [ns1]: { grp_int: 2, grp_str: 'g-def', pub_rw: 'p' } } },
      { id: 0, properties: { [ns1]: { grp_str: 'zero' } } },
    ]);
    // Empty group_ids: every group, by id. group_ids is required (its table: Required "Yes").
    const all = await list({ group_ids: [], namespace: ns1, name_prefix: 'grp_' });
    assert.deepEqual(all.map((g: any) => g.id).slice(0, 2), [0, g1]);
    assert.deepEqual(all[0].properties, { [ns1]: { grp_str: 'zero' } });
    const missing = await h().call('list_groups_properties', { namespace: ns1 });
    expectError(missing, 'validation', 400);
    assert.equal(missing.body.error.message, '`group_ids` is required');
    await h().ok('delete_group_properties', { id: g1, properties: { [ns1]: ['grp_int'] } });
    const after = await list({ group_ids: [g1], namespace: ns1 });
    assert.deepEqual(after, [{ id: g1, properties: { [ns1]: { grp_str: 'g-def', pub_rw: 'p' } } }]);
    // Group values are not licence values.
    assert.equal((await h().ok('list_license_properties', { namespace: ns1 }))[ns1].pub_rw, undefined);
  });

  it('validates values and location; unknown groups answer group_not_found', async () => {
    const { ns1 } = await f();
    expectError(await update(0, { [ns1]: { grp_int: 4 } }), 'validation', 400);
    expectError(await update(0, { [ns1]: { grp_int: '1' } }), 'validation', 400);
    expectError(await update(0, { [ns1]: { lic_str: 'x' } }), 'validation', 400);
    expectError(await update(0, { [ns1]: { chat_only: 'x' } }), 'validation', 400);
    expectError(await update(0, { [ns1]: { nope: 'x' } }), 'not_found', 404);
    expectError(await update(9999, { [ns1]: { grp_str: 'x' } }), 'group_not_found', 404);
    expectError(await del(9999, { [ns1]: ['grp_str'] }), 'group_not_found', 404);
    expectError(await h().call('list_groups_properties', { group_ids: [0, 9999] }), 'group_not_found', 404);
    expectError(await h().call('update_group_properties', { id: 0, properties: {} }), 'validation', 400);
    expectError(await h().call('delete_group_properties', { group_id: 0, properties: {} }), 'validation', 400);
    expectError(await h().call('list_groups_properties', { group_ids: [-1] }), 'validation', 400);
  });

  it('group scopes: own namespace --my, others --all (published only); list needs value--all:ro', async () => {
    const { ns1, token2 } = await f();
    const my = await h().agentWithToken('grp-my@example.com', ['properties.group.value--my:rw'], { role: 'administrator' });
    assert.equal((await update(0, { [ns1]: { grp_str: 'by-my' } }, my.token)).status, 200);
    expectError(await update(0, { test: { string_property: 'x' } }, my.token), 'authorization', 403);
    expectError(await h().call('list_groups_properties', { group_ids: [] }, { token: my.token }), 'authorization', 403);
    const licScope = await h().tokenFor('grp-my@example.com', ['properties.license.value--all:rw']);
    expectError(await update(0, { [ns1]: { grp_str: 'x' } }, licScope.token), 'authorization', 403);
    // Another client id: private group properties invisible, read-only refused, read-write accepted.
    await update(0, { [ns1]: { pub_ro: 'ro' } });
    const seen = await list({ group_ids: [0] }, token2);
    assert.deepEqual(seen[0].properties[ns1], { pub_ro: 'ro' });
    expectError(await update(0, { [ns1]: { grp_str: 'x' } }, token2), 'not_found', 404);
    expectError(await update(0, { [ns1]: { pub_ro: 'x' } }, token2), 'authorization', 403);
    expectError(await del(0, { [ns1]: ['pub_ro'] }, token2), 'authorization', 403);
    assert.equal((await update(0, { [ns1]: { pub_rw: 'x' }, test: { bool_property: false } }, token2)).status, 200);
    assert.deepEqual((await list({ group_ids: [0], namespace: 'test' }, token2))[0].properties, { test: { bool_property: false } });
    assert.equal((await del(0, { [ns1]: ['pub_rw'], test: ['bool_property'] }, token2)).status, 200);
    await h().ok('delete_group_properties', { id: 0, properties: { [ns1]: ['grp_str', 'pub_ro'] } });
  });

  it('deleting a group deletes its values; another licence sees none of them', async () => {
    const { ns1 } = await f();
    const g = await newGroup('Doomed');
    await h().ok('update_group_properties', { group_id: g, properties: { [ns1]: { grp_str: 'bye' }, test: { int_property: 1 } } });
    const other = await h().bootstrap();
    const otherList = await list({ group_ids: [] }, other.bearer_token);
    assert.deepEqual(otherList, [{ id: 0, properties: {} }]);
    expectError(await h().call('update_group_properties', { group_id: g, properties: { test: { int_property: 2 } } }, { token: other.bearer_token }), 'group_not_found', 404);
    await h().ok('delete_group', { id: g });
    const rows = await h().store.db.selectFrom('property_values').select('name').where('license_id', '=', h().boot.license_id).where('group_id', '=', g).execute();
    assert.equal(rows.length, 0);
    expectError(await h().call('list_groups_properties', { group_ids: [g] }), 'group_not_found', 404);
  });
});

describeStores('property value lists: query count', (h) => {
  /** Runs `fn` counting the action queries the root Kysely instance executes (outside transactions). */
  async function countQueries(fn: () => Promise<unknown>): Promise<number> {
    const executor = h().store.db.getExecutor() as unknown as { executeQuery: (...a: unknown[]) => Promise<unknown> };
    const original = executor.executeQuery;
    let n = 0;
    executor.executeQuery = function (this: unknown, ...a: unknown[]) {
      // Token lookups are cached by the auth layer; count the action's own queries only.
      if (!/"(access_tokens|pats)"/.test((a[0] as { sql: string }).sql)) n++;
      return original.apply(this, a);
    };
    try {
      await fn();
    } finally {
      executor.executeQuery = original;
    }
    return n;
  }

  it('list_license_properties and list_groups_properties use a constant number of queries', async () => {
    const ns = h().boot.client_id;
    const register = (name: string) =>
      h().ok('register_property', { name, owner_client_id: ns, type: 'int', access: { license: RW, group: RW }, default_value: 1 });
    await register('q_0');
    await h().ok('update_license_properties', { properties: { [ns]: { q_0: 2 } } });
    await h().ok('update_group_properties', { group_id: 0, properties: { [ns]: { q_0: 2 } } });
    const few = await countQueries(() => h().ok('list_license_properties', {}));
    const fewGroups = await countQueries(() => h().ok('list_groups_properties', { group_ids: [] }));
    const values: Record<string, number> = {};
    for (let i = 1; i <= 25; i++) {
      await register(`q_${i}`);
      values[`q_${i}`] = i;
    }
    await h().ok('update_license_properties', { properties: { [ns]: values, test: { int_property: 3 } } });
    for (let g = 0; g < 3; g++) {
      const id = g === 0 ? 0 : (await h().ok('create_group', { name: `Q${g}`, agent_priorities: { [h().boot.owner.id]: 'normal' } })).id;
      await h().ok('update_group_properties', { group_id: id, properties: { [ns]: values } });
    }
    let listed: any;
    const many = await countQueries(async () => (listed = await h().ok('list_license_properties', {})));
    assert.equal(Object.keys(listed[ns]).length, 26);
    assert.equal(many, few);
    let groups: any;
    const manyGroups = await countQueries(async () => (groups = await h().ok('list_groups_properties', { group_ids: [] })));
    assert.equal(groups.length, 3);
    assert.equal(manyGroups, fewGroups);
    assert.equal(few, 2, 'list_license_properties: definitions + values');
    assert.equal(fewGroups, 3, 'list_groups_properties: groups + definitions + values');
  });
});
