/**
 * The v3.6 scopes (`greetings:ro`, `greetings:rw`, `banlist_read`, `banlist_write`) known everywhere credentials are
 * made: `config-api token create --scopes` (by name and with `all`, unknown ones refused), `POST /admin/tokens`, and
 * the bootstrap and demo tokens; each grants exactly its v3.6 methods.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, type Harness } from '../support/harness.js';
import { cliJson } from '../support/cli.js';
import { call36, greetingBody, ok36 } from '../support/v36.js';
import { createDemo, demoToken } from '../../src/provisioning/demo.js';

const ADMIN_TOKEN = 'admin-token-for-scope-tests-0123456789';

const token = async (h: Harness, scopes: string): Promise<string> => {
  const out = await cliJson(h, ['token', 'create', '--license', String(h.boot.license_id), '--agent', h.boot.owner.id, '--scopes', scopes]);
  assert.equal(out.code, 0, JSON.stringify(out.json));
  return out.json.bearer_token;
};

describeStores(
  'v3.6 scopes in every credential',
  (h) => {
    it('config-api token create --scopes takes them by name; each grants its methods only', async () => {
      const read = await token(h(), 'banlist_read,greetings:ro');
      assert.deepEqual(await ok36(h(), 'list_customer_bans', {}, { token: read }), []);
      assert.equal((await ok36(h(), 'list_greetings', {}, { token: read })).found_greetings, 0);
      expectError(await call36(h(), 'unban_customer', { ip: '192.0.2.1' }, { token: read }), 'authorization', 403);
      expectError(await call36(h(), 'create_greeting', greetingBody(), { token: read }), 'authorization', 403);
      const write = await token(h(), 'banlist_write greetings:rw');
      expectError(await call36(h(), 'unban_customer', { ip: '192.0.2.1' }, { token: write }), 'not_found', 404); // allowed, nothing to lift
      expectError(await call36(h(), 'list_customer_bans', {}, { token: write }), 'authorization', 403); // banlist_write does not include banlist_read
      const { id } = await ok36(h(), 'create_greeting', greetingBody(), { token: write });
      assert.equal((await ok36(h(), 'get_greeting', { id }, { token: write })).id, id); // greetings:rw includes greetings:ro
    });

    it('config-api token create --scopes all and the bootstrap token include them; unknown names are refused', async () => {
      const all = await token(h(), 'all');
      for (const t of [all, h().boot.bearer_token]) {
        assert.deepEqual(await ok36(h(), 'list_customer_bans', {}, { token: t }), []);
        await ok36(h(), 'list_greetings', {}, { token: t });
      }
      const bad = await cliJson(h(), ['token', 'create', '--license', String(h().boot.license_id), '--agent', h().boot.owner.id, '--scopes', 'banlist_reader']);
      assert.equal(bad.code, 1);
      assert.match(bad.json.error.message, /Unknown scope\(s\): banlist_reader/);
    });

    it('POST /admin/tokens takes them; the demo token has them', async () => {
      const res = await h().app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: { license_id: h().boot.license_id, agent_id: h().boot.owner.id, scopes: ['greetings:ro', 'banlist_write'] },
      });
      assert.equal(res.statusCode, 200, res.body);
      const t = res.json().bearer_token;
      await ok36(h(), 'list_greetings', {}, { token: t });
      expectError(await call36(h(), 'list_customer_bans', {}, { token: t }), 'authorization', 403);
      const refused = await h().app.inject({
        method: 'POST',
        url: '/admin/tokens',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: { license_id: h().boot.license_id, agent_id: h().boot.owner.id, scopes: ['greetings:rx'] },
      });
      assert.equal(refused.statusCode, 400);
      await h().core.transaction((tx) => createDemo(tx, h().core.cascades, 'dal'));
      const demo = await demoToken(h().store, 'dal');
      assert.ok(demo);
      assert.deepEqual(await ok36(h(), 'list_customer_bans', {}, { token: demo.bearer_token }), []);
      await ok36(h(), 'list_greetings', {}, { token: demo.bearer_token });
    });
  },
  { env: { ADMIN_TOKEN } },
);
