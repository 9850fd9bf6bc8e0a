/**
 * The typed client (`config-api/client`, src/client) against the real server on a real port (127.0.0.1), on both
 * stores: one client per API version (default v3.6), every action and batch endpoint of v3.5 through its method and
 * v3.6's own, error answers as ConfigApiError, retries of too_many_requests honouring Retry-After, PAT
 * authentication, and the generated file kept up to date.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeStores, Harness } from '../support/harness.js';
import { checkAnswer } from '../support/response-check.js';
import {
  ConfigurationApi, ConfigApiError, ACTIONS, ACTIONS_V34, ACTIONS_V35, ConfigurationApiV34, ConfigurationApiV35, ConfigurationApiV36,
} from '../../src/client/index.js';
import { GENERATED_PATH, clientVersions, generateClientSource, camelCase } from '../../scripts/codegen-client.js';
import type { Static } from '@sinclair/typebox';
import type { RequestsV35 as Requests, ResponsesV35 as Responses, RequestsV36 } from '../../src/client/index.js';
import { createAgent, listAgents } from '../../src/agents/actions.js';
import { AgentView } from '../../src/agents/schemas.js';
import { addAutoAccess } from '../../src/auto-access/actions.js';
import { createBot } from '../../src/bots/bot-actions.js';
import { join } from 'node:path';
import { ROOT } from '../support/processes.js';

// Compile-time: the generated types and TypeBox's Static<> of the registry's schemas are the same types. (Where a
// schema is a union of literals typed as plain `string`, e.g. register_webhook's `action`, the generated type keeps
// the literals and is the stricter of the two.)
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<Requests['create_agent'], Static<typeof createAgent.schema>>,
  Same<Responses['create_agent'], Static<typeof createAgent.response>>,
  Same<Requests['list_agents'], Static<typeof listAgents.schema>>,
  Same<Responses['get_agent'], Static<typeof AgentView>>,
  Same<Requests['add_auto_access'], Static<typeof addAutoAccess.schema>>,
  Same<Requests['create_bot'], Static<typeof createBot.schema>>,
  Same<Responses['create_bot'], Static<typeof createBot.response>>,
] = [true, true, true, true, true, true, true];
void sameTypes;
// v3.6's types are its own: update_agent has no `name`, create_bot a `type`.
const v36Types: [Same<'name' extends keyof RequestsV36['update_agent'] ? true : false, false>, Same<RequestsV36['create_bot']['type'], string | undefined>] = [true, true];
void v36Types;

const RW = { agent: ['read', 'write'], customer: ['read', 'write'] };

async function listen(h: Harness): Promise<string> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = h.app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no port');
  return `http://127.0.0.1:${addr.port}`;
}

/** Real fetch, recording which actions were called and checking each 200 answer against its declared schema. */
function recordingFetch(h: Harness, called: Set<string>, statuses: number[] = []): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const path = new URL(String(input)).pathname.split('/');
    const action = decodeURIComponent(path.pop()!);
    statuses.push(res.status);
    if (res.ok) {
      called.add(action);
      checkAnswer(h.app.versions, path[1]!, action, res.status, await res.clone().json());
    }
    return res;
  };
}

