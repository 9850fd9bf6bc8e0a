/**
 * The control plane (/admin/) through the real server on both stores: authentication (and refusals), credentials,
 * licences, reset / snapshot / restore, deliveries, the request journal and fault injection.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, type Harness } from '../support/harness.js';
import { Receiver, fastRetries, waitFor } from '../support/webhooks.js';
import { LICENSE_TABLES, ORGANIZATION_TABLES, HISTORY_TABLES, KEPT_TABLES, CREDENTIAL_TABLES } from '../../src/provisioning/snapshots.js';


const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

async function adminCall(h: Harness, method: string, url: string, body?: unknown, token: string | null = ADMIN_TOKEN) {
  const res = await h.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
}

/** 200 and the body, or a failure showing the answer. */
async function adminOk(h: Harness, method: string, url: string, body?: unknown): Promise<any> {
  const res = await adminCall(h, method, url, body);
  assert.equal(res.status, 200, `${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

describeStores(
  'control plane',
  (h) => {
    it('refuses calls without the admin token, with a wrong one, or with an API token; the admin token never opens the API', async () => {
      for (const token of [null, 'wrong-token-wrong-token-wrong', h().boot.bearer_token, `${ADMIN_TOKEN}x`]) {
        const res = await adminCall(h(), 'GET', '/admin/licenses', undefined, token);
        expectError(res, 'authentication', 401);
      }
      const basic = await h().app.inject({ method: 'GET', url: '/admin/licenses', headers: { authorization: `Basic ${h().boot.basic_auth}` } });
      assert.equal(basic.statusCode, 401);
      assert.equal(JSON.parse(basic.body).error.type, 'authentication');
      expectError(await h().call('list_agents', {}, { token: ADMIN_TOKEN }), 'authentication', 401);
      // Refused before any route work: a bad body is not even looked at.
      expectError(await adminCall(h(), 'POST', '/admin/bootstrap', '{bad', null), 'authentication', 401);
    });

    it('bootstraps like `config-api bootstrap --json`; the credentials work on the API', async () => {
      const b = await adminOk(h(), 'POST', '/admin/bootstrap', { owner_email: 'boss@example.com', plan: 'team' });
      assert.deepEqual(Object.keys(b).sort(), ['basic_auth', 'bearer_token', 'client_id', 'license_id', 'organization_id', 'owner', 'pat', 'region']);
      assert.equal(b.owner.id, 'boss@example.com');
      assert.equal(b.region, 'dal');
      const agents = await h().ok('list_agents', {}, { token: b.bearer_token });
      assert.deepEqual(agents.map((a: any) => a.id), ['boss@example.com']);
      await h().ok('list_agents', {}, { authorization: `Basic ${b.basic_auth}` });
      const lic = await adminOk(h(), 'GET', `/admin/licenses/${b.license_id}`);
      assert.equal(lic.plan, 'team');
      assert.equal(lic.organization_id, b.organization_id);
    });

    it('answers bad input in the documented error format', async () => {
      const cases: Array<[string, string, unknown, string, number]> = [
        ['POST', '/admin/bootstrap', '{not json', 'validation', 400],
        ['POST', '/admin/bootstrap', { plan: 'gold' }, 'validation', 400],
        ['POST', '/admin/bootstrap', { expires_at: 'tomorrow' }, 'validation', 400],
        ['POST', '/admin/applications', {}, 'validation', 400],
        ['POST', '/admin/applications', { organization_id: 'no-such-org' }, 'not_found', 404],
        ['POST', '/admin/tokens', { license_id: h().boot.license_id, agent_id: h().boot.owner.id, scopes: ['agents--all:rw', 'nope'] }, 'validation', 400],
        ['POST', '/admin/tokens', { license_id: h().boot.license_id, agent_id: h().boot.owner.id, scopes: [] }, 'validation', 400],
        ['POST', '/admin/tokens', { license_id: h().boot.license_id, agent_id: 'ghost@example.com', scopes: 'all' }, 'not_found', 404],
        ['POST', '/admin/tokens', { license_id: 1, agent_id: 'x', scopes: 'all' }, 'not_found', 404],
        ['POST', '/admin/tokens', { license_id: h().boot.license_id, agent_id: h().boot.owner.id, scopes: 'all', ttl_s: 0 }, 'validation', 400],
        ['POST', '/admin/pats', { license_id: 'abc', agent_id: 'x', scopes: 'all' }, 'validation', 400],
        ['GET', '/admin/licenses/abc', undefined, 'validation', 400],
        ['GET', '/admin/licenses/999', undefined, 'not_found', 404],
        ['PATCH', `/admin/licenses/${h().boot.license_id}`, { plan: 'gold' }, 'validation', 400],
        ['POST', '/admin/licenses/999/reset', undefined, 'not_found', 404],
        ['POST', `/admin/licenses/${h().boot.license_id}/snapshots/nope/restore`, undefined, 'not_found', 404],
        ['GET', '/admin/deliveries?status=lost', undefined, 'validation', 400],
        ['GET', '/admin/deliveries?limit=0', undefined, 'validation', 400],
        ['POST', '/admin/deliveries/nope/resend', undefined, 'not_found', 404],
        ['GET', '/admin/requests?limit=x', undefined, 'validation', 400],
        ['PUT', '/admin/faults', { faults: [{ action: 'list_agents', error: 'teapot' }] }, 'validation', 400],
        ['PUT', '/admin/faults', { faults: [{ action: 'list_agents' }] }, 'validation', 400],
        ['PUT', '/admin/faults', { faults: [{ action: 'list_agents', error: 'internal', share: 2 }] }, 'validation', 400],
        ['GET', '/admin/nothing-here', undefined, 'not_found', 404],
      ];
      for (const [method, url, body, type, status] of cases) {
        const res = await adminCall(h(), method, url, body);
        assert.equal(res.status, status, `${method} ${url} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.type, type, `${method} ${url}`);
        assert.equal(typeof res.body.error.message, 'string');
        assert.deepEqual(Object.keys(res.body), ['error']);
      }
    });

    it('creates applications (installed when a licence is given), tokens and PATs', async () => {
      const { boot } = h();
      const app = await adminOk(h(), 'POST', '/admin/applications', { organization_id: boot.organization_id, license_id: boot.license_id });
      assert.match(app.client_id, /^[0-9a-f]{32}$/);
      assert.equal(app.installed, true);
      const lone = await adminOk(h(), 'POST', '/admin/applications', { organization_id: boot.organization_id });
      assert.equal(lone.installed, false);

      await h().ok('create_agent', { id: 'worker@example.com', name: 'Worker' });
      const all = await adminOk(h(), 'POST', '/admin/tokens', { license_id: boot.license_id, agent_id: 'worker@example.com', client_id: app.client_id, scopes: 'all', ttl_s: 3600 });
      assert.match(all.bearer_token, /^dal:/);
      const me = await h().ok('get_agent', { id: 'worker@example.com' }, { token: all.bearer_token });
      assert.equal(me.id, 'worker@example.com');
      const narrow = await adminOk(h(), 'POST', '/admin/tokens', { license_id: boot.license_id, agent_id: boot.owner.id, scopes: ['agents--my:ro'] });
      expectError(await h().call('create_group', { name: 'No' }, { token: narrow.bearer_token }), 'authorization', 403);

      const pat = await adminOk(h(), 'POST', '/admin/pats', { license_id: boot.license_id, agent_id: 'worker@example.com', scopes: 'all' });
      assert.equal(pat.basic_auth, Buffer.from(`${pat.account_id}:${pat.pat}`).toString('base64'));
      await h().ok('list_groups', {}, { authorization: `Basic ${pat.basic_auth}` });
    });

    it('lists licences and changes plan and expiry (the API follows at once)', async () => {
      const b = await adminOk(h(), 'POST', '/admin/bootstrap', {});
      const { licenses } = await adminOk(h(), 'GET', `/admin/licenses?organization_id=${b.organization_id}`);
      assert.equal(licenses.length, 1);
      assert.deepEqual(Object.keys(licenses[0]).sort(), ['created_at', 'expires_at', 'id', 'organization_id', 'organization_name', 'plan', 'region']);
      const everyone = await adminOk(h(), 'GET', '/admin/licenses?limit=1000');
      assert.ok(everyone.licenses.some((l: any) => l.id === h().boot.license_id));

      await h().ok('list_agents', {}, { token: b.bearer_token });
      const expired = await adminOk(h(), 'PATCH', `/admin/licenses/${b.license_id}`, { expires_at: '2001-01-01T00:00:00Z' });
      assert.equal(expired.expires_at, '2001-01-01T00:00:00.000Z');
      expectError(await h().call('list_agents', {}, { token: b.bearer_token }), 'license_expired', 402);
      const renewed = await adminOk(h(), 'PATCH', `/admin/licenses/${b.license_id}`, { expires_at: null, plan: 'starter' });
      assert.equal(renewed.expires_at, null);
      assert.equal(renewed.plan, 'starter');
      await h().ok('list_agents', {}, { token: b.bearer_token });
    });

    it('covers every table of the schema in reset/snapshot (or keeps it on purpose)', async () => {
      const covered = new Set<string>([...LICENSE_TABLES, ...ORGANIZATION_TABLES, ...HISTORY_TABLES, ...KEPT_TABLES, ...CREDENTIAL_TABLES]);
      const tables = (await h().store.db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
      assert.deepEqual(tables.filter((t) => !covered.has(t)), []);
    });

    it('resets a licence to its bootstrapped state, keeping applications and credentials', async () => {
      const b = await adminOk(h(), 'POST', '/admin/bootstrap', {});
      const api = (action: string, body: unknown) => h().ok(action, body, { token: b.bearer_token });
      const baseline = { agents: await api('list_agents', {}), groups: await api('list_groups', {}) };
      const extraApp = await adminOk(h(), 'POST', '/admin/applications', { organization_id: b.organization_id, license_id: b.license_id });

      await api('create_agent', { id: 'a1@example.com', name: 'A1' });
      await api('update_agent', { id: b.owner.id, name: 'Renamed', job_title: 'Boss' });
      const g = await api('create_group', { name: 'Sales', agent_priorities: { 'a1@example.com': 'normal' } });
      await api('create_tag', { name: 'vip', group_ids: [g.id] });
      await api('add_auto_access', { access: { groups: [0] }, conditions: { domain: { values: [{ value: 'example.com', exact_match: false }] } }, description: 'rule' });
      await api('register_webhook', { action: 'agent_created', url: 'http://127.0.0.1:9/hook', secret_key: 'k', type: 'license', owner_client_id: b.client_id });
      await api('create_agent', { id: 'a2@example.com', name: 'A2' }); // queues a delivery
      const a1Token = await adminOk(h(), 'POST', '/admin/tokens', { license_id: b.license_id, agent_id: 'a1@example.com', scopes: 'all' });
      assert.ok((await adminOk(h(), 'GET', `/admin/deliveries?license_id=${b.license_id}`)).deliveries.length >= 1);

      const reset = await adminOk(h(), 'POST', `/admin/licenses/${b.license_id}/reset`);
      assert.deepEqual(reset.owner, b.owner);
      assert.equal(reset.organization_scope, true);
      assert.equal(typeof reset.duration_ms, 'number');

      const agents = await api('list_agents', {});
      assert.deepEqual(agents, baseline.agents.map((a: any) => ({ ...a })));
      assert.deepEqual(await api('list_groups', {}), baseline.groups);
      assert.deepEqual(await api('list_tags', {}), []);
      assert.deepEqual(await api('list_auto_accesses', {}), []);
      assert.deepEqual(await api('list_webhooks', { owner_client_id: b.client_id }), []);
      assert.deepEqual((await adminOk(h(), 'GET', `/admin/deliveries?license_id=${b.license_id}`)).deliveries, []);
      // Credentials and applications are kept; the removed agent's token no longer opens anything.
      await h().ok('list_agents', {}, { authorization: `Basic ${b.basic_auth}` });
      expectError(await h().call('list_agents', {}, { token: a1Token.bearer_token }), 'authentication', 401);
      const apps = await h().store.db.selectFrom('installations').select('client_id').where('license_id', '=', b.license_id).execute();
      assert.deepEqual(apps.map((a) => a.client_id).sort(), [b.client_id, extraApp.client_id].sort());
      // Group ids start over, as on a fresh licence.
      const again = await api('create_group', { name: 'Sales', agent_priorities: { [b.owner.id]: 'normal' } });
      assert.equal(again.id, g.id);
      // A new agent with a removed agent's id can be created again.
      await api('create_agent', { id: 'a1@example.com', name: 'A1 again' });
    });

    it('is fast enough to run before every test (figures printed)', async () => {
      const b = await adminOk(h(), 'POST', '/admin/bootstrap', {});
      const api = (action: string, body: unknown) => h().ok(action, body, { token: b.bearer_token });
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        await api('create_agent', { id: `p${i}@example.com`, name: 'P' });
        await api('create_group', { name: `G${i}`, agent_priorities: { [`p${i}@example.com`]: 'normal' } });
        const t0 = performance.now();
        await adminOk(h(), 'POST', `/admin/licenses/${b.license_id}/reset`);
        times.push(performance.now() - t0);
      }
      times.sort((x, y) => x - y);
      console.log(`# reset [${h().kind}] median ${times[5].toFixed(2)} ms, max ${times[9].toFixed(2)} ms (HTTP round trip included)`);
      assert.equal((await api('list_agents', {})).length, 1);
    });

    it('saves a snapshot and restores it (fixtures saved once, restored per test)', async () => {
      const b = await adminOk(h(), 'POST', '/admin/bootstrap', {});
      const api = (action: string, body: unknown) => h().ok(action, body, { token: b.bearer_token });
      await api('create_agent', { id: 'fixture@example.com', name: 'Fixture', job_title: 'F' });
      const g = await api('create_group', { name: 'Fixture group', agent_priorities: { 'fixture@example.com': 'normal' } });
      await api('create_tag', { name: 'fixture-tag', group_ids: [g.id] });
      const fixtureToken = await adminOk(h(), 'POST', '/admin/tokens', { license_id: b.license_id, agent_id: 'fixture@example.com', scopes: 'all' });
      const state = async () => ({
        agents: await api('list_agents', { fields: ['job_title', 'groups'] }),
        groups: await api('list_groups', {}),
        tags: await api('list_tags', {}),
      });
      const saved = await state();
      const snap = await adminOk(h(), 'POST', `/admin/licenses/${b.license_id}/snapshots`, { name: 'fixtures' });
      assert.match(snap.snapshot_id, /^[0-9a-f-]{36}$/);
      assert.ok(snap.rows >= 6);
      const listed = await adminOk(h(), 'GET', `/admin/licenses/${b.license_id}/snapshots`);
      assert.deepEqual(listed.snapshots.map((s: any) => s.snapshot_id), [snap.snapshot_id]);

      for (let round = 0; round < 2; round++) {
        await api('delete_agent', { id: 'fixture@example.com' });
        await api('create_agent', { id: 'extra@example.com', name: 'Extra' });
        await api('update_group', { id: g.id, name: 'Changed' });
        await api('create_group', { name: 'Later', agent_priorities: { 'extra@example.com': 'normal' } });
        assert.notDeepEqual(await state(), saved);
        await adminOk(h(), 'POST', `/admin/licenses/${b.license_id}/snapshots/${snap.snapshot_id}/restore`);
        assert.deepEqual(await state(), saved);
        // The fixture agent's token works again (same account), and group ids continue as they did.
        await h().ok('get_agent', { id: 'fixture@example.com' }, { token: fixtureToken.bearer_token });
        const later = await api('create_group', { name: 'After restore', agent_priorities: { [b.owner.id]: 'normal' } });
        assert.equal(later.id, g.id + 1);
        await adminOk(h(), 'POST', `/admin/licenses/${b.license_id}/snapshots/${snap.snapshot_id}/restore`);
      }
      // Another licence's snapshot cannot be restored here.
      expectError(await adminCall(h(), 'POST', `/admin/licenses/${h().boot.license_id}/snapshots/${snap.snapshot_id}/restore`), 'not_found', 404);
      assert.deepEqual(await adminOk(h(), 'DELETE', `/admin/licenses/${b.license_id}/snapshots/${snap.snapshot_id}`), {});
      expectError(await adminCall(h(), 'POST', `/admin/licenses/${b.license_id}/snapshots/${snap.snapshot_id}/restore`), 'not_found', 404);
    });

    describeDeliveries(h);

    it('journals API calls (not admin calls) with caller, status and error type, without bodies by default', async () => {
      const b = await adminOk(h(), 'POST', '/admin/bootstrap', {});
      await h().ok('list_agents', {}, { token: b.bearer_token });
      await h().call('get_agent', { id: 'nobody@example.com' }, { token: b.bearer_token });
      await h().call('list_agents', {}, { token: 'dal:not-a-token' });
      const { requests } = await adminOk(h(), 'GET', `/admin/requests?license_id=${b.license_id}`);
      assert.deepEqual(requests.map((r: any) => [r.action, r.status, r.error_type, r.caller_kind]), [
        ['get_agent', 404, 'not_found', 'bearer'],
        ['list_agents', 200, null, 'bearer'],
      ]);
      const [last] = requests;
      assert.equal(last.license_id, b.license_id);
      assert.equal(last.agent_id, b.owner.id);
      assert.match(last.request_id, /.+/);
      assert.ok(Date.parse(last.time) > 0);
      assert.equal(typeof last.duration_ms, 'number');
      assert.ok(!('request_body' in last));
      const unauth = await adminOk(h(), 'GET', '/admin/requests?action=list_agents&limit=1');
      assert.deepEqual([unauth.requests[0].status, unauth.requests[0].error_type, unauth.requests[0].license_id], [401, 'authentication', null]);
      assert.ok(!(await adminOk(h(), 'GET', '/admin/requests?limit=1000')).requests.some((r: any) => r.action === '' || String(r.action).startsWith('admin')));
    });

    it('injects errors and latency for the next N calls of an action, optionally for one licence', async () => {
      const b = await adminOk(h(), 'POST', '/admin/bootstrap', {});
      const other = await adminOk(h(), 'POST', '/admin/bootstrap', {});
      const set = await adminOk(h(), 'PUT', '/admin/faults', {
        faults: [
          { action: 'list_agents', license_id: b.license_id, error: 'too_many_requests', retry_after_s: 3, count: 2 },
          { action: 'list_groups', error: 'internal', count: 1 },
          { action: 'get_agent', latency_ms: 20, count: 1 },
        ],
      });
      assert.equal(set.faults.length, 3);
      assert.equal(set.faults[0].remaining, 2);

      await h().ok('list_agents', {}, { token: other.bearer_token }); // another licence: untouched
      for (let i = 0; i < 2; i++) {
        const res = await h().app.inject({
          method: 'POST', url: '/v3.5/configuration/action/list_agents',
          headers: { authorization: `Bearer ${b.bearer_token}`, 'content-type': 'application/json' }, payload: '{}',
        });
        assert.equal(res.statusCode, 429);
        assert.equal(res.headers['retry-after'], '3');
        assert.equal(JSON.parse(res.body).error.type, 'too_many_requests');
      }
      await h().ok('list_agents', {}, { token: b.bearer_token }); // count used up
      expectError(await h().call('list_groups', {}, { token: b.bearer_token }), 'internal', 500);
      await h().ok('list_groups', {}, { token: b.bearer_token });
      await h().ok('get_agent', { id: b.owner.id }, { token: b.bearer_token });
      assert.deepEqual((await adminOk(h(), 'GET', '/admin/faults')).faults, []);
      // The injected answers are in the journal like any other.
      const { requests } = await adminOk(h(), 'GET', `/admin/requests?license_id=${b.license_id}&action=list_agents&limit=3`);
      assert.deepEqual(requests.map((r: any) => r.status), [200, 429, 429]);

      await adminOk(h(), 'PUT', '/admin/faults', { faults: [{ action: '*', error: 'internal' }] });
      expectError(await h().call('list_tags', {}, { token: b.bearer_token }), 'internal', 500);
      assert.deepEqual(await adminOk(h(), 'DELETE', '/admin/faults'), { faults: [] });
      await h().ok('list_tags', {}, { token: b.bearer_token });
      // A share of 0 never applies.
      await adminOk(h(), 'PUT', '/admin/faults', { faults: [{ action: 'list_tags', error: 'internal', share: 0 }] });
      await h().ok('list_tags', {}, { token: b.bearer_token });
      await adminOk(h(), 'DELETE', '/admin/faults');
    });
  },
  { env: { ADMIN_TOKEN, ...fastRetries() } },
);

