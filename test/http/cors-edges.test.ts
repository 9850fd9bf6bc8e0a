/** CORS (CORS_ORIGINS *, a list, off) and the HTTP edges (empty POST, 405, GET /), through a real port. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { postgresOrSkip } from '../support/stores.js';
import { liveApp, type LiveApp } from '../support/ops.js';
import { join } from 'node:path';
import { ROOT } from '../support/processes.js';

const ACTION = '/v3.5/configuration/action/list_agents';

function preflight(s: LiveApp, origin: string, path = ACTION): Promise<Response> {
  return fetch(`${s.base}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-region' },
  });
}

describe('CORS', () => {
  it('CORS_ORIGINS=* (default): preflights answered, headers allowed, X-Request-Id exposed', async () => {
    const s = await liveApp('sqlite');
    try {
      const pre = await preflight(s, 'https://app.example.com');
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(String(pre.headers.get('access-control-allow-methods')), /POST/);
      const allowed = String(pre.headers.get('access-control-allow-headers')).toLowerCase().split(/,\s*/);
      for (const h of ['authorization', 'content-type', 'x-region']) assert.ok(allowed.includes(h), h);
      const res = await s.call('list_agents', {}, { origin: 'https://app.example.com' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(String(res.headers.get('access-control-expose-headers')), /X-Request-Id/i);
      // Error answers carry the CORS headers too, so the page can read them.
      const err = await s.call('create_agent', {}, { origin: 'https://app.example.com' });
      assert.equal(err.status, 400);
      assert.equal(err.headers.get('access-control-allow-origin'), '*');
    } finally {
      await s.stop();
    }
  });

  it('a list of origins: a listed origin is allowed, another gets no CORS headers', async () => {
    const s = await liveApp('sqlite', { CORS_ORIGINS: 'https://a.example.com, http://localhost:3000' });
    try {
      const ok = await preflight(s, 'http://localhost:3000');
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
      const res = await s.call('list_agents', {}, { origin: 'https://a.example.com' });
      assert.equal(res.headers.get('access-control-allow-origin'), 'https://a.example.com');
      const other = await s.call('list_agents', {}, { origin: 'https://evil.example.com' });
      assert.equal(other.status, 200);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      assert.equal((await preflight(s, 'https://evil.example.com')).headers.get('access-control-allow-origin'), null);
    } finally {
      await s.stop();
    }
  });

  it('CORS_ORIGINS=off: no CORS headers; OPTIONS on an action answers 405', async () => {
    const s = await liveApp('sqlite', { CORS_ORIGINS: 'off' });
    try {
      const res = await s.call('list_agents', {}, { origin: 'https://app.example.com' });
      assert.equal(res.headers.get('access-control-allow-origin'), null);
      const pre = await preflight(s, 'https://app.example.com');
      assert.equal(pre.status, 405);
      assert.equal(pre.headers.get('allow'), 'POST');
      assert.equal(pre.headers.get('access-control-allow-origin'), null);
      const plain = await fetch(`${s.base}${ACTION}`, { method: 'OPTIONS' });
      assert.equal(plain.status, 405);
      assert.deepEqual((await plain.json()).error.data, { allow: ['POST'] });
      const elsewhere = await fetch(`${s.base}/healthz`, { method: 'OPTIONS' });
      assert.equal(elsewhere.status, 404);
      assert.equal((await elsewhere.json()).error.type, 'not_found');
    } finally {
      await s.stop();
    }
  });
});

