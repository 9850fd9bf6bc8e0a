import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, install, newApp } from '../helpers.js';

const RW = { agent: ['read', 'write'], customer: ['read', 'write'] };

describeStores('properties registry', (h) => {
  const owner = () => h().boot.client_id;
  const reg = (body: Record<string, unknown>) =>
    h().call('register_property', { owner_client_id: owner(), type: 'string', access: { license: RW }, ...body });

  it('registers a property and lists it with the example shape (public_access empty while private)', async () => {
    await h().ok('register_property', {
      name: 'shape_prop',
      owner_client_id: owner(),
      type: 'string',
      access: { thread: { agent: ['read', 'write'], customer: ['read'] }, chat: { agent: ['write'], customer: ['read', 'write'] } },
    });
    const list = await h().ok('list_properties', { owner_client_id: owner() });
    assert.deepEqual(list.shape_prop, {
      type: 'string',
      description: '',
      access: { thread: { agent: ['read', 'write'], customer: ['read'] }, chat: { agent: ['write'], customer: ['read', 'write'] } },
      public_access: [],
    });
    await h().ok('publish_property', { name: 'shape_prop', owner_client_id: owner(), access_type: ['read'] });
    const after = await h().ok('list_properties', { owner_client_id: owner() });
    assert.deepEqual(after.shape_prop.public_access, ['read']);
  });

  it('lists domain, range, default value and description when set', async () => {
    const spec = {
      type: 'int',
      description: 'Level',
      access: { group: { agent: ['read'] } },
      domain: [1, 2, 3],
      range: { from: 1, to: 5 },
      default_value: 2,
    };
    await h().ok('register_property', { name: 'full_prop', owner_client_id: owner(), ...spec });
    const list = await h().ok('list_properties', { owner_client_id: owner() });
    assert.deepEqual(list.full_prop, { ...spec, public_access: [] });
  });

  it('refuses to register the same name twice with already_exists', async () => {
    assert.equal((await h().call('register_properties', { name: 'dup_prop', owner_client_id: owner(), type: 'int', access: { chat: RW } })).status, 200);
    expectError(await reg({ name: 'dup_prop', type: 'int' }), 'already_exists', 409);
  });

  it('validates type and access', async () => {
    expectError(await reg({ name: 'bad_type', type: 'float' }), 'validation', 400);
    expectError(await reg({ name: '' }), 'validation', 400);
    expectError(await reg({ name: '__proto__' }), 'validation', 400);
    expectError(await reg({ name: 'no_access', access: {} }), 'validation', 400);
    expectError(await reg({ name: 'bad_location', access: { room: RW } }), 'validation', 400);
    expectError(await reg({ name: 'no_user', access: { chat: {} } }), 'validation', 400);
    expectError(await reg({ name: 'bad_user', access: { chat: { bot: ['read'] } } }), 'validation', 400);
    expectError(await reg({ name: 'bad_perm', access: { chat: { agent: ['delete'] } } }), 'validation', 400);
    expectError(await reg({ name: 'dup_perm', access: { chat: { agent: ['read', 'read'] } } }), 'validation', 400);
    const missing = await h().call('register_property', { name: 'x', owner_client_id: owner(), type: 'int' });
    expectError(missing, 'validation', 400);
    assert.equal(missing.body.error.message, '`access` is required');
    for (const type of ['int', 'bool', 'string', 'tokenized_string']) {
      assert.equal((await reg({ name: `type_${type}`, type })).status, 200, type);
    }
  });

  it('validates the domain by type and int32', async () => {
    expectError(await reg({ name: 'dom_type', type: 'int', domain: [1, 'two'] }), 'validation', 400);
    expectError(await reg({ name: 'dom_float', type: 'int', domain: [1.5] }), 'validation', 400);
    expectError(await reg({ name: 'dom_int32', type: 'int', domain: [2147483648] }), 'validation', 400);
    expectError(await reg({ name: 'dom_bool', type: 'bool', domain: ['true'] }), 'validation', 400);
    expectError(await reg({ name: 'dom_empty', domain: [] }), 'validation', 400);
    expectError(await reg({ name: 'dom_dup', domain: ['a', 'a'] }), 'validation', 400);
    assert.equal((await reg({ name: 'dom_ok', domain: ['a', 'b'] })).status, 200);
    assert.equal((await reg({ name: 'dom_int_ok', type: 'int', domain: [-2147483648, 2147483647] })).status, 200);
  });

  it('validates the range: int only, int32 bounds, from <= to, domain inside the range', async () => {
    const bad = await reg({ name: 'rng_string', type: 'string', range: { from: 1, to: 2 } });
    expectError(bad, 'validation', 400);
    assert.match(bad.body.error.message, /`range`/);
    expectError(await reg({ name: 'rng_bool', type: 'bool', range: { from: 0 } }), 'validation', 400);
    expectError(await reg({ name: 'rng_order', type: 'int', range: { from: 5, to: 1 } }), 'validation', 400);
    expectError(await reg({ name: 'rng_empty', type: 'int', range: {} }), 'validation', 400);
    expectError(await reg({ name: 'rng_big', type: 'int', range: { to: 2147483648 } }), 'validation', 400);
    expectError(await reg({ name: 'rng_float', type: 'int', range: { from: 0.5 } }), 'validation', 400);
    expectError(await reg({ name: 'rng_dom', type: 'int', range: { from: 1, to: 3 }, domain: [2, 4] }), 'validation', 400);
    assert.equal((await reg({ name: 'rng_from', type: 'int', range: { from: 1 } })).status, 200);
    assert.equal((await reg({ name: 'rng_both', type: 'int', range: { from: 1, to: 3 }, domain: [1, 3] })).status, 200);
  });

  it('allows default_value only with license or group access and validates it by type, domain and range', async () => {
    const chatOnly = await reg({ name: 'def_chat', access: { chat: RW }, default_value: 'x' });
    expectError(chatOnly, 'validation', 400);
    assert.match(chatOnly.body.error.message, /`default_value`/);
    expectError(await reg({ name: 'def_type', type: 'int', default_value: '1' }), 'validation', 400);
    expectError(await reg({ name: 'def_null', default_value: null }), 'validation', 400);
    expectError(await reg({ name: 'def_int32', type: 'int', default_value: -2147483649 }), 'validation', 400);
    expectError(await reg({ name: 'def_dom', domain: ['a', 'b'], default_value: 'c' }), 'validation', 400);
    expectError(await reg({ name: 'def_rng', type: 'int', range: { from: 1, to: 3 }, default_value: 4 }), 'validation', 400);
    assert.equal((await reg({ name: 'def_license', default_value: 'x', access: { license: RW, chat: RW } })).status, 200);
    assert.equal((await reg({ name: 'def_group', type: 'bool', default_value: false, access: { group: RW } })).status, 200);
    assert.equal((await reg({ name: 'def_rng_ok', type: 'int', range: { from: 1, to: 3 }, default_value: 3 })).status, 200);
  });

  it('requires the owner client id to be an application of the caller organization (authorization otherwise)', async () => {
    const other = await h().bootstrap();
    expectError(await reg({ name: 'foreign', owner_client_id: other.client_id }), 'authorization', 403);
    expectError(await reg({ name: 'unknown_app', owner_client_id: 'nope' }), 'authorization', 403);
    expectError(await h().call('list_properties', { owner_client_id: other.client_id }), 'authorization', 403);
    expectError(await h().call('list_properties', { owner_client_id: owner() }, { token: other.bearer_token }), 'authorization', 403);
    expectError(
      await h().call('publish_property', { name: 'dup_prop', owner_client_id: owner(), access_type: ['read'] }, { token: other.bearer_token }),
      'authorization',
      403,
    );
    expectError(await h().call('unregister_property', { name: 'dup_prop', owner_client_id: owner() }, { token: other.bearer_token }), 'authorization', 403);
    // Not even an application of another organization installed here, with its own token (the registry is its developer's).
    await install(h(), other.client_id, h().boot.license_id);
    const { token: vendorToken } = await h().tokenFor(h().boot.owner.id, ['properties.configuration:rw'], { clientId: other.client_id });
    expectError(await h().call('list_properties', { owner_client_id: other.client_id }, { token: vendorToken }), 'authorization', 403);
    // A second application of the same organization can own properties too.
    const second = await newApp(h());
    assert.equal((await reg({ name: 'second_prop', owner_client_id: second })).status, 200);
    assert.deepEqual(Object.keys(await h().ok('list_properties', { owner_client_id: second })), ['second_prop']);
  });

  it('needs properties.configuration:rw for every registry method', async () => {
    const { token } = await h().agentWithToken('noconf@example.com', ['properties.license.value--all:rw']);
    const calls: Array<[string, Record<string, unknown>]> = [
      ['register_property', { name: 'nc', owner_client_id: owner(), type: 'int', access: { license: RW } }],
      ['unregister_property', { name: 'nc', owner_client_id: owner() }],
      ['publish_property', { name: 'nc', owner_client_id: owner(), access_type: ['read'] }],
      ['list_properties', { owner_client_id: owner() }],
    ];
    for (const [action, body] of calls) expectError(await h().call(action, body, { token }), 'authorization', 403);
    const ok = await h().tokenFor('noconf@example.com', ['properties.configuration:rw']);
    for (const i of [0, 3, 1, 0, 2]) {
      const [action, body] = calls[i]!;
      assert.equal((await h().call(action, body, { token: ok.token })).status, 200, action);
    }
  });

  it('accepts a PAT naming the owner client id', async () => {
    const authorization = `Basic ${h().boot.basic_auth}`;
    await h().ok('register_property', { name: 'pat_prop', owner_client_id: owner(), type: 'int', access: { license: RW } }, { authorization });
    assert.ok((await h().ok('list_properties', { owner_client_id: owner() }, { authorization })).pat_prop);
  });

  it('publish: unknown property not_found; re-publishing replaces the public access; access_type validated', async () => {
    await reg({ name: 'pub_prop' });
    expectError(await h().call('publish_property', { name: 'nope', owner_client_id: owner(), access_type: ['read'] }), 'not_found', 404);
    expectError(await h().call('publish_property', { name: 'pub_prop', owner_client_id: owner(), access_type: [] }), 'validation', 400);
    expectError(await h().call('publish_property', { name: 'pub_prop', owner_client_id: owner(), access_type: ['admin'] }), 'validation', 400);
    await h().ok('publish_property', { name: 'pub_prop', owner_client_id: owner(), access_type: ['write', 'read'] });
    assert.deepEqual((await h().ok('list_properties', { owner_client_id: owner() })).pub_prop.public_access, ['read', 'write']);
    await h().ok('publish_properties', { name: 'pub_prop', owner_client_id: owner(), access_type: ['read'] });
    assert.deepEqual((await h().ok('list_properties', { owner_client_id: owner() })).pub_prop.public_access, ['read']);
  });

  it('unregisters a private property (and its values); a published one cannot be unregistered', async () => {
    await reg({ name: 'unreg_prop' });
    const ns = owner();
    await h().ok('update_license_properties', { properties: { [ns]: { unreg_prop: 'v' } } });
    await h().ok('unregister_property', { name: 'unreg_prop', owner_client_id: ns });
    assert.equal((await h().ok('list_properties', { owner_client_id: ns })).unreg_prop, undefined);
    const rows = await h().store.db.selectFrom('property_values').select('name').where('namespace', '=', ns).where('name', '=', 'unreg_prop').execute();
    assert.equal(rows.length, 0);
    // Re-registering the same name starts without the old value.
    await reg({ name: 'unreg_prop' });
    assert.equal((await h().ok('list_license_properties', { namespace: ns, name_prefix: 'unreg_' }))[ns], undefined);
    expectError(await h().call('unregister_property', { name: 'never', owner_client_id: ns }), 'not_found', 404);

    await reg({ name: 'published_prop' });
    await h().ok('publish_property', { name: 'published_prop', owner_client_id: ns, access_type: ['read'] });
    const res = await h().call('unregister_properties', { name: 'published_prop', owner_client_id: ns });
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, /published/);
    assert.ok((await h().ok('list_properties', { owner_client_id: ns })).published_prop);
  });
});
