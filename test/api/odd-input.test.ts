/** Odd but well-formed input is a `validation` error on both stores, never a 500. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError } from '../support/harness.js';

describeStores('odd input', (h) => {
  it('refuses NUL characters in strings and keys', async () => {
    for (const [action, body] of [
      ['create_agent', { id: 'nul@example.com', name: 'a\u0000b' }],
      ['get_agent', { id: 'x\u0000' }],
      ['update_group', { id: 0, name: 'G\u0000' }],
      ['create_group', { name: 'G', agent_priorities: { 'a\u0000@example.com': 'normal' } }],
    ] as const) {
      const res = await h().call(action, body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, /NUL/);
    }
    assert.equal((await h().call('get_agent', { id: 'nul@example.com' })).status, 404, 'nothing stored');
  });

  it('refuses NUL in Basic credentials with authentication, before any query', async () => {
    const header = `Basic ${Buffer.from('a\u0000b:pat').toString('base64')}`;
    expectError(await h().call('list_agents', {}, { authorization: header }), 'authentication', 401);
  });

  it('bounds integers to int32', async () => {
    expectError(await h().call('get_group', { id: 1099511627776 }), 'validation', 400);
    expectError(await h().call('create_agent', { id: 'big@example.com', name: 'B', groups: [{ id: 2147483648, priority: 'normal' }] }), 'validation', 400);
    expectError(await h().call('list_agents', { filters: { group_ids: [1099511627776] } }), 'validation', 400);
    expectError(await h().call('get_group', { id: 2147483647 }), 'group_not_found', 404);
  });

  it('bounds list and map sizes', async () => {
    const res = await h().call('list_agents', { filters: { group_ids: Array.from({ length: 70_000 }, (_, i) => i) } });
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, /`filters.group_ids` should have at most 5000/);
    const priorities = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`a${i}@example.com`, 'normal']));
    expectError(await h().call('create_group', { name: 'Huge', agent_priorities: priorities }), 'validation', 400);
  });

  it('refuses wrong shapes: arrays, null, nested junk', async () => {
    expectError(await h().call('get_agent', []), 'validation', 400);
    expectError(await h().call('get_agent', 'null'), 'validation', 400);
    expectError(await h().call('get_agent', { id: { nested: [1, { deeper: true }] } }), 'validation', 400);
    expectError(await h().call('create_group', { name: 'x', agent_priorities: [] }), 'validation', 400);
  });
});
