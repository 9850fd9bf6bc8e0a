import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, expectError } from '../support/harness.js';

describe('rate limiting (RATE_LIMIT_MAX)', () => {
  const h = new Harness('sqlite');
  before(() => h.start({ rateLimit: { max: 3, windowMs: 60_000 } }));
  after(() => h.stop());

  it('answers too_many_requests (429) past the limit, per credential, in the error format', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await h.call('list_groups', {})).status, 200);
    const limited = await h.call('list_groups', {});
    expectError(limited, 'too_many_requests', 429);
    assert.match(limited.body.error.message, /Too many requests/);
    const res = await h.app.inject({ method: 'POST', url: '/v3.5/configuration/action/list_groups', headers: { authorization: `Bearer ${h.boot.bearer_token}` }, payload: '{}' });
    assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After tells when to come back');
    assert.equal((await h.call('list_groups', {}, { authorization: `Basic ${h.boot.basic_auth}` })).status, 200, 'another credential has its own budget');
  });

  it('never limits /healthz', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
