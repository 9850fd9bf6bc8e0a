/**
 * Customer bans (v3.6) on both stores: the provisioning function `createCustomerBan` (what the control plane will
 * expose as POST /admin/licenses/{license_id}/bans) tested directly, and list_customer_bans / unban_customer through
 * the real server: the activity window, matching, validation and scopes.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { expectError, type Harness } from '../support/harness.js';
import { call36, describeV36, ok36 } from '../support/v36.js';
import { createCustomerBan } from '../../src/bans/bans.js';
import { ApiError } from '../../src/kernel/errors.js';

const MICRO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** A licence of its own (bans are per licence): its id, owner and token. */
async function licence(h: Harness) {
  const b = await h.bootstrap();
  return {
    id: b.license_id,
    owner: b.owner.id,
    token: b.bearer_token,
    ban: (body: unknown) => h.core.transaction((trx) => createCustomerBan(trx, b.license_id, body), { licenseId: b.license_id }),
    list: () => ok36(h, 'list_customer_bans', {}, { token: b.bearer_token }),
  };
}

/** The error a provisioning call throws. */
async function rejects(p: Promise<unknown>, type: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.type, type);
    assert.match(err.message, message);
    return true;
  });
}

describeV36('customer bans', (h) => {
  it('stores bans and lists the active ones oldest first, members without a value left out', async () => {
    const l = await licence(h());
    const first = await l.ban({ ip: '192.168.8.1', agent_id: l.owner, expires_at: '2099-08-14T06:51:43Z' });
    assert.deepEqual(Object.keys(first), ['ip', 'agent_id', 'created_at', 'expires_at']);
    assert.match(first.created_at, MICRO);
    assert.equal(first.expires_at, '2099-08-14T06:51:43.000000Z');
    const second = await l.ban({ customer_id: '18405023-fdd0-4d67-b641-299e3823888c', agent_id: l.owner.toUpperCase(), thread_id: 'T00M0307QQ', expires_at: '2099-08-14T08:55:10.5+02:00' });
    assert.deepEqual(second, {
      customer_id: '18405023-fdd0-4d67-b641-299e3823888c',
      agent_id: l.owner, // as the agent was created, whatever the letter case given
      thread_id: 'T00M0307QQ',
      created_at: second.created_at,
      expires_at: '2099-08-14T06:55:10.500000Z',
    });
    const forever = await l.ban({ ip: '10.42.42.1' });
    assert.deepEqual(Object.keys(forever), ['ip', 'created_at']);
    assert.ok(first.created_at < second.created_at && second.created_at < forever.created_at);
    assert.deepEqual(await l.list(), [first, second, forever]);
    // Another licence sees none of them.
    assert.deepEqual(await ok36(h(), 'list_customer_bans', {}), []);
  });

  it('does not list bans that have ended; unban_customer cannot lift them', async () => {
    const l = await licence(h());
    const active = await l.ban({ ip: '203.0.113.7', expires_at: inDays(1) });
    await l.ban({ ip: '203.0.113.8', expires_at: inDays(-1) });
    await l.ban({ customer_id: 'ended-customer', expires_at: new Date(Date.now() - 1).toISOString() });
    assert.deepEqual(await l.list(), [active]);
    expectError(await call36(h(), 'unban_customer', { ip: '203.0.113.8' }, { token: l.token }), 'not_found', 404);
    expectError(await call36(h(), 'unban_customer', { customer_id: 'ended-customer' }, { token: l.token }), 'not_found', 404);
  });

  it('unban_customer lifts every active ban of the IP address (any spelling) or of the customer, nothing else', async () => {
    const l = await licence(h());
    await l.ban({ ip: '2001:DB8:0:0::1' });
    await l.ban({ ip: '2001:db8::1', expires_at: inDays(3) });
    const otherIp = await l.ban({ ip: '2001:db8::2' });
    await l.ban({ customer_id: 'c-1' });
    const otherCustomer = await l.ban({ customer_id: 'C-1' });
    assert.deepEqual(await ok36(h(), 'unban_customer', { ip: '2001:0db8:0000:0000:0000:0000:0000:0001' }, { token: l.token }), {});
    assert.deepEqual(await ok36(h(), 'unban_customer', { customer_id: 'c-1' }, { token: l.token }), {});
    assert.deepEqual(await l.list(), [otherIp, otherCustomer]);
    const res = await call36(h(), 'unban_customer', { ip: '2001:db8::1' }, { token: l.token });
    expectError(res, 'not_found', 404);
    assert.match(res.body.error.message, /No active ban of IP address 2001:db8::1/);
    expectError(await call36(h(), 'unban_customer', { customer_id: 'c-1' }, { token: l.token }), 'not_found', 404);
    // IPv4 too, and the ban of one licence is not lifted from another.
    await l.ban({ ip: '198.51.100.4' });
    expectError(await call36(h(), 'unban_customer', { ip: '198.51.100.4' }), 'not_found', 404);
    await ok36(h(), 'unban_customer', { ip: '198.51.100.4' }, { token: l.token });
    assert.deepEqual(await l.list(), [otherIp, otherCustomer]);
  });

  it('validates unban_customer: exactly one of ip and customer_id, an IP address', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /Exactly one of `ip` and `customer_id` is required/],
      [{ ip: '10.0.0.1', customer_id: 'c' }, /Exactly one of `ip` and `customer_id` is required/],
      [{ ip: 'localhost' }, /`ip` should be an IPv4 or IPv6 address/],
      [{ ip: '256.1.1.1' }, /`ip` should be an IPv4 or IPv6 address/],
      [{ ip: '010.0.0.1' }, /`ip` should be an IPv4 or IPv6 address/],
      [{ ip: 'fe80::1%eth0' }, /`ip` should be an IPv4 or IPv6 address/],
      [{ ip: '' }, /`ip` should not be empty/],
      [{ ip: 17 }, /`ip` should be string/],
      [{ customer_id: '' }, /`customer_id` should not be empty/],
      [{ customer_id: 'x'.repeat(256) }, /`customer_id` should be at most 255 characters/],
      [{ customer_id: 'a\nb' }, /`customer_id` must not contain control characters/],
      [{ ip: '10.0.0.1', group: 1 }, /`group` is not a supported parameter/],
    ];
    for (const [body, message] of cases) {
      const res = await call36(h(), 'unban_customer', body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message, JSON.stringify(body));
    }
    const res = await call36(h(), 'list_customer_bans', { ip: '10.0.0.1' });
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, /`ip` is not a supported parameter/);
  });

  it('createCustomerBan validates its input: exactly one of ip/customer_id, addresses, dates, agent and licence', async () => {
    const l = await licence(h());
    await rejects(l.ban({}), 'validation', /Exactly one of `ip` and `customer_id`/);
    await rejects(l.ban({ ip: '10.0.0.1', customer_id: 'c' }), 'validation', /Exactly one of `ip` and `customer_id`/);
    await rejects(l.ban({ ip: '1.2.3' }), 'validation', /`ip` should be an IPv4 or IPv6 address/);
    await rejects(l.ban({ ip: '10.0.0.1', expires_at: 'next week' }), 'validation', /`expires_at` should be an RFC 3339 date-time/);
    await rejects(l.ban({ ip: '10.0.0.1', expires_at: '2099-02-30T00:00:00Z' }), 'validation', /`expires_at` should be an RFC 3339/);
    await rejects(l.ban({ ip: '10.0.0.1', thread_id: '' }), 'validation', /`thread_id` should not be empty/);
    await rejects(l.ban({ ip: '10.0.0.1', reason: 'spam' }), 'validation', /`reason` is not a supported parameter/);
    await rejects(l.ban('10.0.0.1'), 'validation', /request body should be object/);
    await rejects(l.ban({ ip: '10.0.0.1', agent_id: 'nobody@example.com' }), 'not_found', /Agent nobody@example.com not found/);
    await rejects(
      h().core.transaction((trx) => createCustomerBan(trx, 987_654_321, { ip: '10.0.0.1' })),
      'not_found',
      /Licence 987654321 not found/,
    );
    assert.deepEqual(await l.list(), []);
  });
});

describeV36('customer bans scopes', (h) => {
  it('list needs banlist_read, unban banlist_write; neither includes the other, nor does customers.ban:rw', async () => {
    const { token: read } = await h().agentWithToken('ban-reader@example.com', ['banlist_read']);
    const { token: write } = await h().agentWithToken('ban-writer@example.com', ['banlist_write']);
    const { token: other } = await h().agentWithToken('ban-other@example.com', ['customers.ban:rw', 'greetings:rw', 'agents--all:rw']);
    const unban = { ip: '192.0.2.1' };
    await ok36(h(), 'list_customer_bans', {}, { token: read });
    expectError(await call36(h(), 'unban_customer', unban, { token: read }), 'authorization', 403);
    expectError(await call36(h(), 'list_customer_bans', {}, { token: write }), 'authorization', 403);
    expectError(await call36(h(), 'unban_customer', unban, { token: write }), 'not_found', 404); // allowed, nothing to lift
    expectError(await call36(h(), 'list_customer_bans', {}, { token: other }), 'authorization', 403);
    expectError(await call36(h(), 'unban_customer', unban, { token: other }), 'authorization', 403);
  });
});
