import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError } from '../helpers.js';

const MAX = 3;

describeStores(
  'rate limiting (RATE_LIMIT_MAX)',
  (h) => {
    it('answers too_many_requests (429) past the limit, per credential, in the error format', async () => {
      const b = await h().bootstrap();
      for (let i = 0; i < MAX; i++) assert.equal((await h().call('list_groups', {}, { token: b.bearer_token })).status, 200);
      const limited = await h().call('list_groups', {}, { token: b.bearer_token });
      expectError(limited, 'too_many_requests', 429);
      assert.match(limited.body.error.message, /Too many requests/);
      const res = await h().app.inject({
        method: 'POST',
        url: '/v3.5/configuration/action/list_groups',
        headers: { authorization: `Bearer ${b.bearer_token}` },
        payload: '{}',
      });
      assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After tells when to come back');
      assert.equal((await h().call('list_groups', {}, { authorization: `Basic ${b.basic_auth}` })).status, 200, 'another credential has its own budget');
    });

    it('counts a Bearer token however the header spells it', async () => {
      const { bearer_token: t } = await h().bootstrap();
      for (let i = 0; i < MAX; i++) assert.equal((await h().call('list_groups', {}, { authorization: `Bearer ${t}` })).status, 200);
      for (const spelling of [`Bearer ${t}`, `bearer ${t}`, `BEARER ${t}`, `Bearer  ${t}`, `Bearer ${t}  `, `bEaReR \t${t}`]) {
        expectError(await h().call('list_groups', {}, { authorization: spelling }), 'too_many_requests', 429);
      }
    });

    it('counts Basic credentials however the header spells them', async () => {
      const { basic_auth: b64 } = await h().bootstrap();
      for (let i = 0; i < MAX; i++) assert.equal((await h().call('list_groups', {}, { authorization: `Basic ${b64}` })).status, 200);
      for (const spelling of [`basic ${b64}`, `BASIC  ${b64}`, `Basic ${b64.replace(/=+$/, '')}`, `Basic ${b64} `]) {
        expectError(await h().call('list_groups', {}, { authorization: spelling }), 'too_many_requests', 429);
      }
    });

    it('counts a bot token with or without its region prefix as one credential', async () => {
      const b = await h().bootstrap();
      const { id, secret } = await h().ok('create_bot', { name: 'Limited' }, { token: b.bearer_token });
      const { token } = await h().ok(
        'issue_bot_token',
        { bot_id: id, client_id: b.client_id, bot_secret: secret, organization_id: b.organization_id },
        { token: b.bearer_token },
      );
      for (let i = 0; i < MAX; i++) assert.equal((await h().call('get_bot', { id }, { token })).status, 200);
      expectError(await h().call('get_bot', { id }, { token: token.slice('dal:'.length) }), 'too_many_requests', 429);
      expectError(await h().call('get_bot', { id }, { authorization: `bearer ${token.slice('dal:'.length)}` }), 'too_many_requests', 429);
    });

    it('never limits /healthz', async () => {
      for (let i = 0; i < MAX + 2; i++) assert.equal((await h().app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    });
  },
  { rateLimit: { max: MAX, windowMs: 60_000 } },
);
