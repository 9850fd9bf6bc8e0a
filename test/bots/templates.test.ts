import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError, type Harness, eventsSince, lastSeq, install, newApp } from '../support/harness.js';
import { hashSecret } from '../../src/kernel/crypto.js';
import { HEX32, botRow } from '../support/bots.js';

/** A token of the bootstrap owner bound to `clientId`. */
async function tokenForApp(h: Harness, clientId: string, scopes = ['bots.templates:rw']): Promise<string> {
  return (await h.tokenFor(h.boot.owner.id, scopes, { clientId })).token;
}

function issue(h: Harness, botId: string, clientId: string, secret: string, organizationId: string) {
  return h.call('issue_bot_token', { bot_id: botId, client_id: clientId, bot_secret: secret, organization_id: organizationId }, { token: null });
}

describeStores('bots: templates', (h) => {
  it('create_bot_template returns {id, secret}; list_bot_templates shows it; the secret is stored hashed', async () => {
    const app = await newApp(h());
    const res = await h().ok('create_bot_template', { name: 'Template', avatar: 'https://x/a.png', job_title: 'T', owner_client_id: app });
    assert.deepEqual(Object.keys(res).sort(), ['id', 'secret']);
    assert.match(res.id, HEX32);
    assert.match(res.secret, HEX32);
    const row = await h().store.db.selectFrom('bot_templates').selectAll().where('id', '=', res.id).executeTakeFirstOrThrow();
    assert.equal(row.secret_hash, hashSecret(res.secret));
    assert.deepEqual(await h().ok('list_bot_templates', { owner_client_id: app }), [
      {
        id: res.id,
        name: 'Template',
        avatar: 'https://x/a.png',
        max_chats_count: 6,
        default_group_priority: 'first',
        job_title: 'T',
        owner_client_id: app,
      },
    ]);
    // with a Bearer token, owner_client_id defaults to the token's client id (as in the spec's examples)
    const token = await tokenForApp(h(), app);
    assert.match((await h().ok('create_bot_template', { name: 'By token' }, { token })).id, HEX32);
    assert.deepEqual((await h().ok('list_bot_templates', {}, { token })).map((t: any) => t.name), ['Template', 'By token']);
    assert.deepEqual(await h().ok('list_bot_templates', {}), []);
  });

  it('validates parameters and ownership of owner_client_id', async () => {
    const app = await newApp(h());
    for (const body of [
      { owner_client_id: app },
      { name: '', owner_client_id: app },
      { name: 'x', owner_client_id: app, max_chats_count: 501 },
      { name: 'x', owner_client_id: app, default_group_priority: 'high' },
      { name: 'x', owner_client_id: app, affect_existing_installations: 'yes' },
      { name: 'x', owner_client_id: app, groups: [] },
    ]) {
      expectError(await h().call('create_bot_template', body), 'validation', 400);
    }
    const foreign = await h().bootstrap();
    const res = await h().call('create_bot_template', { name: 'x', owner_client_id: foreign.client_id });
    expectError(res, 'authorization', 403);
    assert.match(res.body.error.message, /not an application of your organization/);
    expectError(await h().call('list_bot_templates', { owner_client_id: foreign.client_id }), 'authorization', 403);
    const pat = `Basic ${h().boot.basic_auth}`;
    expectError(await h().call('create_bot_template', { name: 'x' }, { authorization: pat }), 'validation', 400);
    assert.match((await h().ok('create_bot_template', { name: 'x', owner_client_id: app }, { authorization: pat })).id, HEX32);
  });

  it('allows at most 5 templates per client id (6th → limit_reached)', async () => {
    const app = await newApp(h());
    for (let i = 0; i < 5; i++) await h().ok('create_bot_template', { name: `T${i}`, owner_client_id: app });
    expectError(await h().call('create_bot_template', { name: 'T6', owner_client_id: app }), 'limit_reached', 422);
    const other = await newApp(h());
    assert.match((await h().ok('create_bot_template', { name: 'T', owner_client_id: other })).id, HEX32);
  });

  it('keeps the limit under concurrent creations', async () => {
    const app = await newApp(h());
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) => h().call('create_bot_template', { name: `C${i}`, owner_client_id: app })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 5);
    for (const r of results.filter((x) => x.status !== 200)) expectError(r, 'limit_reached', 422);
  });

  it('every template action needs bots.templates:rw', async () => {
    const app = await newApp(h());
    const { id } = await h().ok('create_bot_template', { name: 'Scoped', owner_client_id: app });
    const denied = await tokenForApp(h(), app, ['agents-bot--all:rw']);
    const calls: [string, object][] = [
      ['create_bot_template', { name: 'x' }],
      ['update_bot_template', { id, name: 'x' }],
      ['list_bot_templates', {}],
      ['reset_bot_template_secret', { id }],
      ['delete_bot_template', { id }],
    ];
    for (const [action, body] of calls) expectError(await h().call(action, body, { token: denied }), 'authorization', 403);
    const allowed = await tokenForApp(h(), app);
    for (const [action, body] of calls) assert.equal((await h().call(action, body, { token: allowed })).status, 200, action);
  });

  it('update/delete/reset of an unknown template, or one of another client, → not_found', async () => {
    const app = await newApp(h());
    const app2 = await newApp(h());
    const { id } = await h().ok('create_bot_template', { name: 'Mine', owner_client_id: app });
    for (const [action, body] of [
      ['update_bot_template', { name: 'x' }],
      ['delete_bot_template', {}],
      ['reset_bot_template_secret', {}],
    ] as const) {
      expectError(await h().call(action, { id: 'ffffffffffffffffffffffffffffffff', owner_client_id: app, ...body }), 'not_found', 404);
      expectError(await h().call(action, { id, owner_client_id: app2, ...body }), 'not_found', 404);
      expectError(await h().call(action, { owner_client_id: app, ...body }), 'validation', 400);
    }
    const other = await h().bootstrap();
    expectError(await h().call('update_bot_template', { id, name: 'x', owner_client_id: app }, { token: other.bearer_token }), 'authorization', 403);
    expectError(await h().call('update_bot_template', { id, name: 'x' }, { token: other.bearer_token }), 'not_found', 404);
  });

  it('installing the application creates the template bot on the licence (same id, template secret)', async () => {
    const app = await newApp(h());
    const tpl = await h().ok('create_bot_template', { name: 'Installed', job_title: 'Greeter', max_chats_count: 9, owner_client_id: app });
    const lic = await h().bootstrap();
    const seq = await lastSeq(h(), lic.license_id);
    assert.equal(await install(h(), app, lic.license_id), true);
    const row = await botRow(h(), lic.license_id, tpl.id);
    assert.equal(row?.created_via, 'template');
    assert.equal(row?.owner_client_id, app);
    const bot = await h().ok('get_bot', { id: tpl.id, fields: ['job_title', 'max_chats_count'] }, { token: lic.bearer_token });
    assert.deepEqual(bot, {
      id: tpl.id, name: 'Installed', avatar: '', default_group_priority: 'first', owner_client_id: app, job_title: 'Greeter', max_chats_count: 9,
    });
    const events = await eventsSince(h(), seq, undefined, lic.license_id);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.action, 'bot_created');
    assert.equal(events[0]!.source_client_id, app);
    assert.equal(events[0]!.payload.id, tpl.id);
    assert.equal((await issue(h(), tpl.id, app, tpl.secret, lic.organization_id)).status, 200);
    // the template bot is visible to callers using the application (all:false)
    const appToken = (await h().tokenFor(lic.owner.id, ['agents-bot--my:ro'], { clientId: app, licenseId: lic.license_id })).token;
    assert.deepEqual((await h().ok('list_bots', {}, { token: appToken })).map((b: any) => b.id), [tpl.id]);
    assert.deepEqual(await h().ok('list_bots', {}, { token: lic.bearer_token }), []);
  });

  it('affect_existing_installations propagates create, update, secret reset and delete to installed licences', async () => {
    const lic1 = await h().bootstrap();
    const lic2 = await h().bootstrap();
    const app = await newApp(h(), { install: [lic1.license_id, lic2.license_id] });
    const seq1 = await lastSeq(h(), lic1.license_id);
    const seq2 = await lastSeq(h(), lic2.license_id);

    // create without affect: no bots on existing installations
    const quiet = await h().ok('create_bot_template', { name: 'Quiet', owner_client_id: app });
    assert.equal(await botRow(h(), lic1.license_id, quiet.id), undefined);

    const tpl = await h().ok('create_bot_template', { name: 'Loud', owner_client_id: app, affect_existing_installations: true });
    for (const lic of [lic1, lic2]) {
      const row = await botRow(h(), lic.license_id, tpl.id);
      assert.equal(row?.name, 'Loud');
      assert.equal(row?.secret_hash, hashSecret(tpl.secret));
    }

    // update without affect leaves bots alone; with affect updates them and reports only what changed
    await h().ok('update_bot_template', { id: tpl.id, owner_client_id: app, job_title: 'Quiet title' });
    assert.equal((await botRow(h(), lic1.license_id, tpl.id))?.job_title, null);
    await h().ok('update_bot_template', { id: tpl.id, owner_client_id: app, name: 'Louder', max_chats_count: 6, affect_existing_installations: true });
    assert.equal((await botRow(h(), lic1.license_id, tpl.id))?.name, 'Louder');
    assert.equal((await botRow(h(), lic2.license_id, tpl.id))?.name, 'Louder');

    // secret reset: without affect the bots keep the old secret; with affect they get the new one
    const { secret: s2 } = await h().ok('reset_bot_template_secret', { id: tpl.id, owner_client_id: app });
    assert.equal((await issue(h(), tpl.id, app, tpl.secret, lic1.organization_id)).status, 200);
    expectError(await issue(h(), tpl.id, app, s2, lic1.organization_id), 'authentication', 401);
    const { secret: s3 } = await h().ok('reset_bot_template_secret', { id: tpl.id, owner_client_id: app, affect_existing_installations: true });
    assert.match(s3, HEX32);
    expectError(await issue(h(), tpl.id, app, tpl.secret, lic1.organization_id), 'authentication', 401);
    assert.equal((await issue(h(), tpl.id, app, s3, lic2.organization_id)).status, 200);

    // a new installation gets the bot with the current template data and secret
    const lic3 = await h().bootstrap();
    await install(h(), app, lic3.license_id);
    assert.equal((await botRow(h(), lic3.license_id, tpl.id))?.name, 'Louder');
    assert.equal((await botRow(h(), lic3.license_id, tpl.id))?.job_title, 'Quiet title');
    assert.equal((await botRow(h(), lic3.license_id, quiet.id))?.name, 'Quiet');
    assert.equal((await issue(h(), tpl.id, app, s3, lic3.organization_id)).status, 200);

    // delete with affect removes the bots everywhere (group memberships included)
    await h().ok('update_bot', { id: tpl.id, groups: [{ id: 0, priority: 'normal' }] }, { token: (await h().tokenFor(lic1.owner.id, ['agents-bot--all:rw'], { licenseId: lic1.license_id })).token });
    await h().ok('delete_bot_template', { id: quiet.id, owner_client_id: app });
    assert.equal((await botRow(h(), lic3.license_id, quiet.id))?.name, 'Quiet');
    await h().ok('delete_bot_template', { id: tpl.id, owner_client_id: app, affect_existing_installations: true });
    for (const lic of [lic1, lic2, lic3]) assert.equal(await botRow(h(), lic.license_id, tpl.id), undefined);
    const members = await h().store.db.selectFrom('group_members').select('agent_id').where('agent_id', '=', tpl.id).execute();
    assert.deepEqual(members, []);
    assert.deepEqual(await h().ok('list_bot_templates', { owner_client_id: app }), []);

    // events per licence: created, updated (only changed fields), deleted — sourced from the template's client id
    const ev1 = (await eventsSince(h(), seq1, undefined, lic1.license_id)).filter((e) => e.payload.id === tpl.id);
    assert.deepEqual(ev1.map((e) => e.action), ['bot_created', 'bot_updated', 'bot_updated', 'bot_deleted']);
    assert.deepEqual(ev1[1]!.payload, { id: tpl.id, name: 'Louder' });
    assert.ok(ev1.filter((e) => e.action !== 'bot_updated' || e.payload.name).every((e) => e.source_client_id === app));
    const ev2 = (await eventsSince(h(), seq2, undefined, lic2.license_id)).filter((e) => e.payload.id === tpl.id);
    assert.deepEqual(ev2.map((e) => [e.action, e.source_client_id]), [['bot_created', app], ['bot_updated', app], ['bot_deleted', app]]);
  });
});