function describeDeliveries(h: () => Harness): void {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.stop());

  it('lists deliveries with the exact body sent, and resends any of them', async () => {
    const b = await adminOk(h(), 'POST', '/admin/bootstrap', {});
    const api = (action: string, body: unknown) => h().ok(action, body, { token: b.bearer_token });
    const path = `/admin-hook/${b.license_id}`;
    const hook = await api('register_webhook', { action: 'agent_created', url: rx.url(path), secret_key: 'shh', type: 'license', owner_client_id: b.client_id });
    await api('register_webhook', { action: 'group_created', url: rx.url(`${path}/groups`), secret_key: 'g', type: 'license', owner_client_id: b.client_id });
    await api('create_agent', { id: 'hooked@example.com', name: 'Hooked' });
    await api('create_group', { name: 'Hooked group', agent_priorities: { [b.owner.id]: 'normal' } });
    const [received] = await waitFor('the delivery', () => rx.acked(path).length === 1 && rx.acked(path));
    const listed = await waitFor('the delivery marked delivered', async () => {
      const { deliveries } = await adminOk(h(), 'GET', `/admin/deliveries?license_id=${b.license_id}&webhook_id=${hook.id}&status=delivered`);
      return deliveries.length === 1 && deliveries;
    });
    const d = listed[0];
    assert.deepEqual(d.body, received!.body);
    assert.equal(d.url, rx.url(path));
    assert.equal(d.webhook_id, hook.id);
    assert.equal(d.action, 'agent_created');
    assert.equal(d.attempts, 1);
    assert.equal(d.last_status, 200);
    assert.equal(d.last_error, null);
    assert.ok(d.delivered_at && d.created_at && d.updated_at);
    const byAction = await adminOk(h(), 'GET', `/admin/deliveries?license_id=${b.license_id}&action=group_created`);
    assert.deepEqual(byAction.deliveries.map((x: any) => x.action), ['group_created']);

    const resent = await adminOk(h(), 'POST', `/admin/deliveries/${d.id}/resend`);
    assert.deepEqual(resent, { id: d.id, status: 'pending', previous_status: 'delivered' });
    const both = await waitFor('the resent delivery', () => rx.acked(path).length === 2 && rx.acked(path));
    assert.deepEqual(both[1]!.body, both[0]!.body);
    assert.equal(both[1]!.headers['x-webhook-delivery-id'], d.id);

    // A failed delivery (the receiver refuses) is queued again too.
    rx.behaviour = (p) => (p === path ? 500 : 200);
    await api('create_agent', { id: 'refused@example.com', name: 'Refused' });
    await waitFor('a refused attempt', () => rx.on(path).some((r) => r.body.payload.id === 'refused@example.com'));
    await adminOk(h(), 'PUT', '/admin/faults', { faults: [] });
    const refused = (await adminOk(h(), 'GET', `/admin/deliveries?license_id=${b.license_id}&webhook_id=${hook.id}&limit=1`)).deliveries[0];
    assert.equal(refused.body.payload.id, 'refused@example.com');
    await waitFor('the error recorded', async () => {
      const x = (await adminOk(h(), 'GET', `/admin/deliveries?license_id=${b.license_id}&webhook_id=${hook.id}&limit=1`)).deliveries[0];
      return x.last_status === 500 && x.last_error === 'HTTP 500';
    });
    rx.behaviour = () => 200;
    await adminOk(h(), 'POST', `/admin/deliveries/${refused.id}/resend`);
    await waitFor('the refused delivery delivered after resend', async () => {
      const x = (await adminOk(h(), 'GET', `/admin/deliveries?license_id=${b.license_id}&webhook_id=${hook.id}&limit=1`)).deliveries[0];
      return x.status === 'delivered';
    });
  });
}

describeStores('control plane off (no ADMIN_TOKEN)', (h) => {
  it('answers 404 in the documented format for every /admin route, whatever the token', async () => {
    for (const [method, url] of [['GET', '/admin/licenses'], ['POST', '/admin/bootstrap'], ['PUT', '/admin/faults'], ['GET', '/admin/requests']]) {
      for (const token of [null, ADMIN_TOKEN, h().boot.bearer_token]) {
        const res = await adminCall(h(), method, url, method === 'GET' ? undefined : {}, token);
        expectError(res, 'not_found', 404);
      }
    }
    assert.equal(h().app.controlPlane, undefined);
  });
});
