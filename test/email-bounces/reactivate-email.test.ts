/**
 * reactivate_email (v3.6, "Other") on both stores: the bounce recorded by the provisioning function
 * `recordEmailBounce` is cleared; unknown agents and bots answer not_found; deleting an agent forgets its bounce.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { expectError } from '../support/harness.js';
import { call36, describeV36, ok36 } from '../support/v36.js';
import { emailBounces, recordEmailBounce } from '../../src/email-bounces/bounces.js';
import { ApiError } from '../../src/kernel/errors.js';

describeV36('reactivate_email', (h) => {
  const bounce = (agentId: string, o: { at?: string; reason?: string } = {}, licenseId = h().boot.license_id) =>
    h().core.transaction((trx) => recordEmailBounce(trx, licenseId, agentId, o), { licenseId });
  const bounced = async (licenseId = h().boot.license_id) => (await emailBounces(h().store.db, licenseId)).map((b) => b.agent_id);

  it("clears the agent's bounce (any letter case of its id); the others stay", async () => {
    await h().ok('create_agent', { id: 'Bounced@example.com', name: 'B' });
    await h().ok('create_agent', { id: 'also@example.com', name: 'A' });
    const recorded = await bounce('bounced@EXAMPLE.com', { at: '2025-01-02T03:04:05+01:00', reason: 'mailbox full' });
    assert.deepEqual(recorded, { agent_id: 'Bounced@example.com', bounced_at: '2025-01-02T02:04:05.000000Z', reason: 'mailbox full' });
    await bounce('also@example.com');
    assert.deepEqual(await bounced(), ['Bounced@example.com', 'also@example.com']);
    assert.deepEqual(await ok36(h(), 'reactivate_email', { agent_id: 'BOUNCED@example.com' }), {});
    assert.deepEqual(await bounced(), ['also@example.com']);
    // Nothing left to reactivate: still {}.
    assert.deepEqual(await ok36(h(), 'reactivate_email', { agent_id: 'Bounced@example.com' }), {});
    assert.deepEqual(await bounced(), ['also@example.com']);
  });

  it('answers not_found for an unknown agent, a bot, or an agent of another licence', async () => {
    expectError(await call36(h(), 'reactivate_email', { agent_id: 'nobody@example.com' }), 'not_found', 404);
    const bot = await h().ok('create_bot', { name: 'Bot', owner_client_id: h().boot.client_id });
    expectError(await call36(h(), 'reactivate_email', { agent_id: bot.id }), 'not_found', 404);
    const other = await h().bootstrap({ ownerEmail: 'other-owner@example.com' });
    await bounce('other-owner@example.com', {}, other.license_id);
    expectError(await call36(h(), 'reactivate_email', { agent_id: 'other-owner@example.com' }), 'not_found', 404);
    assert.deepEqual(await bounced(other.license_id), ['other-owner@example.com']);
  });

  it('validates its input and needs agents--all:rw', async () => {
    for (const [body, message] of [
      [{}, /`agent_id` is required/],
      [{ agent_id: '' }, /`agent_id` should not be empty/],
      [{ agent_id: 5 }, /`agent_id` should be string/],
      [{ agent_id: 'a@example.com', email: 'x' }, /`email` is not a supported parameter/],
    ] as const) {
      const res = await call36(h(), 'reactivate_email', body);
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, message);
    }
    await h().ok('create_agent', { id: 'scoped@example.com', name: 'S' });
    await bounce('scoped@example.com');
    const { token: mine } = await h().agentWithToken('my-scope@example.com', ['agents--my:rw', 'agents--all:ro']);
    const { token: all } = await h().agentWithToken('all-scope@example.com', ['agents--all:rw']);
    expectError(await call36(h(), 'reactivate_email', { agent_id: 'scoped@example.com' }, { token: mine }), 'authorization', 403);
    assert.ok((await bounced()).includes('scoped@example.com'));
    await ok36(h(), 'reactivate_email', { agent_id: 'scoped@example.com' }, { token: all });
    assert.ok(!(await bounced()).includes('scoped@example.com'));
  });

  it('recordEmailBounce refuses unknown agents, bots and bad times; deleting an agent forgets its bounce', async () => {
    const refused = async (p: Promise<unknown>, type: string) =>
      assert.rejects(p, (e: unknown) => e instanceof ApiError && e.type === type);
    await refused(bounce('ghost@example.com'), 'not_found');
    const bot = await h().ok('create_bot', { name: 'Bot 2', owner_client_id: h().boot.client_id });
    await refused(bounce(bot.id), 'not_found');
    await h().ok('create_agent', { id: 'leaving@example.com', name: 'L' });
    await refused(bounce('leaving@example.com', { at: 'yesterday' }), 'validation');
    await bounce('leaving@example.com');
    assert.ok((await bounced()).includes('leaving@example.com'));
    await h().ok('delete_agent', { id: 'leaving@example.com' });
    assert.ok(!(await bounced()).includes('leaving@example.com'));
    await h().ok('create_agent', { id: 'leaving@example.com', name: 'L again' });
    assert.ok(!(await bounced()).includes('leaving@example.com'));
  });
});
