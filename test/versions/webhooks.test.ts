/**
 * Webhooks are delivered in the format of the version they were registered through (src/webhooks/formats.ts, the
 * version modules' `v34Webhooks`/`v36Webhooks`), on both stores through the real server and a real receiver:
 * v3.5 exactly as always; v3.6 with `requester` (the caller whose action caused the event) after `payload`; v3.4 with
 * one `auto_access_added`/`_updated`/`_deleted` event per changed rule and no tag events. list_webhooks lists every
 * webhook of the client id, whatever the version it was registered through.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, type Harness } from '../support/harness.js';
import { Receiver, fastRetries, versionedWebhooks } from '../support/webhooks.js';
import { WEBHOOK_FORMATS } from '../../src/versions/index.js';
import { Migrator, type Kysely } from 'kysely';
import { openStore } from '../../src/store/open.js';
import { migrations } from '../../src/store/migrations/index.js';
import { freshDatabase } from '../support/stores.js';

const ENVELOPE_V35 = ['webhook_id', 'secret_key', 'action', 'organization_id', 'payload', 'additional_data'];
const ENVELOPE_V36 = ['webhook_id', 'secret_key', 'action', 'organization_id', 'payload', 'requester', 'additional_data'];

const RULE = {
  description: 'Shoes',
  access: { groups: [0] },
  conditions: { domain: { values: [{ value: 'shop.example.com', exact_match: true }] } },
};

it('the formats: v3.5 as recorded, v3.6 with requester, v3.4 splits auto access changes and has no tag events', () => {
  const items = [{ id: 'a', status: 'added', description: 'd', access: {}, conditions: {}, next_id: '' }, { id: 'b', status: 'updated', next_id: 'a' }, { id: 'c', status: 'deleted' }];
  assert.deepEqual(WEBHOOK_FORMATS.get('3.5')!.events('auto_accesses_updated', items), [{ action: 'auto_accesses_updated', payload: items }]);
  assert.deepEqual(WEBHOOK_FORMATS.get('3.6')!.events('auto_accesses_updated', items), [{ action: 'auto_accesses_updated', payload: items }]);
  assert.deepEqual(WEBHOOK_FORMATS.get('3.4')!.events('auto_accesses_updated', items), [
    { action: 'auto_access_added', payload: { id: 'a', description: 'd', access: {}, conditions: {}, next_id: '' } },
    { action: 'auto_access_updated', payload: { id: 'b', next_id: 'a' } },
    { action: 'auto_access_deleted', payload: { id: 'c' } },
  ]);
  for (const tag of ['tag_created', 'tag_updated', 'tag_deleted'] as const) assert.deepEqual(WEBHOOK_FORMATS.get('3.4')!.events(tag, { name: 'x' }), []);
  assert.deepEqual(WEBHOOK_FORMATS.get('3.4')!.events('group_deleted', { id: 1 }), [{ action: 'group_deleted', payload: { id: 1 } }]);
  assert.deepEqual([...WEBHOOK_FORMATS].map(([v, f]) => [v, f.requester]), [['3.5', false], ['3.4', false], ['3.6', true]]);
});

describeStores('webhooks in the format of the version they were registered through', (h) => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.stop());

  const { register, delivered } = versionedWebhooks(h, rx);
  const storedVersion = async (hh: Harness, id: string) =>
    (await hh.store.db.selectFrom('webhooks').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;

  it('agent_created: v3.5 as always, v3.6 with requester after payload, v3.4 as v3.5; each webhook stores its version', async () => {
    const lic = await h().bootstrap();
    const base = `/agent-created/${lic.license_id}`;
    const ids: Record<string, string> = {};
    for (const v of ['v3.4', 'v3.5', 'v3.6']) ids[v] = await register(lic, v, 'agent_created', `${base}/${v}`);
    assert.deepEqual(await Promise.all(Object.values(ids).map((id) => storedVersion(h(), id))), ['3.4', '3.5', '3.6']);
    await h().ok('create_agent', { id: 'smith@example.com', name: 'Agent Smith' }, { token: lic.bearer_token });
    const [v35] = await delivered(`${base}/v3.5`);
    const [v36] = await delivered(`${base}/v3.6`);
    const [v34] = await delivered(`${base}/v3.4`);
    assert.deepEqual(Object.keys(v35!.body), ENVELOPE_V35);
    assert.deepEqual(Object.keys(v34!.body), ENVELOPE_V35);
    assert.deepEqual(Object.keys(v36!.body), ENVELOPE_V36);
    assert.deepEqual(v36!.body.requester, { user_id: lic.owner.id, account_id: lic.owner.account_id, client_id: lic.client_id });
    assert.deepEqual(v36!.body.payload, v35!.body.payload);
    assert.equal(v36!.body.webhook_id, ids['v3.6']);
    assert.equal(v35!.raw.includes('requester'), false);
    // list_webhooks, through any version, lists the three.
    for (const version of ['v3.4', 'v3.5', 'v3.6']) {
      const list = await h().ok('list_webhooks', { owner_client_id: lic.client_id }, { token: lic.bearer_token, version });
      assert.deepEqual(list.map((w: any) => w.id).sort(), Object.values(ids).sort(), version);
      for (const w of list) assert.equal('version' in w, false);
    }
  });

  it('requester is the caller who acted: another agent, a PAT (no client_id), an agent token acting as its bot', async () => {
    const lic = await h().bootstrap();
    const path = `/requester/${lic.license_id}`;
    await register(lic, 'v3.6', 'group_created', path);
    await h().ok('create_agent', { id: 'jones@example.com', name: 'Jones', role: 'administrator' }, { token: lic.bearer_token });
    const jones = await h().tokenFor('jones@example.com', ['groups--all:rw', 'groups--my:rw'], { licenseId: lic.license_id, clientId: lic.client_id });
    await h().ok('create_group', { name: 'By Jones', agent_priorities: { 'jones@example.com': 'normal' } }, { token: jones.token, version: 'v3.6' });
    await h().ok('create_group', { name: 'By PAT', agent_priorities: { [lic.owner.id]: 'normal' } }, { authorization: `Basic ${lic.basic_auth}` });
    const { id: bot } = await h().ok('create_bot', { name: 'Author' }, { token: lic.bearer_token });
    await h().ok('create_group', { name: 'By the bot', agent_priorities: { [lic.owner.id]: 'normal' } }, { token: lic.bearer_token, headers: { 'x-author-id': bot } });
    const [byJones, byPat, byBot] = await delivered(path, 3);
    assert.deepEqual(byJones!.body.requester, { user_id: 'jones@example.com', account_id: jones.accountId, client_id: lic.client_id });
    assert.deepEqual(byPat!.body.requester, { user_id: lic.owner.id, account_id: lic.owner.account_id });
    const botAccount = await h().store.db.selectFrom('agents').select('account_id').where('license_id', '=', lic.license_id).where('id', '=', bot).executeTakeFirstOrThrow();
    assert.deepEqual(byBot!.body.requester, { user_id: bot, account_id: botAccount.account_id, client_id: lic.client_id });
  });

  it('auto access: v3.4 webhooks get one auto_access_* per changed rule (no status), v3.5 and v3.6 the array', async () => {
    const lic = await h().bootstrap();
    const base = `/auto-access/${lic.license_id}`;
    for (const a of ['auto_access_added', 'auto_access_updated', 'auto_access_deleted']) await register(lic, 'v3.4', a, `${base}/${a}`);
    await register(lic, 'v3.5', 'auto_accesses_updated', `${base}/v3.5`);
    await register(lic, 'v3.6', 'auto_accesses_updated', `${base}/v3.6`);
    const api = (action: string, body: unknown) => h().ok(action, body, { token: lic.bearer_token });
    const { id: first } = await api('add_auto_access', RULE);
    const [added] = await delivered(`${base}/auto_access_added`);
    assert.equal(added!.body.action, 'auto_access_added');
    assert.deepEqual(Object.keys(added!.body), ENVELOPE_V35);
    assert.deepEqual(added!.body.payload, { id: first, ...RULE, next_id: '' });
    const [array35] = await delivered(`${base}/v3.5`);
    assert.deepEqual(array35!.body.payload, [{ id: first, ...RULE, next_id: '', status: 'added' }]);
    const [array36] = await delivered(`${base}/v3.6`);
    assert.deepEqual(array36!.body.payload, array35!.body.payload);
    assert.ok(array36!.body.requester);

    await api('update_auto_access', { id: first, description: 'Boots' });
    const [updated] = await delivered(`${base}/auto_access_updated`);
    assert.equal(updated!.body.action, 'auto_access_updated');
    assert.equal(updated!.body.payload.id, first);
    assert.equal(updated!.body.payload.description, 'Boots');
    assert.equal('status' in updated!.body.payload, false);

    await api('delete_auto_access', { id: first });
    const [deleted] = await delivered(`${base}/auto_access_deleted`);
    assert.deepEqual(deleted!.body, { ...deleted!.body, action: 'auto_access_deleted', payload: { id: first } });
    // Every v3.5 delivery is the array of that call's changes, one per call.
    const v35 = await delivered(`${base}/v3.5`, 3);
    assert.deepEqual(v35.map((r) => r.body.payload.map((i: any) => i.status).join()), ['added', 'updated', 'deleted']);
  });

  it('a change of several rules reaches v3.4 webhooks as one event per rule, in the order of the v3.5 array', async () => {
    const lic = await h().bootstrap();
    const base = `/auto-access-many/${lic.license_id}`;
    await register(lic, 'v3.4', 'auto_access_updated', `${base}/updated`);
    await register(lic, 'v3.4', 'auto_access_added', `${base}/added`);
    await register(lic, 'v3.5', 'auto_accesses_updated', `${base}/v3.5`);
    const api = (action: string, body: unknown) => h().ok(action, body, { token: lic.bearer_token });
    const { id: a } = await api('add_auto_access', RULE);
    // A rule added at the end changes the link of the rule before it: one call, two changed rules.
    const { id: c } = await api('add_auto_access', { ...RULE, description: 'Last' });
    const v35 = await delivered(`${base}/v3.5`, 2);
    assert.deepEqual(v35[1]!.body.payload, [{ id: a, next_id: c, status: 'updated' }, { id: c, ...RULE, description: 'Last', next_id: '', status: 'added' }]);
    const added = await delivered(`${base}/added`, 2);
    assert.deepEqual(added.map((r) => r.body.payload.id), [a, c]);
    const [updated] = await delivered(`${base}/updated`);
    assert.deepEqual(updated!.body.payload, { id: a, next_id: c });
    const events = await h().store.db
      .selectFrom('webhook_events').select(['action', 'requester', 'seq']).where('license_id', '=', lic.license_id).orderBy('seq').execute();
    assert.deepEqual(events.map((e) => e.action), [
      'auto_accesses_updated', 'auto_access_added', 'auto_accesses_updated', 'auto_access_updated', 'auto_access_added',
    ]);
    assert.ok(events.every((e) => e.requester === null), 'no v3.6 webhook: no requester stored');
  });

  it('migration 0017: webhooks registered before it are v3.5 webhooks; it can be reverted', async () => {
    const fresh = await freshDatabase(h().kind);
    const store = openStore(fresh.url, { poolSize: 2 });
    try {
      const names = Object.keys(migrations);
      const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } });
      assert.equal((await migrator.migrateTo(names[names.indexOf('0017_webhook_versions') - 1]!)).error, undefined);
      const db = store.db as unknown as Kysely<any>;
      const at = '2024-05-01T10:00:00.000Z';
      await db.insertInto('webhooks').values({
        id: 'old-webhook', organization_id: 'org', owner_client_id: 'client', action: 'agent_created', type: 'license',
        url: 'https://example.com/hook', secret_key: 's', description: null, filters: null, additional_data: null, created_at: at,
      }).execute();
      assert.equal((await migrator.migrateToLatest()).error, undefined);
      assert.equal((await db.selectFrom('webhooks').select('version').executeTakeFirstOrThrow()).version, '3.5');
      assert.equal((await migrator.migrateTo(names[names.indexOf('0017_webhook_versions') - 1]!)).error, undefined, 'reverted');
      assert.equal(Object.keys(await db.selectFrom('webhooks').selectAll().executeTakeFirstOrThrow()).includes('version'), false);
    } finally {
      await store.close();
      await fresh.drop();
    }
  });

  it('v3.4 cannot register tag actions; v3.6 and v3.5 tag webhooks receive tag events, v3.6 with requester', async () => {
    const lic = await h().bootstrap();
    const base = `/tags/${lic.license_id}`;
    const refused = await h().call('register_webhook', {
      action: 'tag_created', url: rx.url(base), secret_key: 's', type: 'license', owner_client_id: lic.client_id,
    }, { token: lic.bearer_token, version: 'v3.4' });
    assert.equal(refused.body.error.type, 'validation');
    await register(lic, 'v3.5', 'tag_created', `${base}/v3.5`);
    await register(lic, 'v3.6', 'tag_created', `${base}/v3.6`);
    await h().ok('create_tag', { name: 'vip' }, { token: lic.bearer_token });
    const [t35] = await delivered(`${base}/v3.5`);
    const [t36] = await delivered(`${base}/v3.6`);
    assert.deepEqual(t36!.body.payload, t35!.body.payload);
    assert.deepEqual(Object.keys(t36!.body), ENVELOPE_V36);
  });
}, { env: fastRetries(), eventLog: 'subscribed' });