describe('typed client: generated code', () => {
  it('actions.generated.ts is what scripts/codegen-client.ts prints from the versioned registry today', () => {
    const expected = generateClientSource(clientVersions());
    assert.ok(
      readFileSync(GENERATED_PATH, 'utf8') === expected,
      'src/client/actions.generated.ts is stale: run `npm run codegen`',
    );
  });

  it('has one client per version, one camelCase method per action and batch endpoint of its version (v3.4: 42, v3.5: 63, v3.6: 73)', () => {
    const versions = clientVersions();
    for (const [v, actions, Client] of [['3.4', ACTIONS_V34, ConfigurationApiV34], ['3.5', ACTIONS_V35, ConfigurationApiV35], ['3.6', ACTIONS, ConfigurationApiV36]] as const) {
      assert.deepEqual([...actions].sort(), versions.table(v).endpoints().map((e) => e.name).sort(), v);
      const api = new ConfigurationApi({ baseUrl: 'http://127.0.0.1:1', token: 'dal:x', version: v });
      assert.ok(api instanceof Client && api instanceof ConfigurationApi, v);
      assert.equal(api.version, v);
      for (const name of actions) assert.equal(typeof (api as any)[camelCase(name)], 'function', `${v} ${name}`);
    }
    assert.deepEqual([ACTIONS_V34.length, ACTIONS_V35.length, ACTIONS.length], [42, 63, 73]);
    // Default: v3.6, as the platform's SDK; `v3.5` spells a version too; another version is refused.
    const api = new ConfigurationApi({ baseUrl: 'http://127.0.0.1:1', token: 'dal:x' });
    assert.ok(api instanceof ConfigurationApiV36);
    assert.equal(typeof api.listGreetings, 'function');
    assert.equal(new ConfigurationApi({ baseUrl: 'http://127.0.0.1:1', token: 'dal:x', version: 'v3.5' }).version, '3.5');
    assert.throws(() => new ConfigurationApi({ baseUrl: 'http://127.0.0.1:1', token: 'dal:x', version: '3.3' as any }), /unknown API version 3\.3/);
    assert.equal((new ConfigurationApi({ baseUrl: 'http://127.0.0.1:1', token: 'dal:x', version: '3.4' }) as any).batchCreateAgents, undefined);
    for (const m of ['listAgents', 'batchCreateAgents', 'registerWebhook', 'listAutoAccesses', 'enableLicenseWebhooks']) {
      assert.equal(typeof (api as any)[m], 'function', m);
    }
  });

  it('is exported as config-api/client with type declarations', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.exports['./client'], { types: './dist/src/client/index.d.ts', import: './dist/src/client/index.js' });
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
    assert.equal(tsconfig.compilerOptions.declaration, true);
  });
});

