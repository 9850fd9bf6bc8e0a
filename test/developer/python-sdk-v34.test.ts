/**
 * The official Python SDK's v3.4 client (`ConfigurationApi.get_client(..., version='3.4')`, lc-sdk-python's
 * livechat/configuration/api/v34.py, unchanged) drives every one of its methods against this server over HTTPS, on
 * both stores, with the documented answers and v3.4's shapes (work_scheduler, bots' top-level timezone, agents
 * without account_id, list_group_properties, get_license_id and get_organization_id by GET). The calls run in a few
 * plans (test/support/python-sdk.ts), later ones using the ids earlier ones answered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { insertAccessToken } from '../../src/tenancy/credentials.js';
import { ALL_SCOPES } from '../../src/kernel/scopes.js';
import { postgresOrSkip, type StoreKind } from '../support/stores.js';
import { pythonSdkOrSkip, runSdk, tlsServer, type SdkCall, type SdkResult, type TlsServer } from '../support/python-sdk.js';

/** Every method of ConfigurationApiV34 (v34.py). */
const V34_METHODS = [
  'add_auto_access', 'approve_agent', 'create_agent', 'create_bot', 'create_group', 'delete_agent', 'delete_auto_access',
  'delete_bot', 'delete_group', 'delete_group_properties', 'delete_license_properties', 'disable_license_webhooks',
  'enable_license_webhooks', 'get_agent', 'get_bot', 'get_group', 'get_license_id', 'get_license_webhooks_state',
  'get_organization_id', 'list_agents', 'list_auto_accesses', 'list_bots', 'list_group_properties', 'list_groups',
  'list_license_properties', 'list_properties', 'list_webhook_names', 'list_webhooks', 'publish_property',
  'register_property', 'register_webhook', 'request_agent_unsuspension', 'suspend_agent', 'unregister_property',
  'unregister_webhook', 'unsuspend_agent', 'update_agent', 'update_auto_access', 'update_bot', 'update_group', 'update_group_properties',
  'update_license_properties',
];
/** What the client inherits from the SDK's HttpClient (headers of its session), not API methods. */
const TRANSPORT_METHODS = ['get_headers', 'modify_header', 'remove_header'];

const AGENT = 'py34@example.com';
const SCHEDULE = { monday: { start: '08:30', end: '12:30' }, friday: { start: '07:30', end: '21:30' } };