/** A raw POST with no body and no Content-Type (fetch always sends one with a body, so use node:http). */
function bareRequest(s: LiveApp, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.base}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`HTTP edges [${kind}]`, async () => {
    if (kind === 'postgres' && !(await postgresOrSkip())) return;
    let s: LiveApp;
    before(async () => {
      s = await liveApp(kind);
    });
    after(() => s.stop());

    it('a POST without a body is {} whatever its headers', async () => {
      const auth = { authorization: `Bearer ${s.boot.bearer_token}` };
      for (const headers of [
        auth,
        { ...auth, 'content-length': '0' },
        { ...auth, 'content-type': 'application/json' },
        { ...auth, 'content-type': 'text/plain', 'content-length': '0' },
      ]) {
        const res = await bareRequest(s, 'POST', ACTION, headers);
        assert.equal(res.status, 200, `${JSON.stringify(headers)}: ${res.body}`);
        assert.equal(JSON.parse(res.body)[0].id, s.boot.owner.id);
      }
      // A body-less create still validates its (empty) input.
      const res = await bareRequest(s, 'POST', '/v3.5/configuration/action/create_agent', auth);
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body).error.type, 'validation');
      assert.doesNotMatch(JSON.parse(res.body).error.message, /body should be object/);
    });

    it('another method on an action route answers 405 with Allow: POST in the error format', async () => {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const res = await fetch(`${s.base}${ACTION}`, { method, headers: { authorization: `Bearer ${s.boot.bearer_token}` } });
        assert.equal(res.status, 405, method);
        assert.equal(res.headers.get('allow'), 'POST');
        const body = await res.json();
        assert.equal(body.error.type, 'validation');
        assert.deepEqual(body.error.data, { allow: ['POST'] });
      }
      const head = await fetch(`${s.base}${ACTION}`, { method: 'HEAD' });
      assert.equal(head.status, 405);
      assert.equal(head.headers.get('allow'), 'POST');
      // Unknown actions too (the route exists for every action name); unknown paths stay 404.
      assert.equal((await fetch(`${s.base}/v3.5/configuration/action/nope`)).status, 405);
      assert.equal((await fetch(`${s.base}/v3.5/configuration/nope`)).status, 404);
    });

    it('OPTIONS that is not a CORS preflight answers 405 in the error format on every endpoint, with the CORS headers', async () => {
      const names = s.app.registry.endpoints().map((e) => e.name);
      assert.ok(names.includes('delete_bot_template') && names.includes('batch_create_agents'));
      // without preflight headers; with Origin only; with Access-Control-Request-Method only
      const variants: Array<Record<string, string>> = [{}, { origin: 'https://app.example.com' }, { 'access-control-request-method': 'POST' }];
      for (const name of [...names, 'list_auto_access', 'nope']) {
        for (const headers of variants) {
          const res = await fetch(`${s.base}/v3.5/configuration/action/${name}`, { method: 'OPTIONS', headers });
          const what = `${name} ${JSON.stringify(headers)}`;
          assert.equal(res.status, 405, what);
          assert.equal(res.headers.get('allow'), 'POST', what);
          assert.match(String(res.headers.get('content-type')), /^application\/json/, what);
          assert.equal(res.headers.get('access-control-allow-origin'), '*', what);
          assert.deepEqual(await res.json(), {
            error: { type: 'validation', message: 'Method OPTIONS not allowed; actions are called with POST', data: { allow: ['POST'] } },
          }, what);
        }
      }
      // a real preflight is still answered
      const pre = await preflight(s, 'https://app.example.com', '/v3.5/configuration/action/delete_bot_template');
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-max-age'), '600');
      assert.equal(pre.headers.get('access-control-allow-methods'), 'GET, POST');
      // elsewhere an OPTIONS that is not a preflight finds no route, in the error format
      for (const path of ['/healthz', '/', '/nope']) {
        const res = await fetch(`${s.base}${path}`, { method: 'OPTIONS' });
        assert.equal(res.status, 404, path);
        assert.equal((await res.json()).error.type, 'not_found', path);
      }
    });

    it('GET / answers a JSON index with the name, version and links', async () => {
      const res = await fetch(`${s.base}/`);
      assert.equal(res.status, 200);
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
      const body = await res.json();
      assert.equal(body.name, pkg.name);
      assert.equal(body.version, pkg.version);
      assert.deepEqual(body.links, { docs: '/docs', openapi: '/openapi.json', health: '/healthz', readiness: '/readyz', metrics: '/metrics' });
      for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await fetch(`${s.base}${path}`)).status, 200, path);
    });
  });
}
