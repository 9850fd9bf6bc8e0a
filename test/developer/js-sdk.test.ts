/**
 * The official JS SDK (`@livechat/lc-sdk-js` 4.0.2, a v3.4 client), unchanged, drives every configuration method it
 * has against this server over HTTPS, on both stores. The SDK builds `https://` + `apiUrl` + `/v3.4/configuration/
 * action/<action>` and sends list_license_properties, list_group_properties, get_license_id and get_organization_id
 * as GET with the parameters in the query string (and the same JSON as a body), the rest as POST (read in
 * node_modules/@livechat/lc-sdk-js/lib/src/internal/index.js). Its HTTP client (axios over Node's https) trusts the
 * server's local CA through Node's global HTTPS agent, set for this suite only and restored after it.
 *
 * What the SDK sends that the server refuses, as the SDK's own bugs: updateGroup calls create_group with an `id`
 * (validation), and the webhook state methods name their argument `client_id` (validation when given).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Configuration } from '@livechat/lc-sdk-js';
import { ensureSelfSigned } from '../../src/http/tls.js';
import { insertAccessToken } from '../../src/tenancy/credentials.js';
import { ALL_SCOPES } from '../../src/kernel/scopes.js';
import { postgresOrSkip, type StoreKind } from '../support/stores.js';
import { tlsApp, type TlsApp } from '../support/tls-app.js';

type Api = InstanceType<typeof Configuration.Web>;

/** The error the SDK throws: the answer's `error` object. */
async function sdkError(p: Promise<unknown>): Promise<{ type: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { type?: string; message?: string };
    if (typeof err?.type === 'string') return err as { type: string; message: string };
    throw e;
  }
  throw new Error('expected the SDK call to fail');
}