describe('the official Python SDK, v3.4 client', () => {
  if (!pythonSdkOrSkip()) return;
  for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
    describe(`[${kind}]`, async () => {
      if (kind === 'postgres' && !(await postgresOrSkip())) return;
      let s: TlsServer;
      before(async () => {
        s = await tlsServer(kind);
      });
      after(async () => {
        await s?.stop();
      });
      const called = new Set<string>();
      /** Run `calls` as the owner (or with `token`); each answer named by its method, in order. */
      async function run(calls: SdkCall[], token = s.boot.bearer_token): Promise<SdkResult[]> {
        const out = await runSdk({ baseUrl: s.baseUrl, token: `Bearer ${token}`, version: '3.4', calls });
        assert.equal(out.client, 'ConfigurationApiV34');
        for (const c of calls) called.add(c.method);
        out.results.forEach((r, i) => {
          assert.equal(r.exception, undefined, `${calls[i]!.method}: ${r.exception}`);
          assert.match(r.url!, /^https:\/\/127\.0\.0\.1:\d+\/v3\.4\/configuration\/action\//);
        });
        return out.results;
      }
      const ok = (r: SdkResult, what: string) => {
        assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
        return r.body;
      };

      it('drives every method of v34.py with v3.4 shapes', async () => {
        const client = s.boot.client_id;
        const owner = s.boot.owner.id;
        const access = { license: { agent: ['read', 'write'] }, group: { agent: ['read', 'write'] } };
        // 1. Create.
        const [agent, bot, group, prop, tmpProp, hook, rule] = await run([
          { method: 'create_agent', kwargs: { id: AGENT, name: 'Py', avatar_path: 'https://example.com/p.png', max_chats_count: 100, work_scheduler: SCHEDULE, groups: [{ id: 0, priority: 'normal' }], notifications: ['new_goal'], email_subscriptions: ['daily_summary'] } },
          { method: 'create_bot', kwargs: { name: 'PyBot', avatar: 'https://example.com/b.png', timezone: 'Europe/Warsaw', work_scheduler: { tuesday: { start: '09:00', end: '17:00' } }, default_group_priority: 'first', job_title: 'Bot' } },
          { method: 'create_group', kwargs: { name: 'PyGroup', language_code: 'en', agent_priorities: { [owner]: 'normal' } } },
          { method: 'register_property', kwargs: { name: 'py_prop', owner_client_id: client, type: 'string', access, default_value: 'dflt' } },
          { method: 'register_property', kwargs: { name: 'py_tmp', owner_client_id: client, type: 'int', access } },
          { method: 'register_webhook', kwargs: { action: 'agent_updated', secret_key: 'py-secret', url: 'https://example.com/hook', type: 'license', owner_client_id: client } },
          { method: 'add_auto_access', kwargs: { access: { groups: [0] }, conditions: { url: { values: [{ value: 'example.com/shop', exact_match: false }] } }, description: 'py' } },
        ]);
        assert.deepEqual(ok(agent!, 'create_agent'), { id: AGENT });
        const botId = ok(bot!, 'create_bot').id as string;
        const groupId = ok(group!, 'create_group').id as number;
        ok(prop!, 'register_property');
        ok(tmpProp!, 'register_property');
        const hookId = ok(hook!, 'register_webhook').id as string;
        const ruleId = ok(rule!, 'add_auto_access').id as string;

        // 2. Read and change.
        const r = await run([
          { method: 'get_agent', kwargs: { id: AGENT, fields: ['work_scheduler', 'groups', 'max_chats_count'] } },
          { method: 'list_agents', kwargs: { filters: { group_ids: [0] }, fields: ['work_scheduler'] } },
          { method: 'update_agent', kwargs: { id: AGENT, job_title: 'Hero', work_scheduler: { sunday: { start: '10:00', end: '14:00' } } } },
          { method: 'get_agent', kwargs: { id: AGENT, fields: ['job_title', 'work_scheduler'] } },
          { method: 'suspend_agent', kwargs: { id: AGENT } },
          { method: 'get_bot', kwargs: { id: botId, fields: ['work_scheduler', 'timezone', 'job_title'] } },
          { method: 'update_bot', kwargs: { id: botId, name: 'PyBot2', timezone: 'UTC', work_scheduler: {} } },
          { method: 'list_bots', kwargs: { all: true, fields: ['work_scheduler', 'timezone'] } },
          { method: 'get_group', kwargs: { id: groupId, fields: ['agent_priorities'] } },
          { method: 'update_group', kwargs: { id: groupId, name: 'PyGroup2' } },
          { method: 'list_groups', kwargs: { fields: ['agent_priorities'] } },
          { method: 'publish_property', kwargs: { name: 'py_prop', owner_client_id: client, access_type: ['read'] } },
          { method: 'list_properties', kwargs: { owner_client_id: client } },
          { method: 'update_license_properties', kwargs: { properties: { [client]: { py_prop: 'lic' } } } },
          { method: 'list_license_properties', kwargs: { namespace: client } },
          { method: 'update_group_properties', kwargs: { group_id: groupId, properties: { [client]: { py_prop: 'grp' } } } },
          { method: 'list_group_properties', kwargs: { id: groupId, namespace: client, name_prefix: 'py_' } },
          { method: 'list_webhooks', kwargs: { owner_client_id: client } },
          { method: 'list_webhook_names', kwargs: {} },
          { method: 'list_webhook_names', kwargs: { version: '3.5' } },
          { method: 'disable_license_webhooks', kwargs: {} },
          { method: 'get_license_webhooks_state', kwargs: {} },
          { method: 'enable_license_webhooks', kwargs: {} },
          { method: 'update_auto_access', kwargs: { id: ruleId, description: 'py2' } },
          { method: 'list_auto_accesses', kwargs: {} },
          { method: 'get_license_id', kwargs: { organization_id: s.boot.organization_id } },
          { method: 'get_organization_id', kwargs: { license_id: s.boot.license_id } },
        ]);
        const got = ok(r[0]!, 'get_agent');
        assert.deepEqual(got, {
          id: AGENT, name: 'Py', avatar: 'https://example.com/p.png', role: 'normal', login_status: 'not accepting chats',
          work_scheduler: SCHEDULE, groups: [{ id: 0, priority: 'normal' }], max_chats_count: 100,
        });
        const listed = ok(r[1]!, 'list_agents') as any[];
        assert.deepEqual(listed.find((a) => a.id === AGENT).work_scheduler, SCHEDULE);
        assert.ok(listed.every((a) => !('account_id' in a)));
        assert.deepEqual(ok(r[2]!, 'update_agent'), {});
        assert.deepEqual(ok(r[3]!, 'get_agent').work_scheduler, { sunday: { start: '10:00', end: '14:00' } });
        ok(r[4]!, 'suspend_agent');
        const b = ok(r[5]!, 'get_bot');
        assert.deepEqual([b.name, b.avatar, b.work_scheduler, b.timezone, b.job_title], ['PyBot', 'https://example.com/b.png', { tuesday: { start: '09:00', end: '17:00' } }, 'Europe/Warsaw', 'Bot']);
        ok(r[6]!, 'update_bot');
        const bots = ok(r[7]!, 'list_bots') as any[];
        assert.deepEqual(bots.map((x) => [x.id, x.name, x.work_scheduler, x.timezone]), [[botId, 'PyBot2', {}, 'UTC']]);
        assert.deepEqual(ok(r[8]!, 'get_group'), { id: groupId, name: 'PyGroup', language_code: 'en', agent_priorities: { [owner]: 'normal' } });
        ok(r[9]!, 'update_group');
        assert.ok((ok(r[10]!, 'list_groups') as any[]).some((g) => g.id === groupId && g.name === 'PyGroup2'));
        ok(r[11]!, 'publish_property');
        assert.deepEqual(ok(r[12]!, 'list_properties').py_prop.public_access, ['read']);
        ok(r[13]!, 'update_license_properties');
        assert.deepEqual(ok(r[14]!, 'list_license_properties'), { [client]: { py_prop: 'lic' } });
        ok(r[15]!, 'update_group_properties');
        assert.deepEqual(ok(r[16]!, 'list_group_properties'), { [client]: { py_prop: 'grp' } });
        assert.deepEqual((ok(r[17]!, 'list_webhooks') as any[]).map((w) => w.id), [hookId]);
        const names = (ok(r[18]!, 'list_webhook_names') as any[]).map((n) => n.action);
        assert.ok(names.includes('auto_access_added') && !names.includes('auto_accesses_updated') && !names.includes('tag_created'));
        assert.ok((ok(r[19]!, 'list_webhook_names') as any[]).some((n) => n.action === 'tag_created'));
        ok(r[20]!, 'disable_license_webhooks');
        assert.deepEqual(ok(r[21]!, 'get_license_webhooks_state'), { license_webhooks_enabled: false });
        ok(r[22]!, 'enable_license_webhooks');
        ok(r[23]!, 'update_auto_access');
        assert.deepEqual((ok(r[24]!, 'list_auto_accesses') as any[]).map((a) => [a.id, a.description]), [[ruleId, 'py2']]);
        assert.deepEqual(ok(r[25]!, 'get_license_id'), { license_id: s.boot.license_id });
        assert.match(r[25]!.url!, /\/get_license_id\?organization_id=/);
        assert.deepEqual(ok(r[26]!, 'get_organization_id'), { organization_id: s.boot.organization_id });
        assert.match(r[26]!.url!, /\/get_organization_id\?license_id=\d+$/);

        // 3. The suspended agent asks to be unsuspended, with its own token; the owner unsuspends and approves.
        const row = await s.core.store.db.selectFrom('agents').select('account_id').where('id', '=', AGENT).executeTakeFirstOrThrow();
        const own = await insertAccessToken(s.core.store.db, { licenseId: s.boot.license_id, accountId: row.account_id, clientId: client, scopes: ALL_SCOPES, region: 'dal' });
        assert.deepEqual(ok((await run([{ method: 'request_agent_unsuspension' }], own))[0]!, 'request_agent_unsuspension'), {});

        // 4. Remove.
        const d = await run([
          { method: 'unsuspend_agent', kwargs: { id: AGENT } },
          { method: 'approve_agent', kwargs: { id: AGENT } },
          { method: 'delete_license_properties', kwargs: { properties: { [client]: ['py_prop'] } } },
          { method: 'delete_group_properties', kwargs: { id: groupId, properties: { [client]: ['py_prop'] } } },
          { method: 'list_group_properties', kwargs: { id: groupId, namespace: client } },
          { method: 'unregister_property', kwargs: { name: 'py_tmp', owner_client_id: client } },
          { method: 'unregister_webhook', kwargs: { id: hookId, owner_client_id: client } },
          { method: 'delete_auto_access', kwargs: { id: ruleId } },
          { method: 'delete_bot', kwargs: { id: botId } },
          { method: 'delete_group', kwargs: { id: groupId } },
          { method: 'delete_agent', kwargs: { id: AGENT } },
          { method: 'get_agent', kwargs: { id: AGENT } },
        ]);
        for (const [i, res] of d.slice(0, 11).entries()) {
          if (i === 4) assert.deepEqual(ok(res, 'list_group_properties'), { [client]: { py_prop: 'dflt' } });
          else assert.deepEqual(ok(res, `removal ${i}`), {});
        }
        assert.deepEqual([d[11]!.status, d[11]!.body.error.type], [404, 'not_found']);
      });

      it('answers v3.4\'s errors: the owner_client_id rule, a bot schedule without timezone, methods v3.4 lacks', async () => {
        const r = await run([
          { method: 'create_bot', kwargs: { name: 'Owned', owner_client_id: s.boot.client_id } },
          { method: 'get_license_webhooks_state', kwargs: { owner_client_id: s.boot.client_id } },
          { method: 'create_bot', kwargs: { name: 'NoZone', work_scheduler: { monday: { start: '09:00', end: '10:00' } } } },
          { method: 'get_agent', kwargs: { id: s.boot.owner.id, fields: ['last_logout'] } },
          { method: 'get_organization_id', kwargs: { license_id: 'abc' } },
        ]);
        for (const res of r) assert.deepEqual([res.status, res.body.error.type], [400, 'validation'], JSON.stringify(res.body));
        // With a PAT, owner_client_id is how the client is named.
        const pat = await runSdk({ baseUrl: s.baseUrl, token: `Basic ${s.boot.basic_auth}`, version: '3.4', calls: [{ method: 'get_license_webhooks_state', kwargs: { owner_client_id: s.boot.client_id } }] });
        assert.deepEqual([pat.results[0]!.status, pat.results[0]!.body], [200, { license_webhooks_enabled: true }]);
      });

      it('called every method of the client', async () => {
        const { methods } = await runSdk({ baseUrl: s.baseUrl, token: `Bearer ${s.boot.bearer_token}`, version: '3.4', calls: [] });
        assert.deepEqual(methods, [...V34_METHODS, ...TRANSPORT_METHODS].sort());
        assert.deepEqual(methods.filter((m) => !called.has(m) && !TRANSPORT_METHODS.includes(m)), []);
      });
    });
  }
});