describeStores('typed client against the real server', (h) => {
  let baseUrl: string;
  const called = new Set<string>();
  before(async () => {
    baseUrl = await listen(h());
  });

  it('drives every action and batch endpoint of v3.5 (63) through its method', async () => {
    const b = h().boot;
    const api = new ConfigurationApi({ baseUrl, token: b.bearer_token, version: '3.5', fetch: recordingFetch(h(), called) });
    const client = b.client_id;

    // Agents
    assert.deepEqual(await api.createAgent({ id: 'c1@example.com', name: 'C1' }), { id: 'c1@example.com' });
    const agent = await api.getAgent({ id: 'c1@example.com', fields: ['groups', 'suspended', 'work_scheduler', 'max_chats_count'] });
    assert.equal(agent.name, 'C1');
    assert.equal(agent.suspended, false);
    assert.ok((await api.listAgents({ fields: ['groups'] })).some((a) => a.id === 'c1@example.com'));
    await api.updateAgent({ id: 'c1@example.com', job_title: 'Lead' });
    await api.suspendAgent({ id: 'c1@example.com' });
    await api.unsuspendAgent({ id: 'c1@example.com' });
    await api.approveAgent({ id: 'c1@example.com' });
    await api.createAgent({ id: 'c2@example.com', name: 'C2' });
    await api.suspendAgent({ id: 'c2@example.com' });
    const suspended = await h().tokenFor('c2@example.com', ['agents--my:ro']);
    const asSuspended = new ConfigurationApi({ baseUrl, token: suspended.token, version: '3.5', fetch: recordingFetch(h(), called) });
    assert.deepEqual(await asSuspended.requestAgentUnsuspension(), {});
    await api.deleteAgent({ id: 'c1@example.com' });
    const created = await api.batchCreateAgents({ requests: [{ id: 'b1@example.com', name: 'B1' }, { id: 'bad', name: 'X' }] });
    assert.deepEqual(created.responses[0], { id: 'b1@example.com' });
    assert.equal((created.responses[1] as any).error.type, 'validation');
    await api.batchUpdateAgents({ requests: [{ id: 'b1@example.com', mobile: '123' }] });
    await api.batchSuspendAgents({ requests: [{ id: 'b1@example.com' }] });
    await api.batchUnsuspendAgents({ requests: [{ id: 'b1@example.com' }] });
    await api.batchApproveAgents({ requests: [{ id: 'b1@example.com' }] });
    assert.deepEqual(await api.batchDeleteAgents({ requests: [{ id: 'b1@example.com' }] }), { responses: [{}] });

    // Groups
    const { id: groupId } = await api.createGroup({ name: 'Sales', agent_priorities: { [b.owner.id]: 'normal' } });
    assert.equal((await api.getGroup({ id: groupId, fields: ['agent_priorities', 'routing_status'] })).name, 'Sales');
    assert.ok((await api.listGroups({})).some((g) => g.id === groupId));
    await api.updateGroup({ id: groupId, name: 'Sales EU' });

    // Bots and templates
    const bot = await api.createBot({ name: 'Bot' });
    assert.equal((await api.getBot({ id: bot.id, fields: ['groups', 'timezone'] })).name, 'Bot');
    assert.ok((await api.listBots({ all: true })).some((x) => x.id === bot.id));
    await api.updateBot({ id: bot.id, name: 'Bot 2' });
    const { secret } = await api.resetBotSecret({ id: bot.id });
    const { token } = await api.issueBotToken({ bot_id: bot.id, client_id: client, bot_secret: secret, organization_id: b.organization_id });
    assert.match(token, /^dal:/);
    await api.deleteBot({ id: bot.id });
    const bots = await api.batchCreateBots({ requests: [{ name: 'Batch bot' }] });
    const batchBotId = (bots.responses[0] as { id: string }).id;
    await api.batchUpdateBots({ requests: [{ id: batchBotId, name: 'Renamed' }] });
    await api.batchDeleteBots({ requests: [{ id: batchBotId }] });
    const tpl = await api.createBotTemplate({ name: 'Template', owner_client_id: client });
    assert.deepEqual((await api.listBotTemplates({ owner_client_id: client })).map((t) => t.id), [tpl.id]);
    await api.updateBotTemplate({ id: tpl.id, name: 'Template 2', owner_client_id: client });
    assert.match((await api.resetBotTemplateSecret({ id: tpl.id, owner_client_id: client })).secret, /^[0-9a-f]+$/);
    await api.deleteBotTemplate({ id: tpl.id, owner_client_id: client });

    // Tags
    await api.createTag({ name: 'vip', group_ids: [groupId] });
    assert.deepEqual((await api.listTags({})).map((t) => t.name), ['vip']);
    await api.updateTag({ name: 'vip', group_ids: [0] });
    await api.deleteTag({ name: 'vip' });

    // Auto access
    const rule = await api.addAutoAccess({ access: { groups: [0] }, conditions: { domain: { values: [{ value: 'example.com' }] } } });
    assert.equal((await api.listAutoAccesses())[0].id, rule.id);
    await api.updateAutoAccess({ id: rule.id, description: 'Example' });
    await api.deleteAutoAccess({ id: rule.id });

    // Properties
    await api.registerProperty({ name: 'client_prop', owner_client_id: client, type: 'string', access: { license: RW as any, group: RW as any } });
    await api.registerProperty({ name: 'temp_prop', owner_client_id: client, type: 'int', access: { license: RW as any } });
    await api.unregisterProperty({ name: 'temp_prop', owner_client_id: client });
    await api.publishProperty({ name: 'client_prop', owner_client_id: client, access_type: ['read'] });
    assert.deepEqual(Object.keys(await api.listProperties({ owner_client_id: client })), ['client_prop']);
    await api.updateLicenseProperties({ properties: { [client]: { client_prop: 'v' } } });
    assert.equal((await api.listLicenseProperties({}))[client]?.client_prop, 'v');
    await api.deleteLicenseProperties({ properties: { [client]: ['client_prop'] } });
    await api.updateGroupProperties({ group_id: groupId, properties: { [client]: { client_prop: 'g' } } });
    assert.equal((await api.listGroupsProperties({ group_ids: [groupId] }))[0].properties[client]?.client_prop, 'g');
    await api.deleteGroupProperties({ id: groupId, properties: { [client]: ['client_prop'] } });
    await api.deleteGroup({ id: groupId });

    // Webhooks (a loopback URL; unregistered right away)
    const hook = await api.registerWebhook({ action: 'tag_created', secret_key: 'k', url: 'http://127.0.0.1:9/hook', owner_client_id: client, type: 'license' });
    assert.deepEqual((await api.listWebhooks({ owner_client_id: client })).map((w) => w.id), [hook.id]);
    await api.unregisterWebhook({ id: hook.id, owner_client_id: client });
    assert.ok((await api.listWebhookNames()).some((n) => n.action === 'tag_created'));
    await api.disableLicenseWebhooks();
    assert.deepEqual(await api.getLicenseWebhooksState(), { license_webhooks_enabled: false });
    await api.enableLicenseWebhooks({ owner_client_id: client });

    // Other
    assert.ok(Array.isArray(await api.listChannels()));
    assert.ok(Array.isArray(await api.checkProductLimitsForPlan({ plan: 'starter' })));
    assert.equal(typeof (await api.getProductSource()).source_id, 'string');

    const missing = ACTIONS_V35.filter((a) => !called.has(a));
    assert.deepEqual(missing, [], `actions not driven through the client: ${missing.join(', ')}`);
    assert.equal(called.size, 63);
  });

  it('v3.6 (the default): its own methods and types, its differences answered by the server', async () => {
    const b = h().boot;
    const seen = new Set<string>();
    const api = new ConfigurationApi({ baseUrl, token: b.bearer_token, fetch: recordingFetch(h(), seen) });
    assert.deepEqual(await api.createAgent({ id: 'v36client@example.com', name: 'V36', max_chats_count: 20 }), { id: 'v36client@example.com' });
    const tooMany = await api.updateAgent({ id: 'v36client@example.com', max_chats_count: 21 }).catch((e: unknown) => e);
    assert.ok(tooMany instanceof ConfigApiError && tooMany.type === 'validation', String(tooMany));
    const renamed = await api.updateAgent({ id: 'v36client@example.com', name: 'X' } as any).catch((e: unknown) => e);
    assert.ok(renamed instanceof ConfigApiError && renamed.message === '`name` is not a supported parameter', String(renamed));
    const bot = await api.createBot({ name: 'Typed', type: 'assistant' });
    await api.updateBot({ id: bot.id, type: 'router' });
    const { id } = await api.createGreeting({
      type: 'normal', active: true, name: 'Hi', group: 0, rules: [{ condition: 'and', type: 'url_current', operator: 'contains', value: 'x' }],
    });
    assert.equal((await api.getGreeting({ id })).name, 'Hi');
    assert.deepEqual(await api.listCustomerBans(), []);
    assert.equal(typeof (await api.getCompanyDetails()).company, 'string');
    assert.deepEqual([...seen].sort(), ['create_agent', 'create_bot', 'create_greeting', 'get_company_details', 'get_greeting', 'list_customer_bans', 'update_bot']);
    // v3.4: no batches, no tags; its calls go to /v3.4/.
    const v34 = new ConfigurationApi({ baseUrl, token: b.bearer_token, version: '3.4', fetch: recordingFetch(h(), seen) });
    assert.ok((await v34.listAgents()).some((a) => a.id === 'v36client@example.com'));
    const noTags = await v34.call('list_tags', {}).catch((e: unknown) => e);
    assert.ok(noTags instanceof ConfigApiError && noTags.status === 404);
    // v3.4's own methods and shapes, typed: get_license_id, work_scheduler by day.
    assert.deepEqual(await v34.getLicenseId({ organization_id: b.organization_id }), { license_id: b.license_id });
    await v34.updateAgent({ id: 'v36client@example.com', work_scheduler: { monday: { start: '09:00', end: '10:00' } } });
    const agent = await v34.getAgent({ id: 'v36client@example.com', fields: ['work_scheduler'] });
    assert.deepEqual(agent.work_scheduler, { monday: { start: '09:00', end: '10:00' } });
  });

  it('authenticates with a PAT (Basic) and reaches actions through call()', async () => {
    const b = h().boot;
    const api = new ConfigurationApi({ baseUrl, pat: { accountId: b.owner.account_id, pat: b.pat } });
    assert.ok((await api.listGroups()).some((g) => g.id === 0));
    const viaCall = await api.call('list_groups', { fields: ['routing_status'] });
    assert.ok(viaCall.every((g) => typeof g.routing_status === 'string'));
    const untyped = await api.call('list_auto_access', {});
    assert.ok(Array.isArray(untyped));
  });

  it('throws ConfigApiError with type, message, data, status and action', async () => {
    const api = new ConfigurationApi({ baseUrl, token: h().boot.bearer_token });
    const err = await api.getAgent({ id: 'nobody@example.com' }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigApiError);
    assert.equal(err.type, 'not_found');
    assert.equal(err.status, 404);
    assert.match(err.message, /nobody@example\.com/);
    assert.equal(err.action, 'get_agent');
    assert.equal(err.data, undefined);
    assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/, 'the X-Request-Id of the answer');
    const invalid = await api.createAgent({ id: 'x@example.com' } as any).catch((e: unknown) => e);
    assert.ok(invalid instanceof ConfigApiError);
    assert.deepEqual([invalid.type, invalid.status, invalid.message], ['validation', 400, '`name` is required']);
    const wrongRegion = new ConfigurationApi({ baseUrl, token: h().boot.bearer_token, region: 'fra' });
    const misdirected = await wrongRegion.listGroups().catch((e: unknown) => e);
    assert.ok(misdirected instanceof ConfigApiError);
    assert.equal(misdirected.type, 'misdirected_request');
    assert.equal(misdirected.status, 421);
  });

  it('reports the X-Request-Id of each answer (a UUID per request)', async () => {
    const api = new ConfigurationApi({ baseUrl, token: h().boot.bearer_token });
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const err = await api.getGroup({ id: 999_999 }).catch((e: unknown) => e);
      assert.ok(err instanceof ConfigApiError && err.type === 'group_not_found');
      ids.add(err.requestId!);
    }
    assert.equal(ids.size, 3);
    const res = await fetch(`${baseUrl}/healthz`);
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('sends the bearer token’s region as X-Region', async () => {
    const seen: (string | null)[] = [];
    const api = new ConfigurationApi({
      baseUrl,
      token: h().boot.bearer_token,
      fetch: async (input, init) => {
        seen.push(new Headers(init?.headers).get('x-region'));
        return fetch(input, init);
      },
    });
    await api.listGroups();
    assert.deepEqual(seen, [h().boot.bearer_token.split(':')[0]]);
  });
});

