/**
 * The official Python SDK (lc-sdk-python 0.4.1, vendored in test/fixtures/lc-sdk-python) as a new user runs it: the
 * client of `ConfigurationApi.get_client(token=…, base_url=…)` without `version=` is the v3.6 one, and it drives
 * EVERY method of livechat/configuration/api/v36.py against this server over HTTPS (the SDK always calls
 * `https://` + base_url; self-signed certificate, `verify=False`), on SQLite and PostgreSQL: the documented answers,
 * a few documented errors, and a webhook registered through v3.6 carrying `requester`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { postgresOrSkip, type StoreKind } from '../support/stores.js';
import { pythonSdkOrSkip, ref, runSdk, tlsServer, type SdkCall, type SdkResult, type SdkRun, type TlsServer } from '../support/python-sdk.js';
import { Receiver, waitFor } from '../support/webhooks.js';
import { insertAccessToken } from '../../src/tenancy/credentials.js';
import { ALL_SCOPES } from '../../src/kernel/scopes.js';
import { recordEmailBounce } from '../../src/email-bounces/bounces.js';
import { greetingBody } from '../support/v36.js';

const ADMIN_TOKEN = 'python-sdk-admin-token-0123456789';
const AGENT = 'py.agent@example.com';
const PENDING = 'py.pending@example.com';
const SUSPENDED = 'py.suspended@example.com';
const SCHEDULE = { timezone: 'Europe/Warsaw', schedule: [{ day: 'monday', enabled: true, start: '08:00', end: '16:00' }] };
const RULE = { groups: [0] };
const CONDITIONS = { domain: { values: [{ value: 'py.example.com', exact_match: true }] } };
const GREETING = greetingBody({ name: 'Py greeting' });

/** One step: the call, the HTTP status it must answer, and what its body must be. */
interface Step {
  call: SdkCall;
  status?: number;
  check?(body: any, result: SdkResult): void;
}

const keys = (o: object) => Object.keys(o).sort();
const errorOf = (type: string) => (body: any) => assert.equal(body.error.type, type, JSON.stringify(body));

