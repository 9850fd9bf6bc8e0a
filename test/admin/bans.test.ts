/**
 * Customer bans made through the control plane (`POST /admin/licenses/{license_id}/bans`), seen by v3.6's
 * list_customer_bans and unban_customer and by the console's bans tab; the console's calls view shows each call's
 * API version. Both stores, through the real server.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { CONSOLE_HEADER } from '../../src/http/console/index.js';
import { describeStores, expectError, type Harness } from '../support/harness.js';
import { ok36 } from '../support/v36.js';

const ADMIN_TOKEN = 'admin-token-for-ban-tests-0123456789';

async function admin(h: Harness, url: string, body: unknown, token = ADMIN_TOKEN) {
  const res = await h.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

async function consoleGet(h: Harness, url: string): Promise<any> {
  const signIn = await h.app.inject({
    method: 'POST',
    url: '/console/api/session',
    headers: { 'content-type': 'application/json', [CONSOLE_HEADER]: '1' },
    payload: { token: ADMIN_TOKEN },
  });
  const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
  const res = await h.app.inject({ method: 'GET', url, headers: { cookie } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

describeStores(
  'control plane: customer bans',
  (h) => {
    it('stores a ban that list_customer_bans (v3.6) lists and unban_customer lifts; the console shows it', async () => {
      const url = `/admin/licenses/${h().boot.license_id}/bans`;
      const byIp = await admin(h(), url, { ip: '192.0.2.7', agent_id: h().boot.owner.id });
      assert.equal(byIp.status, 200);
      assert.deepEqual(Object.keys(byIp.body).sort(), ['agent_id', 'created_at', 'ip']);
      const byCustomer = await admin(h(), url, {
        customer_id: '18405023-fdd0-4d67-b641-299e3823888c',
        thread_id: 'T00M0307QQ',
        expires_at: '2099-08-14T06:51:43Z',
      });
      assert.equal(byCustomer.status, 200);
      assert.equal(byCustomer.body.expires_at, '2099-08-14T06:51:43.000000Z');
      const listed = await ok36(h(), 'list_customer_bans', {});
      assert.deepEqual(listed, [byIp.body, byCustomer.body]);
      assert.deepEqual((await consoleGet(h(), `/console/api/licenses/${h().boot.license_id}/tabs/bans`)).bans, listed);
      await ok36(h(), 'unban_customer', { ip: '192.0.2.7' });
      assert.deepEqual(await ok36(h(), 'list_customer_bans', {}), [byCustomer.body]);
      // A ban that has ended is stored, never listed.
      assert.equal((await admin(h(), url, { ip: '192.0.2.8', expires_at: '2001-01-01T00:00:00Z' })).status, 200);
      assert.deepEqual(await ok36(h(), 'list_customer_bans', {}), [byCustomer.body]);
    });

    it('needs exactly one of ip and customer_id, valid fields, an existing licence and agent, and the admin token', async () => {
      const url = `/admin/licenses/${h().boot.license_id}/bans`;
      const before = await ok36(h(), 'list_customer_bans', {});
      for (const body of [{}, { ip: '192.0.2.1', customer_id: 'c-1' }, { agent_id: h().boot.owner.id }]) {
        const res = await admin(h(), url, body);
        expectError(res, 'validation', 400);
        assert.equal(res.body.error.message, 'Exactly one of `ip` and `customer_id` is required');
      }
      for (const body of [{ ip: 'not-an-ip' }, { ip: '192.0.2.1', expires_at: 'tomorrow' }, { customer_id: { id: 5 } }, { ip: '192.0.2.1', thread_id: '' }, '{"ip":']) {
        expectError(await admin(h(), url, body), 'validation', 400);
      }
      expectError(await admin(h(), url, { ip: '192.0.2.1', agent_id: 'nobody@example.com' }), 'not_found', 404);
      const unknown = await admin(h(), '/admin/licenses/999999999/bans', { ip: '192.0.2.1' });
      expectError(unknown, 'not_found', 404);
      assert.match(unknown.body.error.message, /Licence 999999999/);
      expectError(await admin(h(), '/admin/licenses/abc/bans', { ip: '192.0.2.1' }), 'validation', 400);
      expectError(await admin(h(), url, { ip: '192.0.2.1' }, h().boot.bearer_token), 'authentication', 401);
      assert.deepEqual(await ok36(h(), 'list_customer_bans', {}), before, 'nothing refused was stored');
    });

    it("the console's calls show each call's API version", async () => {
      await h().ok('list_groups', {}, { version: 'v3.4' });
      await h().ok('list_groups', {}, { version: 'v3.6' });
      await h().call('list_groups', {}, { version: 'v3.9' });
      const { calls } = await consoleGet(h(), '/console/api/calls?action=list_groups');
      assert.deepEqual(calls.slice(0, 3).map((c: { version: string }) => c.version), ['v3.9', 'v3.6', 'v3.4']);
      const one = await consoleGet(h(), `/console/api/calls/${encodeURIComponent(calls[1].request_id)}`);
      assert.equal(one.version, 'v3.6');
    });
  },
  { env: { ADMIN_TOKEN } },
);
