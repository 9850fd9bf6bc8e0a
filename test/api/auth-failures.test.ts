/** Failed authentications are limited per client address (AUTH_FAILURE_LIMIT / AUTH_FAILURE_WINDOW_MS). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, type Harness } from '../support/harness.js';
import { testConfig } from '../support/stores.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { FastifyInstance } from 'fastify';
import { waitFor } from '../support/webhooks.js';

const LIMIT = 3;
// Long enough for a test's few calls on a loaded machine (a suite under CI load once took 750 ms for four), short
// enough for the test that waits for it to pass.
const WINDOW_MS = 1_500;

async function callFrom(
  app: FastifyInstance,
  address: string,
  action: string,
  o: { authorization?: string; body?: unknown } = {},
): Promise<{ status: number; body: any; retryAfter?: string }> {
  const res = await app.inject({
    method: 'POST',
    url: `/v3.5/configuration/action/${action}`,
    remoteAddress: address,
    headers: { 'content-type': 'application/json', ...(o.authorization ? { authorization: o.authorization } : {}) },
    payload: JSON.stringify(o.body ?? {}),
  });
  return { status: res.statusCode, body: JSON.parse(res.body), retryAfter: res.headers['retry-after'] as string | undefined };
}

describeStores(
  'failed-authentication limit per client address',
  (h) => {
    const good = () => `Bearer ${h().boot.bearer_token}`;

    it('after LIMIT failures the address gets too_many_requests with Retry-After, other addresses do not', async () => {
      const app = h().app;
      assert.equal((await callFrom(app, '10.0.0.1', 'list_groups', { authorization: good() })).status, 200);
      const failures = [
        { authorization: 'Bearer dal:not-a-token' },
        { authorization: 'Basic bm9ib2R5Ondyb25n' },
        {}, // no Authorization header
      ];
      for (const f of failures) expectError(await callFrom(app, '10.0.0.1', 'list_groups', f), 'authentication', 401);
      for (const o of [{ authorization: good() }, { authorization: 'Bearer dal:not-a-token' }]) {
        const res = await callFrom(app, '10.0.0.1', 'list_groups', o);
        expectError(res, 'too_many_requests', 429);
        assert.match(res.body.error.message, /failed authentications/);
        assert.ok(Number(res.retryAfter) >= 1, `Retry-After: ${res.retryAfter}`);
      }
      assert.equal((await callFrom(app, '10.0.0.2', 'list_groups', { authorization: good() })).status, 200, 'another address is served');
    });

    it('counts refused bot credentials (issue_bot_token) and nothing but authentication failures', async () => {
      const app = h().app;
      const b = h().boot;
      const { id, secret } = await h().ok('create_bot', { name: 'Guessed' });
      const wrong = { bot_id: id, client_id: b.client_id, bot_secret: 'guess', organization_id: b.organization_id };
      // other errors do not count: validation, not_found, authorization
      for (let i = 0; i < LIMIT + 2; i++) {
        expectError(await callFrom(app, '10.0.1.1', 'get_agent', { authorization: good(), body: { id: 'nobody@example.com' } }), 'not_found', 404);
        expectError(await callFrom(app, '10.0.1.1', 'get_agent', { authorization: good(), body: {} }), 'validation', 400);
      }
      for (let i = 0; i < LIMIT; i++) expectError(await callFrom(app, '10.0.1.1', 'issue_bot_token', { body: wrong }), 'authentication', 401);
      const right = { ...wrong, bot_secret: secret };
      expectError(await callFrom(app, '10.0.1.1', 'issue_bot_token', { body: right }), 'too_many_requests', 429);
      assert.equal((await callFrom(app, '10.0.1.2', 'issue_bot_token', { body: right })).status, 200);
    });

    it('serves the address again once the window has passed', async () => {
      const app = h().app;
      for (let i = 0; i < LIMIT; i++) expectError(await callFrom(app, '10.0.2.1', 'list_groups', { authorization: 'Bearer x' }), 'authentication', 401);
      expectError(await callFrom(app, '10.0.2.1', 'list_groups', { authorization: good() }), 'too_many_requests', 429);
      await new Promise((r) => setTimeout(r, WINDOW_MS + 50));
      assert.equal((await callFrom(app, '10.0.2.1', 'list_groups', { authorization: good() })).status, 200);
      // a fresh window: one failure does not block
      expectError(await callFrom(app, '10.0.2.1', 'list_groups', { authorization: 'Bearer x' }), 'authentication', 401);
      assert.equal((await callFrom(app, '10.0.2.1', 'list_groups', { authorization: good() })).status, 200);
    });

    it('SQLite: per app instance; PostgreSQL: shared by the apps of the database; off with limit 0 (RATE_LIMIT_MAX being off changes nothing)', async () => {
      const other = await createApp({ store: h().store, config: testConfig({ AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_MS: '60000' }), logger: false });
      const off = await createApp({ store: h().store, config: testConfig({ AUTH_FAILURE_LIMIT: '0' }), logger: false });
      try {
        for (let i = 0; i < LIMIT; i++) expectError(await callFrom(other, '10.0.3.1', 'list_groups', { authorization: 'Bearer x' }), 'authentication', 401);
        expectError(await callFrom(other, '10.0.3.1', 'list_groups', { authorization: good() }), 'too_many_requests', 429);
        if (h().store.dialect === 'sqlite') {
          assert.equal((await callFrom(h().app, '10.0.3.1', 'list_groups', { authorization: good() })).status, 200, 'the other app keeps its own count');
        } else {
          // Another failure on the first app is one past the limit: answered as blocked at once.
          expectError(await callFrom(h().app, '10.0.3.1', 'list_groups', { authorization: 'Bearer x' }), 'too_many_requests', 429);
          await waitFor('the first app to know the block', async () => (await callFrom(h().app, '10.0.3.1', 'list_groups', { authorization: good() })).status === 429, 1000);
        }
        for (let i = 0; i < 3 * LIMIT; i++) expectError(await callFrom(off, '10.0.3.1', 'list_groups', { authorization: 'Bearer x' }), 'authentication', 401);
        assert.equal((await callFrom(off, '10.0.3.1', 'list_groups', { authorization: good() })).status, 200);
      } finally {
        await other.close();
        await off.close();
      }
    });
  },
  { env: { AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS) } },
);

describeStores('failed-authentication limit: defaults', (h: () => Harness) => {
  it('behind a trusted proxy (TRUST_PROXY) counts per forwarded client address', async () => {
    const trustProxy = loadConfig({ TRUST_PROXY: '127.0.0.1' }).trustProxy;
    assert.equal(trustProxy, '127.0.0.1');
    assert.deepEqual(
      ['off', 'on', 'false', '1', ' 10.0.0.0/8 , 127.0.0.1 '].map((v) => loadConfig({ TRUST_PROXY: v }).trustProxy),
      [false, true, false, true, '10.0.0.0/8,127.0.0.1'],
    );
    const app = await createApp({ store: h().store, config: testConfig({ TRUST_PROXY: '127.0.0.1', AUTH_FAILURE_LIMIT: '2' }), logger: false });
    const call = async (client: string, authorization: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/v3.5/configuration/action/list_groups',
        remoteAddress: '127.0.0.1',
        headers: { authorization, 'x-forwarded-for': client },
        payload: '{}',
      });
      return { status: res.statusCode, body: JSON.parse(res.body) };
    };
    try {
      for (let i = 0; i < 2; i++) expectError(await call('203.0.113.7', 'Bearer x'), 'authentication', 401);
      expectError(await call('203.0.113.7', `Bearer ${h().boot.bearer_token}`), 'too_many_requests', 429);
      assert.equal((await call('203.0.113.8', `Bearer ${h().boot.bearer_token}`)).status, 200, 'another client behind the same proxy');
    } finally {
      await app.close();
    }
  });

  it('by default 20 failures per minute are allowed per address', async () => {
    const app = await createApp({ store: h().store, config: loadConfig({}), logger: false });
    try {
      for (let i = 0; i < 20; i++) expectError(await callFrom(app, '10.0.4.1', 'list_groups', { authorization: 'Bearer x' }), 'authentication', 401);
      const res = await callFrom(app, '10.0.4.1', 'list_groups', { authorization: `Bearer ${h().boot.bearer_token}` });
      expectError(res, 'too_many_requests', 429);
      assert.ok(Number(res.retryAfter) > 50 && Number(res.retryAfter) <= 60, `Retry-After: ${res.retryAfter}`);
    } finally {
      await app.close();
    }
  });
}, {}, ['sqlite']);