/** Every method of the v3.6 client, in an order where each finds what it needs (ids through `ref`). */
function steps(s: TlsServer, webhookUrl: string, suspendedToken: string): Step[] {
  const client = s.boot.client_id;
  const ns = client; // the properties' namespace: the owner's client id
  return [
    // The headers helpers of the client itself.
    { call: { method: 'modify_header', kwargs: { header: { 'X-Region': 'dal' } } } },
    { call: { method: 'get_headers' }, check: (_b, r) => assert.equal((r.value as Record<string, string>)['x-region'] ?? (r.value as Record<string, string>)['X-Region'], 'dal') },
    { call: { method: 'remove_header', kwargs: { key: 'X-Region' } } },
    // Webhooks first: a v3.6 webhook hears the agent created below.
    { call: { method: 'register_webhook', as: 'wh', kwargs: { action: 'agent_created', secret_key: 'py-secret', url: webhookUrl, owner_client_id: client, type: 'license', description: 'from Python' } }, status: 200, check: (b) => assert.deepEqual(keys(b), ['id']) },
    { call: { method: 'list_webhooks', kwargs: { owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b.map((w: any) => [w.action, w.url, w.description, w.type]), [['agent_created', webhookUrl, 'from Python', 'license']]) },
    { call: { method: 'list_webhook_names', kwargs: { version: '3.6' } }, status: 200, check: (b) => {
      const names = b.map((w: any) => w.action);
      assert.ok(names.includes('event_deleted') && names.includes('thread_summary_set') && !names.includes('incoming_customer'));
    } },
    { call: { method: 'list_webhook_names' }, status: 200, check: (b) => assert.ok(b.some((w: any) => w.action === 'thread_summary_set'), 'the path version: v3.6') },
    { call: { method: 'get_license_webhooks_state', kwargs: { owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b, { license_webhooks_enabled: true }) },
    { call: { method: 'disable_license_webhooks', kwargs: { owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'enable_license_webhooks', kwargs: { owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    // Agents.
    { call: { method: 'create_agent', kwargs: { id: AGENT, name: 'Py Agent', role: 'normal', job_title: 'Support', max_chats_count: 5, groups: [{ id: 0, priority: 'first' }], notifications: ['new_visitor'], email_subscriptions: ['weekly_summary'], work_scheduler: SCHEDULE } }, status: 200, check: (b) => assert.deepEqual(b, { id: AGENT }) },
    { call: { method: 'create_agent', kwargs: { id: 'py.avatar@example.com', name: 'Avatar', avatar_path: 'https://example.com/a.png' } }, status: 400, check: (b) => {
      errorOf('validation')(b);
      assert.equal(b.error.message, '`avatar_path` is not a supported parameter');
    } },
    { call: { method: 'get_agent', kwargs: { id: AGENT, fields: ['job_title', 'max_chats_count', 'work_scheduler', 'groups'] } }, status: 200, check: (b) => {
      assert.deepEqual([b.id, b.name, b.job_title, b.max_chats_count, b.work_scheduler], [AGENT, 'Py Agent', 'Support', 5, SCHEDULE]);
      assert.deepEqual(b.groups, [{ id: 0, priority: 'first' }]);
    } },
    { call: { method: 'get_agent', kwargs: { id: 'nobody@example.com' } }, status: 404, check: errorOf('not_found') },
    { call: { method: 'list_agents', kwargs: { fields: ['job_title'] } }, status: 200, check: (b) => assert.equal(b.find((a: any) => a.id === AGENT).job_title, 'Support') },
    { call: { method: 'update_agent', kwargs: { id: AGENT, job_title: 'Lead', max_chats_count: 20 } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'update_agent', kwargs: { id: AGENT, max_chats_count: 21 } }, status: 400, check: errorOf('validation') },
    { call: { method: 'update_agent', kwargs: { id: AGENT, name: 'Renamed' } }, status: 400, check: errorOf('validation') },
    { call: { method: 'suspend_agent', kwargs: { id: AGENT } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'unsuspend_agent', kwargs: { id: AGENT } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'create_agent', kwargs: { id: PENDING, name: 'Pending', awaiting_approval: true } }, status: 200 },
    { call: { method: 'approve_agent', kwargs: { id: PENDING } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'suspend_agent', kwargs: { id: SUSPENDED } }, status: 200 },
    { call: { method: 'request_agent_unsuspension', token: suspendedToken }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'reactivate_email', kwargs: { agent_id: AGENT } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'delete_agent', kwargs: { id: PENDING } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'batch_create_agents', kwargs: { requests: [{ id: 'py.b1@example.com', name: 'B1' }, { id: 'py.b2@example.com', name: 'B2', max_chats_count: 21 }] } }, status: 200, check: (b) => {
      assert.deepEqual(b.responses[0], { id: 'py.b1@example.com' });
      assert.equal(b.responses[1].error.type, 'validation');
    } },
    { call: { method: 'batch_update_agents', kwargs: { requests: [{ id: 'py.b1@example.com', job_title: 'Batch' }] } }, status: 200, check: (b) => assert.deepEqual(b, { responses: [{}] }) },
    { call: { method: 'batch_suspend_agents', kwargs: { requests: [{ id: 'py.b1@example.com' }] } }, status: 200, check: (b) => assert.deepEqual(b, { responses: [{}] }) },
    { call: { method: 'batch_unsuspend_agents', kwargs: { requests: [{ id: 'py.b1@example.com' }] } }, status: 200, check: (b) => assert.deepEqual(b, { responses: [{}] }) },
    { call: { method: 'batch_approve_agents', kwargs: { requests: [{ id: 'nobody@example.com' }] } }, status: 200, check: (b) => assert.equal(b.responses[0].error.type, 'not_found') },
    { call: { method: 'batch_delete_agents', kwargs: { requests: [{ id: 'py.b1@example.com' }] } }, status: 200, check: (b) => assert.deepEqual(b, { responses: [{}] }) },
    // Auto access rules.
    { call: { method: 'add_auto_access', as: 'aa', kwargs: { access: RULE, conditions: CONDITIONS, description: 'Py rule' } }, status: 200, check: (b) => assert.deepEqual(keys(b), ['id']) },
    { call: { method: 'list_auto_accesses' }, status: 200, check: (b) => assert.deepEqual(b.map((r: any) => [r.description, r.access, r.conditions]), [['Py rule', RULE, CONDITIONS]]) },
    { call: { method: 'update_auto_access', kwargs: { id: ref('aa.body.id'), description: 'Py rule 2' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'delete_auto_access', kwargs: { id: ref('aa.body.id') } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    // Bots and bot templates.
    { call: { method: 'create_bot', as: 'bot', kwargs: { name: 'Py Bot', max_chats_count: 3, default_group_priority: 'first', job_title: 'Helper', groups: [{ id: 0, priority: 'normal' }], timezone: 'Europe/Warsaw' } }, status: 200, check: (b) => assert.deepEqual(keys(b), ['id', 'secret']) },
    { call: { method: 'get_bot', kwargs: { id: ref('bot.body.id'), fields: ['max_chats_count'] } }, status: 200, check: (b) => assert.deepEqual([b.name, b.default_group_priority, b.max_chats_count], ['Py Bot', 'first', 3]) },
    { call: { method: 'list_bots', kwargs: { all: true } }, status: 200, check: (b) => assert.ok(b.some((x: any) => x.name === 'Py Bot')) },
    { call: { method: 'update_bot', kwargs: { id: ref('bot.body.id'), name: 'Py Bot 2' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'issue_bot_token', kwargs: { bot_id: ref('bot.body.id'), bot_secret: ref('bot.body.secret'), organization_id: s.boot.organization_id, client_id: client } }, status: 200, check: (b) => assert.match(b.token, /^dal:eyJ/) },
    { call: { method: 'reset_bot_secret', kwargs: { id: ref('bot.body.id') } }, status: 200, check: (b) => assert.match(b.secret, /^[0-9a-f]{32}$/) },
    { call: { method: 'list_bots', kwargs: { all: false, headers: { 'X-Author-Id': ref('bot.body.id') } } }, status: 400, check: (b) => {
      errorOf('validation')(b);
      assert.match(b.error.message, /X-Author-Id/);
    } },
    { call: { method: 'delete_bot', kwargs: { id: ref('bot.body.id') } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'batch_create_bots', as: 'bots', kwargs: { requests: [{ name: 'Py B1' }, { name: 'Py B2' }] } }, status: 200, check: (b) => assert.deepEqual(b.responses.map(keys), [['id', 'secret'], ['id', 'secret']]) },
    { call: { method: 'batch_update_bots', kwargs: { requests: [{ id: ref('bots.body.responses.0.id'), name: 'Py B1 bis' }] } }, status: 200, check: (b) => assert.deepEqual(b, { responses: [{}] }) },
    { call: { method: 'batch_delete_bots', kwargs: { requests: [{ id: ref('bots.body.responses.0.id') }, { id: ref('bots.body.responses.1.id') }] } }, status: 200, check: (b) => assert.deepEqual(b, { responses: [{}, {}] }) },
    { call: { method: 'create_bot_template', as: 'tpl', kwargs: { name: 'Py Template', owner_client_id: client, max_chats_count: 2 } }, status: 200, check: (b) => assert.deepEqual(keys(b), ['id', 'secret']) },
    { call: { method: 'list_bot_templates', kwargs: { owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b.map((t: any) => t.name), ['Py Template']) },
    { call: { method: 'update_bot_template', kwargs: { id: ref('tpl.body.id'), owner_client_id: client, name: 'Py Template 2' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'reset_bot_template_secret', kwargs: { id: ref('tpl.body.id'), owner_client_id: client } }, status: 200, check: (b) => assert.match(b.secret, /^[0-9a-f]{32}$/) },
    { call: { method: 'delete_bot_template', kwargs: { id: ref('tpl.body.id'), owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    // Groups (v3.6: no agent with the normal priority needed).
    { call: { method: 'create_group', as: 'group', kwargs: { name: 'Py Group', language_code: 'en', agent_priorities: { [AGENT]: 'first' } } }, status: 200, check: (b) => assert.deepEqual(keys(b), ['id']) },
    { call: { method: 'get_group', kwargs: { id: ref('group.body.id'), fields: ['agent_priorities'] } }, status: 200, check: (b) => assert.deepEqual([b.name, b.language_code, b.agent_priorities], ['Py Group', 'en', { [AGENT]: 'first' }]) },
    { call: { method: 'list_groups' }, status: 200, check: (b) => assert.deepEqual(b.map((g: any) => g.name), ['General', 'Py Group']) },
    { call: { method: 'update_group', kwargs: { id: ref('group.body.id'), name: 'Py Group 2' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'delete_group', kwargs: { id: ref('group.body.id') } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    // Properties.
    { call: { method: 'register_property', kwargs: { name: 'py_prop', owner_client_id: client, type: 'string', access: { license: { agent: ['read', 'write'] }, group: { agent: ['read', 'write'] } }, description: 'From Python' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'register_property', kwargs: { name: 'py_public', owner_client_id: client, type: 'int', access: { license: { agent: ['read'] } } } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'publish_property', kwargs: { name: 'py_public', owner_client_id: client, access_type: ['read'] } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'list_properties', kwargs: { owner_client_id: client } }, status: 200, check: (b) => {
      assert.deepEqual([b.py_prop.type, b.py_prop.description, b.py_prop.public_access], ['string', 'From Python', []]);
      assert.deepEqual([b.py_public.type, b.py_public.public_access], ['int', ['read']]);
    } },
    { call: { method: 'update_license_properties', kwargs: { properties: { [ns]: { py_prop: 'licence value' } } } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'list_license_properties', kwargs: { namespace: ns } }, status: 200, check: (b) => assert.deepEqual(b, { [ns]: { py_prop: 'licence value' } }) },
    { call: { method: 'delete_license_properties', kwargs: { properties: { [ns]: ['py_prop'] } } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'update_group_properties', kwargs: { group_id: 0, properties: { [ns]: { py_prop: 'group value' } } } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'list_groups_properties', kwargs: { namespace: ns, group_ids: [0] } }, status: 200, check: (b) => assert.deepEqual(b, [{ id: 0, properties: { [ns]: { py_prop: 'group value' } } }]) },
    { call: { method: 'delete_group_properties', kwargs: { id: 0, properties: { [ns]: ['py_prop'] } } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'unregister_property', kwargs: { name: 'py_prop', owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'unregister_property', kwargs: { name: 'py_public', owner_client_id: client } }, status: 400, check: errorOf('validation') },
    // Tags.
    { call: { method: 'create_tag', kwargs: { name: 'py-tag', group_ids: [0] } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'list_tags', kwargs: { filters: { group_ids: [0] } } }, status: 200, check: (b) => assert.deepEqual(b.map((t: any) => [t.name, t.group_ids, t.author_id]), [['py-tag', [0], s.boot.owner.id]]) },
    { call: { method: 'update_tag', kwargs: { name: 'py-tag', group_ids: [0] } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'delete_tag', kwargs: { name: 'py-tag' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    // Greetings (v3.6).
    { call: { method: 'create_greeting', as: 'greeting', kwargs: GREETING }, status: 200, check: (b) => assert.deepEqual(keys(b), ['id']) },
    { call: { method: 'get_greeting', kwargs: { id: ref('greeting.body.id') } }, status: 200, check: (b) => assert.deepEqual([b.type, b.name, b.group, b.active, b.rules], [GREETING.type, GREETING.name, 0, true, GREETING.rules]) },
    { call: { method: 'list_greetings', kwargs: { groups: [0], limit: 10 } }, status: 200, check: (b) => {
      assert.equal(b.found_greetings, 1);
      assert.deepEqual(b.greetings.map((g: any) => g.name), ['Py greeting']);
    } },
    { call: { method: 'update_greeting', kwargs: { id: ref('greeting.body.id'), name: 'Py greeting 2', active: false } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'delete_greeting', kwargs: { id: ref('greeting.body.id') } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'get_greeting', kwargs: { id: ref('greeting.body.id') } }, status: 404, check: errorOf('not_found') },
    // Customer bans (v3.6; the ban made through the control plane before the run).
    { call: { method: 'list_customer_bans' }, status: 200, check: (b) => assert.deepEqual(b.map((x: any) => x.ip), ['203.0.113.7']) },
    { call: { method: 'unban_customer', kwargs: { ip: '203.0.113.7' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'unban_customer', kwargs: { ip: '203.0.113.7', customer_id: 'c1' } }, status: 400, check: errorOf('validation') },
    // Company details (v3.6).
    { call: { method: 'update_company_details', kwargs: { company: 'Py Co', city: 'Warsaw', country: 'Poland', company_size: '1-10' } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'get_company_details' }, status: 200, check: (b) => assert.deepEqual([b.company, b.city, b.country], ['Py Co', 'Warsaw', 'Poland']) },
    // Other.
    { call: { method: 'list_channels' }, status: 200, check: (b) => assert.ok(Array.isArray(b)) },
    { call: { method: 'check_product_limits_for_plan', kwargs: { plan: 'starter' } }, status: 200, check: (b) => assert.ok(b.every((l: any) => keys(l).join() === 'limit_balance,resource')) },
    { call: { method: 'get_product_source' }, status: 200, check: (b) => assert.ok('id' in b || 'source' in b || Object.keys(b).length > 0) },
    // The webhook unregistered last (its delivery is checked after the run).
    { call: { method: 'unregister_webhook', kwargs: { id: ref('wh.body.id'), owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b, {}) },
    { call: { method: 'list_webhooks', kwargs: { owner_client_id: client } }, status: 200, check: (b) => assert.deepEqual(b, []) },
  ];
}

for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
  describe(`the official Python SDK's default (v3.6) client drives every method [${kind}]`, async () => {
    if (!pythonSdkOrSkip()) return;
    if (kind === 'postgres' && !(await postgresOrSkip())) return;
    const rx = new Receiver();
    let s: TlsServer;
    let plan: Step[];
    let run: SdkRun;

    before(async () => {
      await rx.start();
      s = await tlsServer(kind, { ADMIN_TOKEN, WEBHOOK_RETRY_BASE_MS: '5', WEBHOOK_POLL_MS: '30', WEBHOOK_STATS_MS: '0' });
      // What the platform does itself: an agent to be suspended (with its own token), a ban.
      const lic = s.boot.license_id;
      const created = await s.app.inject({
        method: 'POST', url: '/v3.6/configuration/action/create_agent',
        headers: { authorization: `Bearer ${s.boot.bearer_token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ id: SUSPENDED, name: 'Suspended' }),
      });
      assert.equal(created.statusCode, 200, created.body);
      const account = await s.store.db.selectFrom('agents').select('account_id').where('license_id', '=', lic).where('id', '=', SUSPENDED).executeTakeFirstOrThrow();
      const suspendedToken = await insertAccessToken(s.store.db, { licenseId: lic, accountId: account.account_id, clientId: s.boot.client_id, scopes: ALL_SCOPES, region: 'dal' });
      const ban = await s.app.inject({
        method: 'POST', url: `/admin/licenses/${lic}/bans`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ ip: '203.0.113.7' }),
      });
      assert.equal(ban.statusCode, 200, ban.body);
      plan = steps(s, rx.url(`/py-sdk/${kind}`), `Bearer ${suspendedToken}`);
      // The plan's reactivate_email finds no bounce (still {}); the last test records one and clears it.
      run = await runSdk({ baseUrl: s.baseUrl, token: `Bearer ${s.boot.bearer_token}`, calls: plan.map((p) => p.call) });
    });
    after(async () => {
      await s?.stop();
      await rx.stop();
    });

    it('get_client without version= builds the v3.6 client, which calls /v3.6/ over HTTPS', () => {
      assert.equal(run.client, 'ConfigurationApiV36');
      const urls = run.results.flatMap((r) => (r.url ? [r.url] : []));
      assert.equal(urls.length, plan.length - 3, 'every call but the three header helpers is an HTTP call');
      for (const url of urls) assert.match(url, new RegExp(`^https://${s.baseUrl.replace(/\./g, '\\.')}/v3\\.6/configuration/action/[a-z_]+$`));
    });

    it('the plan calls every public method of the client', () => {
      const called = new Set(plan.map((p) => p.call.method));
      assert.deepEqual(run.methods.filter((m) => !called.has(m)), []);
    });

    it('every call answers as documented', () => {
      const failures: string[] = [];
      for (const [i, step] of plan.entries()) {
        const r = run.results[i]!;
        const what = `${i} ${step.call.method}`;
        try {
          assert.equal(r.exception, undefined, `${what}: ${r.exception}`);
          if (step.status !== undefined) assert.equal(r.status, step.status, `${what}: ${JSON.stringify(r.body)}`);
          step.check?.(r.body, r);
        } catch (err) {
          failures.push(`${what}: ${(err as Error).message}`);
        }
      }
      assert.deepEqual(failures, []);
    });

    it('a webhook registered through v3.6 (by the SDK) carries requester: the caller who created the agent', async () => {
      const [got] = await waitFor('the agent_created delivery', () => rx.acked(`/py-sdk/${kind}`).length >= 1 && rx.acked(`/py-sdk/${kind}`));
      assert.equal(got!.body.action, 'agent_created');
      assert.equal(got!.body.payload.id, AGENT);
      assert.deepEqual(got!.body.requester, { user_id: s.boot.owner.id, account_id: s.boot.owner.account_id, client_id: s.boot.client_id });
      assert.deepEqual(Object.keys(got!.body), ['webhook_id', 'secret_key', 'action', 'organization_id', 'payload', 'requester', 'additional_data']);
    });

    it('reactivate_email clears a recorded bounce; a wrong token answers authentication (401); http2=True speaks HTTP/2', async () => {
      await s.core.transaction((tx) => recordEmailBounce(tx, s.boot.license_id, AGENT, { reason: 'mailbox full' }), { licenseId: s.boot.license_id });
      const again = await runSdk({
        baseUrl: s.baseUrl,
        token: `Bearer ${s.boot.bearer_token}`,
        calls: [{ method: 'reactivate_email', kwargs: { agent_id: AGENT } }, { method: 'list_agents', token: 'Bearer dal:not-a-token' }],
      });
      assert.deepEqual(again.results.map((r) => [r.status, r.body]), [
        [200, {}],
        [401, { error: { type: 'authentication', message: 'Invalid or expired access token' } }],
      ]);
      // The SDK's http2=True negotiates HTTP/2 with the server.
      const h2 = await runSdk({ baseUrl: s.baseUrl, token: `Bearer ${s.boot.bearer_token}`, http2: true, calls: [{ method: 'get_agent', kwargs: { id: AGENT } }] });
      assert.deepEqual([h2.results[0]!.status, h2.results[0]!.http_version, h2.results[0]!.body.id], [200, 'HTTP/2', AGENT]);
      const left = await s.store.db.selectFrom('email_bounces').select('agent_id').where('license_id', '=', s.boot.license_id).execute();
      assert.deepEqual(left, []);
    });
  });
}
