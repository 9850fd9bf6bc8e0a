/**
 * The console's HTTP side through the real server on both stores: present exactly when ADMIN_TOKEN is set, session
 * sign-in and its cookie, CSRF and cross-origin refusals, and tabs that answer what the API answers.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { CONSOLE_COOKIE, CONSOLE_HEADER } from '../../src/http/console/index.js';
import { describeStores, Harness } from '../support/harness.js';
import { type StoreKind } from '../support/stores.js';

const TOKEN = 'console-test-admin-token-0123456789';

/** A harness with the control plane, and so the console, on. */
const consoleHarness = (kind: StoreKind, env: Record<string, string> = {}) =>
  new Harness(kind).start({ env: { ADMIN_TOKEN: TOKEN, ...env } });

async function signIn(app: FastifyInstance, token = TOKEN, headers: Record<string, string> = { [CONSOLE_HEADER]: '1' }) {
  return app.inject({ method: 'POST', url: '/console/api/session', headers: { 'content-type': 'application/json', ...headers }, payload: { token } });
}
const sessionCookie = (setCookie: string | string[] | undefined) => String(setCookie).split(';')[0]!;

describeStores('console without ADMIN_TOKEN', (h) => {
  it('does not exist', async () => {
    for (const url of ['/console', '/console/', '/console/assets/app.js', '/console/api/licenses']) {
      const res = await h().app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.type, 'not_found');
    }
    assert.equal((await signIn(h().app)).statusCode, 404);
  });
}, {}, ['sqlite']);

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`console HTTP [${kind}]`, async () => {
    if (kind === 'postgres' && !(await (await import('../support/stores.js')).postgresOrSkip())) return;
    const h = new Harness(kind);
    before(() => h.start({ env: { ADMIN_TOKEN: TOKEN } }));
    after(() => h.stop());
    let cookie = '';
    const get = (url: string, c = cookie) => h.app.inject({ method: 'GET', url, headers: c ? { cookie: c } : {} });
    /** The server's address on a loopback port (listening from the first call on), for streams read as a browser does. */
    const listening = async () => {
      if (!h.app.server.listening) await h.app.listen({ port: 0, host: '127.0.0.1' });
      return `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    };

    it('serves the page and its assets with a strict content security policy', async () => {
      const page = await get('/console', '');
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /^text\/html/);
      assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
      assert.match(page.body, /\/console\/assets\/app\.js/);
      const js = await get('/console/assets/app.js', '');
      assert.equal(js.statusCode, 200);
      assert.match(js.headers['content-type'] as string, /^text\/javascript/);
      const again = await h.app.inject({ method: 'GET', url: '/console/assets/app.js', headers: { 'if-none-match': js.headers.etag as string } });
      assert.equal(again.statusCode, 304);
      const missing = await get('/console/assets/../package.json', '');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.type, 'not_found');
    });

    it('refuses the API before sign-in, a wrong token, and sign-in without the console header', async () => {
      const res = await get('/console/api/licenses', '');
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.type, 'authentication');
      const wrong = await signIn(h.app, 'nope');
      assert.equal(wrong.statusCode, 401);
      assert.equal(wrong.json().error.type, 'authentication');
      assert.equal(wrong.headers['set-cookie'], undefined);
      const noHeader = await signIn(h.app, TOKEN, {});
      assert.equal(noHeader.statusCode, 403);
      assert.equal(noHeader.json().error.type, 'authorization');
      const crossSite = await signIn(h.app, TOKEN, { [CONSOLE_HEADER]: '1', origin: 'http://evil.example' });
      assert.equal(crossSite.statusCode, 403);
      const empty = await signIn(h.app, '');
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().error.type, 'validation');
      // An API token is not an admin token.
      assert.equal((await signIn(h.app, h.boot.bearer_token)).statusCode, 401);
    });

    it('exchanges the admin token for an HttpOnly, SameSite=Strict session cookie', async () => {
      const res = await signIn(h.app);
      assert.equal(res.statusCode, 200);
      const set = String(res.headers['set-cookie']);
      assert.match(set, new RegExp(`^${CONSOLE_COOKIE}=[A-Za-z0-9_-]{40,};`));
      assert.match(set, /; HttpOnly/);
      assert.match(set, /; SameSite=Strict/);
      assert.match(set, /; Path=\/console/);
      assert.ok(!set.includes(TOKEN));
      cookie = sessionCookie(res.headers['set-cookie']);
      assert.equal((await get('/console/api/session')).statusCode, 200);
    });

    it('lists licences with organization, region, plan and expiry', async () => {
      const other = await h.bootstrap({ plan: 'starter', expiresAt: '2030-01-01T00:00:00.000Z', organizationName: 'Other org' });
      const { licenses } = (await get('/console/api/licenses')).json();
      const mine = licenses.find((l: any) => l.id === other.license_id);
      assert.deepEqual(
        { org: mine.organization_name, region: mine.region, plan: mine.plan, expires: mine.expires_at },
        { org: 'Other org', region: 'dal', plan: 'starter', expires: '2030-01-01T00:00:00.000Z' },
      );
      assert.ok(licenses.some((l: any) => l.id === h.boot.license_id));
    });

    it('answers each tab with what the API answers the owner', async () => {
      await h.ok('create_agent', { id: 'ann@example.com', name: 'Ann', groups: [{ id: 0, priority: 'last' }] });
      const groupId = (await h.ok('create_group', { name: 'Sales', agent_priorities: { 'ann@example.com': 'normal' } })).id;
      await h.ok('create_tag', { name: 'vip', group_ids: [groupId] });
      await h.ok('add_auto_access', { access: { groups: [groupId] }, conditions: { domain: { values: [{ value: 'example.com', exact_match: true }] } } });
      await h.ok('add_auto_access', { access: { groups: [0] }, conditions: { domain: { values: [{ value: 'example.org', exact_match: true }] } } });
      await h.ok('create_bot', { name: 'Helper', owner_client_id: h.boot.client_id });
      const base = `/console/api/licenses/${h.boot.license_id}/tabs`;
      const agents = (await get(`${base}/agents`)).json().agents;
      assert.deepEqual(agents, await h.ok('list_agents', { fields: ['groups', 'suspended', 'awaiting_approval', 'job_title', 'max_chats_count'] }));
      assert.ok(agents.some((a: any) => a.id === 'ann@example.com' && a.groups.some((g: any) => g.id === 0 && g.priority === 'last')));
      assert.deepEqual((await get(`${base}/groups`)).json().groups, await h.ok('list_groups', { fields: ['agent_priorities', 'routing_status'] }));
      assert.deepEqual((await get(`${base}/tags`)).json().tags, await h.ok('list_tags', {}));
      const rules = (await get(`${base}/auto_access`)).json().rules;
      assert.deepEqual(rules, await h.ok('list_auto_accesses', {}));
      assert.equal(rules.length, 2);
      const bots = (await get(`${base}/bots`)).json();
      assert.deepEqual(bots.bots, await h.ok('list_bots', { all: true, fields: ['groups', 'max_chats_count', 'job_title'] }));
      assert.deepEqual(bots.templates.map((t: any) => t.client_id), [h.boot.client_id]);
      const props = (await get(`${base}/properties`)).json();
      assert.deepEqual(props.license, await h.ok('list_license_properties', {}));
      const groupIds = (await h.ok('list_groups', {})).map((g: { id: number }) => g.id);
      assert.deepEqual(props.groups, await h.ok('list_groups_properties', { group_ids: groupIds }));
      assert.deepEqual(props.groups.map((g: { id: number }) => g.id), groupIds);
      const hooks = (await get(`${base}/webhooks`)).json();
      assert.deepEqual(hooks.applications[0].state, await h.ok('get_license_webhooks_state', { owner_client_id: h.boot.client_id }));
      const unknown = await get(`${base}/nothing`);
      assert.equal(unknown.statusCode, 404);
      const noLicence = await get('/console/api/licenses/999999999/tabs/agents');
      assert.equal(noLicence.statusCode, 404);
      assert.equal(noLicence.json().error.type, 'not_found');
      const bad = await get('/console/api/licenses/abc/tabs/agents');
      assert.equal(bad.json().error.type, 'validation');
    });

    it('switches licence webhooks per application only with the console header, through the API action', async () => {
      const url = `/console/api/licenses/${h.boot.license_id}/webhooks-state`;
      const payload = { client_id: h.boot.client_id, enabled: false };
      const noHeader = await h.app.inject({ method: 'PUT', url, headers: { cookie }, payload });
      assert.equal(noHeader.statusCode, 403);
      assert.equal((await h.ok('get_license_webhooks_state', { owner_client_id: h.boot.client_id })).license_webhooks_enabled, true);
      const off = await h.app.inject({ method: 'PUT', url, headers: { cookie, [CONSOLE_HEADER]: '1' }, payload });
      assert.equal(off.statusCode, 200);
      assert.equal(off.json().license_webhooks_enabled, false);
      assert.equal((await h.ok('get_license_webhooks_state', { owner_client_id: h.boot.client_id })).license_webhooks_enabled, false);
      const foreign = await h.app.inject({ method: 'PUT', url, headers: { cookie, [CONSOLE_HEADER]: '1' }, payload: { client_id: 'not-an-app', enabled: true } });
      // Refused as the API refuses the owner (same action, same rules).
      const api = await h.call('enable_license_webhooks', { owner_client_id: 'not-an-app' }, { authorization: await h.patFor(h.boot.owner.id) });
      assert.ok(api.status >= 400);
      assert.deepEqual({ status: foreign.statusCode, type: foreign.json().error.type }, { status: api.status, type: api.body.error.type });
      const bad = await h.app.inject({ method: 'PUT', url, headers: { cookie, [CONSOLE_HEADER]: '1' }, payload: { client_id: h.boot.client_id } });
      assert.equal(bad.json().error.type, 'validation');
    });

    it('validates delivery filters', async () => {
      const res = await get(`/console/api/licenses/${h.boot.license_id}/deliveries?status=bogus`);
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().error.type, 'validation');
      const ok = await get(`/console/api/licenses/${h.boot.license_id}/deliveries?status=failed&limit=5`);
      assert.deepEqual(ok.json(), { deliveries: [] });
      const missing = await get('/console/api/deliveries/nope');
      assert.equal(missing.statusCode, 404);
    });

    it('lists calls filtered by licence, action, status (class) and error type, without bodies; opens one by request id', async () => {
      await h.ok('list_agents', {});
      const missing = await h.call('get_agent', { id: 'nobody@example.com' });
      assert.equal(missing.body.error.type, 'not_found');
      assert.equal((await h.call('create_agent', {})).body.error.type, 'validation');
      const calls = async (query: string) => {
        const res = await get(`/console/api/calls?license_id=${h.boot.license_id}&${query}`);
        assert.equal(res.statusCode, 200, res.body);
        return res.json().calls as any[];
      };
      const refused = await calls('status=4xx&limit=2');
      assert.deepEqual(refused.map((c) => [c.action, c.status, c.error_type]), [['create_agent', 400, 'validation'], ['get_agent', 404, 'not_found']]);
      assert.deepEqual((await calls('status=404')).map((c) => c.action).slice(0, 1), ['get_agent']);
      assert.deepEqual((await calls('error_type=not_found&action=get_agent&limit=1')).map((c) => c.status), [404]);
      assert.ok((await calls('status=2xx')).every((c) => c.status < 300));
      assert.ok(refused.every((c) => !('request_body' in c) && !('response_body' in c)));
      const one = await get(`/console/api/calls/${encodeURIComponent(refused[1].request_id)}`);
      assert.deepEqual([one.statusCode, one.json().action, one.json().license_id], [200, 'get_agent', h.boot.license_id]);
      assert.equal((await get('/console/api/calls/no-such-request')).json().error.type, 'not_found');
      const bad = await get('/console/api/calls?status=4x');
      assert.deepEqual([bad.statusCode, bad.json().error.type], [400, 'validation']);
      assert.match(bad.json().error.message, /^`status` /);
    });

    it("streams the open licence's changes: an event after an API write to it, none after one to another licence", async () => {
      const own = sessionCookie((await signIn(h.app)).headers['set-cookie']);
      const L = h.boot.license_id;
      const url = `/console/api/licenses/${L}/live`;
      // No session, an unknown licence, a malformed id: refused in the error format before any stream opens.
      const anonymous = await h.app.inject({ method: 'GET', url });
      assert.deepEqual([anonymous.statusCode, anonymous.json().error.type], [401, 'authentication']);
      const unknown = await h.app.inject({ method: 'GET', url: '/console/api/licenses/999999999/live', headers: { cookie: own } });
      assert.deepEqual([unknown.statusCode, unknown.json().error.type], [404, 'not_found']);
      const malformed = await h.app.inject({ method: 'GET', url: '/console/api/licenses/abc/live', headers: { cookie: own } });
      assert.deepEqual([malformed.statusCode, malformed.json().error.type], [400, 'validation']);

      const base = await listening();
      const ac = new AbortController();
      const res = await fetch(`${base}${url}`, { headers: { cookie: own }, signal: ac.signal });
      assert.equal(res.status, 200);
      assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      let pending: ReturnType<typeof reader.read> | null = null; // a read outlasting one wait is kept for the next
      /** Read until `until` arrives, or for `ms` at most; the events of the text so far. */
      const read = async (until: string | null, ms: number) => {
        const deadline = Date.now() + ms;
        while (until === null || !text.includes(until)) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          let timer: NodeJS.Timeout | undefined;
          pending ??= reader.read();
          const chunk = await Promise.race([pending, new Promise<null>((r) => (timer = setTimeout(() => r(null), left)))]);
          clearTimeout(timer);
          if (chunk === null) break;
          pending = null;
          if (chunk.done) break;
          text += Buffer.from(chunk.value).toString('utf8');
        }
        return text.split('\n\n').filter((e) => e.startsWith('event: ')).map((e) => ({ event: e.split('\n')[0]!.slice(7), data: JSON.parse(e.split('data: ')[1]!) }));
      };
      assert.deepEqual(await read('event: ready', 5000), [{ event: 'ready', data: { license_id: L } }]);

      const other = await h.bootstrap();
      await h.ok('create_tag', { name: 'elsewhere', group_ids: [0] }, { token: other.bearer_token });
      assert.deepEqual((await read(null, 400)).map((e) => e.event), ['ready'], 'a write to another licence sends nothing');

      const t0 = Date.now();
      await h.ok('create_tag', { name: 'here', group_ids: [0] });
      const events = await read('event: changed', 1000);
      assert.deepEqual(events, [{ event: 'ready', data: { license_id: L } }, { event: 'changed', data: { license_id: L, missed: false } }]);
      assert.ok(Date.now() - t0 < 1000, `the change arrived after ${Date.now() - t0} ms`);
      // A batch is one transaction: one change, one event (after the feed's window from the write before has closed).
      await sleep(200);
      await h.ok('batch_create_agents', { requests: ['b1', 'b2', 'b3', 'b4', 'b5'].map((n) => ({ id: `${n}@example.com`, name: n })) });
      const batch = (await read(null, 500)).slice(2);
      assert.deepEqual(batch, [{ event: 'changed', data: { license_id: L, missed: false } }]);
      // The stream ends with its session (here: the client leaves, and the feed forgets the subscription).
      ac.abort();
      await reader.cancel().catch(() => {});
    });

    it('streams calls as they are recorded and deliveries as they change, and says signed_out once the session ends', async () => {
      const own = sessionCookie((await signIn(h.app)).headers['set-cookie']);
      const base = await listening();
      const open = async (path: string) => {
        const res = await fetch(`${base}${path}`, { headers: { cookie: own } });
        assert.equal(res.status, 200);
        assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
        assert.equal(res.headers.get('connection'), 'close');
        assert.ok(res.headers.get('x-request-id'));
        const reader = res.body!.getReader();
        let text = '';
        return async (until: string) => {
          while (!text.includes(until)) {
            const { value, done } = await reader.read();
            if (done) return { text, done: true };
            text += Buffer.from(value).toString('utf8');
          }
          return { text, done: false };
        };
      };
      const calls = await open('/console/api/calls/live');
      const deliveries = await open(`/console/api/licenses/${h.boot.license_id}/deliveries/live`);
      assert.match((await calls(': connected')).text, /^retry: 2000\n/);
      await h.ok('list_tags', {});
      const event = (await calls('"list_tags"')).text.split('\n\n').find((e) => e.includes('"list_tags"'))!;
      assert.match(event, /^event: call\ndata: /);
      assert.equal(JSON.parse(event.split('data: ')[1]!).license_id, h.boot.license_id);
      // Sign out: both streams say so and end.
      const out = await h.app.inject({ method: 'DELETE', url: '/console/api/session', headers: { cookie: own, [CONSOLE_HEADER]: '1' } });
      assert.equal(out.statusCode, 200);
      for (const read of [calls, deliveries]) {
        const { text } = await read('event: signed_out');
        assert.match(text, /event: signed_out\ndata: \{\}\n\n$/);
        assert.equal((await read('never')).done, true);
      }
    });

    it('signs out: the cookie is cleared and the session is gone', async () => {
      const res = await h.app.inject({ method: 'DELETE', url: '/console/api/session', headers: { cookie, [CONSOLE_HEADER]: '1' } });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['set-cookie']), /Max-Age=0/);
      assert.equal((await get('/console/api/licenses')).statusCode, 401);
    });
  });
}

describe('console sign-in attempts', () => {
  it('wrong admin tokens count against AUTH_FAILURE_LIMIT per address', async () => {
    const h = await consoleHarness('sqlite', { AUTH_FAILURE_LIMIT: '2' });
    try {
      assert.equal((await signIn(h.app, 'wrong-1')).statusCode, 401);
      assert.equal((await signIn(h.app, 'wrong-2')).statusCode, 401);
      const limited = await signIn(h.app); // even the right token, from this address, until the window has passed
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().error.type, 'too_many_requests');
      assert.ok(Number(limited.headers['retry-after']) > 0);
    } finally {
      await h.stop();
    }
  });
});

describe('console session expiry', () => {
  it('a session expires after its lifetime', async () => {
    const h = await consoleHarness('sqlite', { CONSOLE_SESSION_TTL_MS: '50' });
    try {
      const cookie = sessionCookie((await signIn(h.app)).headers['set-cookie']);
      assert.equal((await h.app.inject({ method: 'GET', url: '/console/api/session', headers: { cookie } })).statusCode, 200);
      await new Promise((r) => setTimeout(r, 80));
      const res = await h.app.inject({ method: 'GET', url: '/console/api/session', headers: { cookie } });
      assert.equal(res.statusCode, 401);
    } finally {
      await h.stop();
    }
  });
});