describe('the official JS SDK (v3.4) over HTTPS', () => {
  let tlsDir: string;
  let previousCa: unknown;
  before(async () => {
    tlsDir = await mkdtemp(join(tmpdir(), 'config-api-js-sdk-'));
    const { caFile } = await ensureSelfSigned(tlsDir);
    previousCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = await readFile(caFile!, 'utf8');
  });
  after(async () => {
    https.globalAgent.options.ca = previousCa as typeof https.globalAgent.options.ca;
    https.globalAgent.destroy();
    await rm(tlsDir, { recursive: true, force: true });
  });

  for (const kind of ['sqlite', 'postgres'] as StoreKind[]) {
    describe(`[${kind}]`, async () => {
      if (kind === 'postgres' && !(await postgresOrSkip())) return;
      let s: TlsApp;
      let api: Api;
      const sdkFor = (accessToken: string): Api =>
        new Configuration.Web('js-sdk-test', () => ({ accessToken, region: 'dal', organizationID: s.boot.organization_id }), { apiUrl: `127.0.0.1:${s.port}` });
      before(async () => {
        s = await tlsApp(kind, { tlsDir });
        api = sdkFor(s.boot.bearer_token);
      });
      after(async () => {
        await s?.stop();
      });
      const lastSeen = (action: string) => [...s.seen].reverse().find((r) => r.url.split('?')[0]!.endsWith(`/${action}`))!;

      it('agents: create, get, list, update (work_scheduler in v3.4 form), suspend, unsuspend, approve, request unsuspension, delete', async () => {
        const id = 'js-sdk@example.com';
        const work_scheduler = { monday: { start: '08:30', end: '12:30' }, friday: { start: '07:30', end: '21:30' } };
        assert.deepEqual(await api.createAgent(id, { name: 'Js', avatar_path: 'https://example.com/a.png', max_chats_count: 100, work_scheduler, groups: [{ id: 0, priority: 'normal' }] }), { id });
        assert.match(lastSeen('create_agent').url, /^\/v3\.4\/configuration\/action\/create_agent$/);
        assert.equal(lastSeen('create_agent').method, 'POST');
        const agent = await api.getAgent(id, ['work_scheduler', 'groups', 'max_chats_count']);
        assert.deepEqual(agent, {
          id, name: 'Js', avatar: 'https://example.com/a.png', role: 'normal', login_status: 'not accepting chats',
          work_scheduler, groups: [{ id: 0, priority: 'normal' }], max_chats_count: 100,
        });
        const listed = await api.listAgents([0], ['work_scheduler']);
        assert.deepEqual(listed.find((a) => a.id === id)?.work_scheduler, work_scheduler);
        assert.ok(listed.every((a) => !('account_id' in a)));
        assert.deepEqual(await api.updateAgent(id, { job_title: 'Support', work_scheduler: { sunday: { start: '10:00', end: '14:00' } } }), {});
        assert.deepEqual((await api.getAgent(id, ['job_title', 'work_scheduler'])).work_scheduler, { sunday: { start: '10:00', end: '14:00' } });
        assert.equal((await sdkError(api.updateAgent(id, { max_chats_count: 101 }))).type, 'validation');
        assert.deepEqual(await api.suspendAgent(id), {});
        // The suspended agent asks to be unsuspended, with its own token.
        const row = await s.core.store.db.selectFrom('agents').select('account_id').where('id', '=', id).executeTakeFirstOrThrow();
        const own = await insertAccessToken(s.core.store.db, { licenseId: s.boot.license_id, accountId: row.account_id, clientId: s.boot.client_id, scopes: ALL_SCOPES, region: 'dal' });
        assert.deepEqual(await sdkFor(own).requestAgentUnsuspension(), {});
        assert.deepEqual(await api.unsuspendAgent(id), {});
        assert.deepEqual(await api.approveAgent(id), {});
        assert.deepEqual(await api.getAgent(id, ['suspended', 'awaiting_approval']).then((a: any) => [a.suspended, a.awaiting_approval]), [false, false]);
        assert.deepEqual(await api.deleteAgent(id), {});
        assert.equal((await sdkError(api.getAgent(id))).type, 'not_found');
      });

      it('bots: create, get, list, update (top-level timezone with a v3.4 work_scheduler), delete', async () => {
        const work_scheduler = { tuesday: { start: '09:00', end: '17:00' } };
        const { id } = await api.createBot({ name: 'JsBot', avatar_path: 'https://example.com/b.png', timezone: 'Europe/Warsaw', work_scheduler, max_chats_count: 500 });
        assert.match(id, /^[0-9a-f]{32}$/);
        // get_bot/list_bots' `fields` travel in the object the SDK spreads into the request.
        const fields = { fields: ['work_scheduler', 'timezone', 'max_chats_count'] } as object;
        const bot = await api.getBot(id, fields);
        assert.deepEqual([bot.name, (bot as any).avatar, (bot as any).work_scheduler, (bot as any).timezone], ['JsBot', 'https://example.com/b.png', work_scheduler, 'Europe/Warsaw']);
        const bots = await api.listBots(true, fields);
        assert.deepEqual((bots.find((b) => b.id === id) as any).work_scheduler, work_scheduler);
        assert.deepEqual(await api.updateBot(id, { name: 'JsBot2', timezone: 'UTC', work_scheduler: {} }), {});
        assert.deepEqual(await api.getBot(id, fields).then((b: any) => [b.name, b.work_scheduler, b.timezone]), ['JsBot2', {}, 'UTC']);
        assert.equal((await sdkError(api.updateBot(id, { work_scheduler }))).message, '`timezone` is required when `work_scheduler` is given');
        assert.equal((await sdkError(api.createBot({ name: 'Owned', owner_client_id: s.boot.client_id }))).type, 'validation');
        assert.deepEqual(await api.deleteBot(id), {});
      });

      it('groups: create, get, list, delete; updateGroup sends create_group with an id (an SDK bug), refused', async () => {
        const owner = s.boot.owner.id;
        const created = await api.createGroup('JsGroup', { [owner]: Configuration.Objects.GroupPriority.Normal }, 'en');
        const id = created.id as unknown as number; // the SDK types it a string; the reference's answer is an integer
        assert.equal(typeof id, 'number');
        assert.deepEqual(await api.getGroup(id, ['agent_priorities']), { id, name: 'JsGroup', language_code: 'en', agent_priorities: { [owner]: 'normal' } });
        assert.ok((await api.listGroups(['agent_priorities'])).some((g) => g.id === id));
        const refused = await sdkError(api.updateGroup(id, 'Renamed'));
        assert.equal(refused.type, 'validation');
        assert.equal(lastSeen('create_group').body, JSON.stringify({ id, name: 'Renamed' }));
        assert.equal((await api.getGroup(id)).name, 'JsGroup');
        assert.deepEqual(await api.deleteGroup(id), {});
      });

      it('properties: the registry, licence and group values; list_license_properties and list_group_properties by GET', async () => {
        const client = s.boot.client_id;
        const access = { license: { agent: ['read', 'write'] }, group: { agent: ['read', 'write'] } };
        assert.deepEqual(await api.registerProperty({ name: 'js_prop', owner_client_id: client, type: 'string', access, default_value: 'dflt' } as any), {});
        assert.deepEqual(await api.publishProperty('js_prop', client, true, false), {});
        const registry = await api.listProperties(client);
        assert.deepEqual((registry as any).js_prop.public_access, ['read']);
        assert.deepEqual(await api.updateLicenseProperties({ [client]: { js_prop: 'lic' } }), {});
        assert.deepEqual(await api.listLicenseProperties(client, 'js_'), { [client]: { js_prop: 'lic' } });
        const seen = lastSeen('list_license_properties');
        assert.equal(seen.method, 'GET');
        assert.deepEqual(Object.fromEntries(new URL(seen.url, 'https://x').searchParams), { namespace_prefix: client, name_prefix: 'js_' });
        assert.deepEqual(JSON.parse(seen.body), { namespace_prefix: client, name_prefix: 'js_' });
        assert.ok((await api.listLicenseProperties())[client]);
        assert.deepEqual(await api.deleteLicenseProperties({ [client]: ['js_prop'] }), {});
        assert.deepEqual(await api.listLicenseProperties(client), { [client]: { js_prop: 'dflt' } });
        assert.deepEqual(await api.updateGroupProperties(0, { [client]: { js_prop: 'grp' } }), {});
        assert.deepEqual(await api.listGroupProperties(0, client, 'js'), { [client]: { js_prop: 'grp' } });
        assert.equal(lastSeen('list_group_properties').method, 'GET');
        assert.match(lastSeen('list_group_properties').url, /\?id=0&namespace_prefix=/);
        assert.equal((await sdkError(api.listGroupProperties(999))).type, 'group_not_found');
        assert.deepEqual(await api.deleteGroupProperties(0, { [client]: ['js_prop'] }), {});
        assert.deepEqual(await api.listGroupProperties(0, client), { [client]: { js_prop: 'dflt' } });
        // Published properties stay; an unpublished one can be unregistered.
        assert.equal((await sdkError(api.unregisterProperty('js_prop', client))).type, 'validation');
        assert.deepEqual(await api.registerProperty({ name: 'js_tmp', owner_client_id: client, type: 'int', access } as any), {});
        assert.deepEqual(await api.unregisterProperty('js_tmp', client), {});
        assert.deepEqual(Object.keys(await api.listProperties(client)), ['js_prop']);
      });

      it('webhooks: register, list, unregister, names (v3.4 set), licence state', async () => {
        const client = s.boot.client_id;
        const { id } = await api.registerWebhook({ action: 'auto_access_added', secret_key: 'js-secret', url: 'https://example.com/hook', type: 'license' }, client);
        assert.deepEqual((await api.listWebhooks(client)).map((w) => [w.id, w.action]), [[id, 'auto_access_added']]);
        const names = (await api.listWebhookNames()).map((n) => n.action);
        assert.ok(names.includes('auto_access_added') && !names.includes('auto_accesses_updated') && !names.includes('tag_created'));
        assert.ok((await api.listWebhookNames('3.5')).some((n) => n.action === 'auto_accesses_updated'));
        assert.deepEqual(await api.disableLicenseWebhooks(), {});
        assert.deepEqual(await api.getLicenseWebhooksState(), { license_webhooks_enabled: false });
        assert.deepEqual(await api.enableLicenseWebhooks(), {});
        assert.deepEqual(await api.getLicenseWebhooksState(), { license_webhooks_enabled: true });
        // The SDK names the parameter `client_id` (the reference: `owner_client_id`, refused with a Bearer token anyway).
        assert.equal((await sdkError(api.getLicenseWebhooksState(client))).type, 'validation');
        assert.deepEqual(await api.unregisterWebhook(id, client), {});
        assert.deepEqual(await api.listWebhooks(client), []);
      });

      it('auto access: add, list, update, delete', async () => {
        const { id } = await api.addAutoAccess({ access: { groups: [0] }, conditions: { domain: { values: [{ value: 'example.com', exact_match: true }] } }, description: 'js' } as any);
        assert.deepEqual((await api.listAutoAccesses()).map((a) => [a.id, a.description]), [[id, 'js']]);
        assert.deepEqual(await api.updateAutoAccess(id, { access: { groups: [0] }, description: 'js2' }), {});
        assert.equal((await api.listAutoAccesses())[0]!.description, 'js2');
        assert.deepEqual(await api.deleteAutoAccess(id), {});
        assert.deepEqual(await api.listAutoAccesses(), []);
      });

      it('get_organization_id and get_license_id by GET with a query string', async () => {
        const { license_id, organization_id } = s.boot;
        assert.deepEqual(await api.getOrganizationID(license_id), { organization_id });
        assert.deepEqual(await api.getLicenseID(organization_id), { license_id } as any);
        const seen = lastSeen('get_license_id');
        assert.deepEqual([seen.method, seen.url, JSON.parse(seen.body)], ['GET', `/v3.4/configuration/action/get_license_id?organization_id=${organization_id}`, { organization_id }]);
        assert.equal(lastSeen('get_organization_id').url, `/v3.4/configuration/action/get_organization_id?license_id=${license_id}`);
        assert.equal((await sdkError(api.getOrganizationID(license_id + 100000))).type, 'not_found');
      });

      it('sent everything else as POST to /v3.4/', () => {
        const gets = new Set(['list_license_properties', 'list_group_properties', 'get_license_id', 'get_organization_id']);
        assert.ok(s.seen.length > 40);
        for (const r of s.seen) {
          const action = r.url.split('?')[0]!.split('/').pop()!;
          assert.ok(r.url.startsWith('/v3.4/configuration/action/'), r.url);
          assert.equal(r.method, gets.has(action) ? 'GET' : 'POST', r.url);
          assert.equal(r.contentType, 'application/json', r.url);
        }
      });
    });
  }
});