describe('typed client: retries of too_many_requests [sqlite]', () => {
  const h = new Harness('sqlite');
  let baseUrl: string;
  before(async () => {
    await h.start({ rateLimit: { max: 2, windowMs: 1000 } });
    baseUrl = await listen(h);
  });
  after(() => h.stop());

  it('without retries: ConfigApiError too_many_requests (429) with retryAfter', async () => {
    const api = new ConfigurationApi({ baseUrl, token: h.boot.bearer_token });
    let err: unknown;
    for (let i = 0; i < 3 && !err; i++) err = await api.listGroups().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ConfigApiError, 'the third call within the window is limited');
    assert.equal(err.type, 'too_many_requests');
    assert.equal(err.status, 429);
    assert.ok(err.retryAfter !== undefined && err.retryAfter > 0);
  });

  it('with retries: waits Retry-After and succeeds', async () => {
    const statuses: number[] = [];
    const pat = await h.patFor(h.boot.owner.id); // a fresh credential: its own budget
    const [accountId, secret] = Buffer.from(pat.slice('Basic '.length), 'base64').toString().split(':');
    const api = new ConfigurationApi({ baseUrl, pat: { accountId, pat: secret }, retries: 3, fetch: recordingFetch(h, new Set(), statuses) });
    for (let i = 0; i < 3; i++) assert.ok(Array.isArray(await api.listGroups()));
    assert.ok(statuses.includes(429), `a 429 was answered and retried: ${statuses.join(',')}`);
    assert.equal(statuses.at(-1), 200);
  });
});
