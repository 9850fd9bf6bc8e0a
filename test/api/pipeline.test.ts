import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError } from '../support/harness.js';
import { insertAccessToken } from '../../src/tenancy/credentials.js';

describeStores('request pipeline', (h) => {
  it('serves v3.5 and refuses other versions with unsupported_version', async () => {
    const ok = await h().call('list_agents', {});
    assert.equal(ok.status, 200);
    // v3.4 and v3.6 are served too since issue 22 (test/versions/).
    expectError(await h().call('list_agents', {}, { version: 'v3.3' }), 'unsupported_version', 400);
  });

  it('answers not_found for unknown actions', async () => {
    expectError(await h().call('no_such_action', {}), 'not_found', 404);
  });

  it('treats an empty body as {} and malformed JSON as validation', async () => {
    assert.equal((await h().call('list_agents')).status, 200);
    const bad = await h().call('list_agents', '{"fields":');
    expectError(bad, 'validation', 400);
  });

  it('names the field in validation messages', async () => {
    const res = await h().call('get_agent', {});
    expectError(res, 'validation', 400);
    assert.equal(res.body.error.message, '`id` is required');
    const wrongType = await h().call('get_agent', { id: 5 });
    assert.match(wrongType.body.error.message, /`id`/);
    const unknownField = await h().call('get_agent', { id: 'a@b.c', nope: 1 });
    assert.match(unknownField.body.error.message, /`nope`/);
  });

  it('requires authentication', async () => {
    expectError(await h().call('list_agents', {}, { token: null }), 'authentication', 401);
    expectError(await h().call('list_agents', {}, { token: 'dal:nope' }), 'authentication', 401);
    expectError(await h().call('list_agents', {}, { authorization: 'Token abc' }), 'authentication', 401);
  });

  it('accepts a PAT with Basic authentication', async () => {
    const res = await h().call('list_agents', {}, { authorization: `Basic ${h().boot.basic_auth}` });
    assert.equal(res.status, 200);
    const wrong = Buffer.from(`${h().boot.owner.account_id}:wrong`).toString('base64');
    expectError(await h().call('list_agents', {}, { authorization: `Basic ${wrong}` }), 'authentication', 401);
  });

  it('answers misdirected_request for a token of another region, with data.region', async () => {
    const token = await insertAccessToken(h().store.db, {
      licenseId: h().boot.license_id,
      accountId: h().boot.owner.account_id,
      clientId: h().boot.client_id,
      scopes: ['agents--all:ro'],
      region: 'fra',
    });
    const res = await h().call('list_agents', {}, { token });
    expectError(res, 'misdirected_request', 421);
    assert.deepEqual(res.body.error.data, { region: 'fra' });
  });

  it('answers misdirected_request when X-Region names another region', async () => {
    const res = await h().call('list_agents', {}, { headers: { 'x-region': 'fra' } });
    expectError(res, 'misdirected_request', 421);
    assert.deepEqual(res.body.error.data, { region: 'dal' });
    assert.equal((await h().call('list_agents', {}, { headers: { 'x-region': 'dal' } })).status, 200);
  });

  it('answers license_expired for an expired licence', async () => {
    const expired = await h().bootstrap({ expiresAt: '2020-01-01T00:00:00Z' });
    expectError(await h().call('list_agents', {}, { token: expired.bearer_token }), 'license_expired', 402);
  });

  it('refuses a token of another licence access to this licence data', async () => {
    const other = await h().bootstrap();
    await h().ok('create_agent', { id: 'only-here@example.com', name: 'Here' });
    expectError(await h().call('get_agent', { id: 'only-here@example.com' }, { token: other.bearer_token }), 'not_found', 404);
    const list = await h().ok('list_agents', {}, { token: other.bearer_token });
    assert.deepEqual(list.map((a: any) => a.id), [other.owner.id]);
  });

  it('runs batches in order, each item answering for itself', async () => {
    const res = await h().ok('batch_create_agents', {
      requests: [{ id: 'b1@example.com', name: 'B1' }, { name: 'no id' }, { id: 'b1@example.com', name: 'dup' }],
    });
    assert.deepEqual(res.responses[0], { id: 'b1@example.com' });
    assert.equal(res.responses[1].error.type, 'validation');
    assert.equal(res.responses[1].error.message, '`id` is required');
    assert.equal(res.responses[2].error.type, 'already_exists');
  });

  it('bounds the batch size', async () => {
    const requests = Array.from({ length: 101 }, (_, i) => ({ id: `x${i}@example.com` }));
    expectError(await h().call('batch_delete_agents', { requests }), 'validation', 400);
    expectError(await h().call('batch_delete_agents', {}), 'validation', 400);
  });

  it('applies the same scopes to batches', async () => {
    const { token } = await h().agentWithToken('reader@example.com', ['agents--all:ro']);
    expectError(await h().call('batch_create_agents', { requests: [{ id: 'z@example.com', name: 'Z' }] }, { token }), 'authorization', 403);
  });

  it('names the missing scope: one scope alone, "one of" only for alternatives', async () => {
    const { token } = await h().agentWithToken('scopeless@example.com', ['agents--all:ro']);
    const one = await h().call('list_groups', {}, { token });
    expectError(one, 'authorization', 403);
    assert.equal(one.body.error.message, 'Missing required scope: groups--all:ro');
    const { token: my } = await h().agentWithToken('mine@example.com', ['agents--my:ro']);
    const alternatives = await h().call('update_agent', { id: 'mine@example.com', job_title: 'x' }, { token: my });
    expectError(alternatives, 'authorization', 403);
    assert.equal(alternatives.body.error.message, 'Missing required scope: one of agents--my:rw, agents--all:rw');
  });
});
