/**
 * The served API versions side by side (issue 22), on both stores through the real server: each version's happy
 * paths, unsupported versions, methods a version lacks (404 in the error format), v3.4's batches (none) and its GET
 * calls, and the lifecycle headers on every kind of answer (success, error, batch, unknown action, other methods,
 * malformed bodies, refused credentials).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, type Harness } from '../support/harness.js';

/** A raw request through the app (no answer check), for what the harness does not send. */
const raw = (h: Harness, ...args: Parameters<Harness['raw']>) => h.raw(...args);

/** The invented default end dates (src/config.ts). */
const V34_END = '2027-03-31';
const V35_END = '2027-09-30';

describeStores('API versions: v3.4, v3.5 and v3.6 side by side', (h) => {
  it('each version creates, reads, lists and updates agents and groups; all see the same data', async () => {
    for (const v of ['v3.4', 'v3.5', 'v3.6']) {
      const id = `${v.replace('.', '')}@example.com`;
      assert.deepEqual(await h().ok('create_agent', { id, name: v }, { version: v }), { id });
      await h().ok('update_agent', { id, job_title: `Job ${v}` }, { version: v });
      const group = await h().ok('create_group', { name: `G ${v}`, agent_priorities: { [id]: 'normal' } }, { version: v });
      const agent = await h().ok('get_agent', { id, fields: ['groups', 'job_title'] }, { version: v });
      assert.equal(agent.job_title, `Job ${v}`);
      assert.deepEqual(agent.groups, [{ id: group.id, priority: 'normal' }]);
    }
    for (const v of ['v3.4', 'v3.5', 'v3.6']) {
      const ids = (await h().ok('list_agents', {}, { version: v })).map((a: { id: string }) => a.id);
      for (const id of ['v34@example.com', 'v35@example.com', 'v36@example.com']) assert.ok(ids.includes(id), `${v} lists ${id}`);
      assert.equal((await h().ok('list_groups', {}, { version: v })).length, 4);
    }
  });

  it('serves batch endpoints from v3.5 on; v3.4 has none (not_found)', async () => {
    const body = { requests: [{ id: 'batch36@example.com', name: 'B' }] };
    assert.deepEqual(await h().ok('batch_create_agents', body, { version: 'v3.6' }), { responses: [{ id: 'batch36@example.com' }] });
    expectError(await h().call('batch_create_agents', { requests: [{ id: 'batch34@example.com', name: 'B' }] }, { version: 'v3.4' }), 'not_found', 404);
    expectError(await h().call('get_agent', { id: 'batch34@example.com' }, { version: 'v3.4' }), 'not_found', 404);
  });

  it('v3.4 lacks the methods v3.5 added (not_found in the error format)', async () => {
    for (const name of [
      'create_bot_template', 'list_bot_templates', 'issue_bot_token', 'reset_bot_secret', 'create_tag', 'list_tags',
      'list_groups_properties', 'list_channels', 'check_product_limits_for_plan', 'get_product_source',
    ]) {
      const res = await h().call(name, {}, { version: 'v3.4' });
      expectError(res, 'not_found', 404);
      assert.match(res.body.error.message, new RegExp(name));
    }
    // Served through v3.5 and v3.6.
    assert.ok(Array.isArray(await h().ok('list_tags', {}, { version: 'v3.5' })));
    assert.ok(Array.isArray(await h().ok('list_channels', {}, { version: 'v3.6' })));
  });

  it('answers unsupported_version for any other version, POST or not', async () => {
    for (const v of ['v3.3', 'v3.7', 'v2', '3.6', 'latest']) expectError(await h().call('list_agents', {}, { version: v }), 'unsupported_version', 400);
    const get = await raw(h(), 'GET', '/v3.7/configuration/action/list_agents');
    assert.equal(get.status, 405);
  });

  it('sends the lifecycle header of a legacy or deprecated version on every answer, none for the stable one', async () => {
    const header = (res: { headers: Record<string, unknown> }) => ({ legacy: res.headers.legacy, deprecation: res.headers.deprecation });
    const cases: Array<[string, string, string | undefined, string]> = [
      ['POST', '/configuration/action/list_agents', '{}', 'success'],
      ['POST', '/configuration/action/get_agent', '{}', 'validation error'],
      ['POST', '/configuration/action/get_agent', '{"id":', 'malformed JSON'],
      ['POST', '/configuration/action/no_such_action', '{}', 'unknown action'],
      ['PUT', '/configuration/action/list_agents', '{}', 'another method'],
      ['DELETE', '/configuration/action/list_agents', undefined, 'another method'],
    ];
    for (const [method, path, body, what] of cases) {
      const v34 = await raw(h(), method as 'POST', `/v3.4${path}`, body);
      const v35 = await raw(h(), method as 'POST', `/v3.5${path}`, body);
      const v36 = await raw(h(), method as 'POST', `/v3.6${path}`, body);
      assert.equal(v34.status, v35.status, what);
      assert.deepEqual(header(v34), { legacy: undefined, deprecation: V34_END }, `v3.4 ${what}`);
      assert.deepEqual(header(v35), { legacy: V35_END, deprecation: undefined }, `v3.5 ${what}`);
      assert.deepEqual(header(v36), { legacy: undefined, deprecation: undefined }, `v3.6 ${what}`);
    }
    const batch = await raw(h(), 'POST', '/v3.5/configuration/action/batch_delete_agents', '{"requests":[{"id":"nobody@example.com"}]}');
    assert.equal(batch.status, 200);
    assert.equal(batch.body.responses[0].error.type, 'not_found');
    assert.equal(batch.headers.legacy, V35_END);
    const refused = await raw(h(), 'POST', '/v3.4/configuration/action/list_agents', '{}', { authorization: 'Bearer dal:nope' });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.deprecation, V34_END);
    // Versions not served carry none.
    assert.deepEqual(header(await raw(h(), 'POST', '/v3.3/configuration/action/list_agents', '{}')), { legacy: undefined, deprecation: undefined });
  });

  it('v3.4 serves list_license_properties by GET too, its parameters in the query string; other GETs answer 405', async () => {
    const client = h().boot.client_id;
    await h().ok('register_property', { name: 'colour', owner_client_id: client, type: 'string', access: { license: { agent: ['read', 'write'] } }, default_value: 'blue' });
    const post = await h().ok('list_license_properties', { namespace: client }, { version: 'v3.4' });
    assert.deepEqual(post, { [client]: { colour: 'blue' } });
    const get = await raw(h(), 'GET', `/v3.4/configuration/action/list_license_properties?namespace=${client}&name_prefix=col`);
    assert.equal(get.status, 200);
    assert.deepEqual(get.body, post);
    assert.equal(get.headers.deprecation, V34_END);
    const unknown = await raw(h(), 'GET', '/v3.4/configuration/action/list_license_properties?nope=1');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.type, 'validation');
    assert.equal(unknown.body.error.message, '`nope` is not a supported parameter');
    const noAuth = await raw(h(), 'GET', '/v3.4/configuration/action/list_license_properties', undefined, { authorization: '' });
    assert.equal(noAuth.status, 401);
    // Only v3.4 serves it by GET, and only the actions it declares.
    for (const url of ['/v3.5/configuration/action/list_license_properties', '/v3.6/configuration/action/list_license_properties', '/v3.4/configuration/action/list_agents']) {
      const res = await raw(h(), 'GET', url);
      assert.equal(res.status, 405, url);
      assert.equal(res.body.error.type, 'validation');
    }
  });
});

describeStores(
  'API versions: the lifecycle header on limited answers',
  (h) => {
    it('a rate-limited answer (429) of a legacy or deprecated version carries its header too', async () => {
      for (const [version, name] of [['v3.5', 'legacy'], ['v3.4', 'deprecation']] as const) {
        const token = (await h().tokenFor(h().boot.owner.id, ['agents--all:ro'])).token; // a fresh credential: its own budget
        assert.equal((await raw(h(), 'POST', `/${version}/configuration/action/list_agents`, '{}', { authorization: `Bearer ${token}` })).status, 200);
        const limited = await raw(h(), 'POST', `/${version}/configuration/action/list_agents`, '{}', { authorization: `Bearer ${token}` });
        assert.equal(limited.status, 429);
        assert.equal(limited.body.error.type, 'too_many_requests');
        assert.equal(limited.headers[name], version === 'v3.5' ? V35_END : V34_END);
      }
    });
  },
  { rateLimit: { max: 1, windowMs: 60_000 } },
  ['sqlite'],
);
