/** Request ids and the one log line per request, through a real port (log captured from pino), on both stores. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { postgresOrSkip } from '../support/stores.js';
import { liveApp, type LiveApp } from '../support/ops.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`request ids and logging [${kind}]`, async () => {
    if (kind === 'postgres' && !(await postgresOrSkip())) return;
    let s: LiveApp;
    before(async () => {
      s = await liveApp(kind);
    });
    after(() => s.stop());

    it('uses a well-formed X-Request-Id and returns it', async () => {
      const res = await s.call('list_agents', {}, { 'x-request-id': 'trace-1.2:abc_DEF/9' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-request-id'), 'trace-1.2:abc_DEF/9');
    });

    it('generates an id when the incoming one is missing, too long or has unsafe characters', async () => {
      for (const given of [undefined, 'x'.repeat(129), 'bad id', 'a"b', 'line\tbreak', '']) {
        const res = await s.call('list_agents', {}, given === undefined ? {} : { 'x-request-id': given });
        assert.equal(res.status, 200);
        assert.match(String(res.headers.get('x-request-id')), UUID, `for ${JSON.stringify(given)}`);
      }
      assert.equal((await s.call('list_agents', {}, { 'x-request-id': 'y'.repeat(128) })).headers.get('x-request-id'), 'y'.repeat(128));
    });

    it('returns the id on errors, 404s, 405s and the other routes', async () => {
      const bad = await s.call('create_agent', {}, { 'x-request-id': 'err-1' });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('x-request-id'), 'err-1');
      const unauth = await fetch(`${s.base}/v3.5/configuration/action/list_agents`, { method: 'POST', headers: { 'x-request-id': 'auth-1' } });
      assert.equal(unauth.status, 401);
      assert.equal(unauth.headers.get('x-request-id'), 'auth-1');
      for (const [method, path] of [['GET', '/nowhere'], ['GET', '/v3.5/configuration/action/list_agents'], ['GET', '/healthz'], ['GET', '/']]) {
        const res = await fetch(`${s.base}${path}`, { method, headers: { 'x-request-id': `r-${method}${path}` } });
        assert.equal(res.headers.get('x-request-id'), `r-${method}${path}`, `${method} ${path}`);
      }
      const malformed = await fetch(`${s.base}/v3.5/configuration/action/list_agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.boot.bearer_token}`, 'content-type': 'application/json', 'x-request-id': 'json-1' },
        body: '{"oops',
      });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.headers.get('x-request-id'), 'json-1');
    });

    it('logs one line per request with action, licence, caller kind, status, error type and duration — and no secret', async () => {
      await s.call('create_agent', {}, { 'x-request-id': 'log-err' });
      await s.call('list_agents', {}, { 'x-request-id': 'log-ok' });
      const basic = `Basic ${s.boot.basic_auth}`;
      await s.call('list_agents', {}, { 'x-request-id': 'log-pat', authorization: basic });
      const lines = (id: string) => s.logs.filter((l) => l.reqId === id);
      const ok = lines('log-ok');
      assert.equal(ok.length, 1);
      assert.equal(ok[0].msg, 'request');
      assert.equal(ok[0].action, 'list_agents');
      assert.equal(ok[0].license_id, s.boot.license_id);
      assert.equal(ok[0].caller, 'bearer');
      assert.equal(ok[0].status, 200);
      assert.equal(ok[0].error_type, null);
      assert.equal(typeof ok[0].duration_ms, 'number');
      const err = lines('log-err');
      assert.equal(err.length, 1);
      assert.equal(err[0].status, 400);
      assert.equal(err[0].error_type, 'validation');
      assert.equal(lines('log-pat')[0].caller, 'pat');
      const text = s.logText();
      for (const secret of [s.boot.bearer_token, s.boot.pat, s.boot.basic_auth, s.boot.bearer_token.split(':')[1]]) {
        assert.ok(!text.includes(secret), 'a credential reached the log');
      }
      assert.ok(!/authorization/i.test(text), 'the Authorization header reached the log');
    });

    it('puts the request id into internal errors and into every log line of the request', async () => {
      // The database goes away under the app: the action fails unexpectedly.
      const other = await liveApp(kind);
      try {
        await other.store.db.destroy();
        const res = await other.call('list_tags', {}, { 'x-request-id': 'boom-1' });
        assert.equal(res.status, 500);
        const body = await res.json();
        assert.equal(body.error.type, 'internal');
        assert.deepEqual(body.error.data, { request_id: 'boom-1' });
        const lines = other.logs.filter((l) => l.reqId === 'boom-1');
        assert.ok(lines.length >= 2, 'the error and the request line');
        assert.ok(lines.some((l) => l.level === 50 && l.err));
        assert.ok(lines.some((l) => l.msg === 'request' && l.status === 500 && l.error_type === 'internal'));
        // Log lines about a request always carry its id.
        assert.ok(other.logs.filter((l) => l.level === 50).every((l) => l.reqId));
      } finally {
        await other.stop();
      }
    });
  });
}
