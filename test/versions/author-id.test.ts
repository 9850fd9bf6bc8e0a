/**
 * Bot authorization by `X-Author-Id` (configuration-api-v3.5.md "Bots": an agent's token and the header make calls
 * as a bot), through v3.5 and v3.4 (`VersionRules.botAuthorHeader`), and its refusal through v3.6, where bot tokens
 * are the only bot authorization. On both stores through the real server.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStores, expectError } from '../support/harness.js';

describeStores('X-Author-Id: an agent token acting as a bot (v3.5 and lower; refused by v3.6)', (h) => {
  const asAuthor = (bot: string, o: Record<string, unknown> = {}) => ({ headers: { 'x-author-id': bot }, ...o });
  const myBots = async (o: Record<string, unknown> = {}) =>
    ((await h().ok('list_bots', { all: false }, o)) as Array<{ id: string }>).map((b) => b.id).sort();

  it('through v3.5 and v3.4 the owner token with X-Author-Id acts as its bot: the bot sees itself only, changes itself', async () => {
    const { id: one } = await h().ok('create_bot', { name: 'One' });
    const { id: two } = await h().ok('create_bot', { name: 'Two' });
    const mine = await myBots();
    assert.ok(mine.includes(one) && mine.includes(two), 'the agent reaches both bots');
    for (const version of ['v3.5', 'v3.4']) {
      assert.deepEqual(await myBots(asAuthor(one, { version })), [one], `${version}: acting as the bot, its own bots are itself`);
    }
    // Acting as itself, the bot changes itself (agents-bot--my:rw reach: itself).
    await h().ok('update_bot', { id: one, name: 'Renamed by itself' }, asAuthor(one));
    assert.equal((await h().ok('get_bot', { id: one })).name, 'Renamed by itself');
    // Letter case of the id does not matter, an empty header is no header.
    assert.deepEqual(await myBots(asAuthor(one.toUpperCase())), [one]);
    assert.deepEqual(await myBots(asAuthor('')), mine);
  });

  it('refuses (authorization, 403) a bot the credential may not act for, an unknown id, an agent id', async () => {
    const pat = `Basic ${h().boot.basic_auth}`;
    const { id: patBot } = await h().ok('create_bot', { name: 'By PAT', owner_client_id: h().boot.client_id }, { authorization: pat });
    const { id: appBot } = await h().ok('create_bot', { name: 'By app' });
    // A bot created with a PAT is not the app token's, and the other way round.
    for (const [bot, o] of [[patBot, {}], [appBot, { authorization: pat }], ['0123456789abcdef0123456789abcdef', {}], [h().boot.owner.id, {}]] as const) {
      const res = await h().call('list_bots', { all: false }, asAuthor(bot, o));
      expectError(res, 'authorization', 403);
      assert.match(res.body.error.message, /X-Author-Id/);
    }
    // The PAT acts for its own bot.
    assert.deepEqual(await myBots(asAuthor(patBot, { authorization: pat })), [patBot]);
  });

  it('an agent with another application, a suspended agent, a bot token naming another bot: refused', async () => {
    const { id: bot } = await h().ok('create_bot', { name: 'Owned by the bootstrap app' });
    const other = await h().agentWithToken('other-app@example.com', ['agents-bot--all:rw', 'agents-bot--my:rw'], { clientId: null });
    expectError(await h().call('list_bots', { all: false }, asAuthor(bot, { token: other.token })), 'authorization', 403);
    const suspended = await h().agentWithToken('suspended-author@example.com', ['agents-bot--all:rw', 'agents-bot--my:rw']);
    assert.deepEqual(await myBots(asAuthor(bot, { token: suspended.token })), [bot], 'its app owns the bot: it may act for it');
    await h().ok('suspend_agent', { id: 'suspended-author@example.com' });
    const res = await h().call('list_bots', { all: false }, asAuthor(bot, { token: suspended.token }));
    expectError(res, 'authorization', 403);
    assert.equal(res.body.error.message, 'The agent is suspended');
    // A bot token already is its bot: naming itself is accepted, another bot is not.
    const { id: second, secret } = await h().ok('create_bot', { name: 'With a token' }).then(async (b: any) => ({ id: b.id, secret: b.secret }));
    const { token } = await h().ok('issue_bot_token', { bot_id: second, bot_secret: secret, client_id: h().boot.client_id, organization_id: h().boot.organization_id });
    assert.deepEqual(await myBots(asAuthor(second, { token })), [second]);
    expectError(await h().call('list_bots', { all: false }, asAuthor(bot, { token })), 'authorization', 403);
  });

  it('v3.6 refuses the header (validation, 400) on every action, batches included; without it the same call passes', async () => {
    const { id: bot } = await h().ok('create_bot', { name: 'v3.6 bot' });
    for (const [action, body] of [['list_bots', { all: false }], ['list_agents', {}], ['batch_update_bots', { requests: [{ id: bot, job_title: 'x' }] }]] as const) {
      const res = await h().call(action, body, asAuthor(bot, { version: 'v3.6' }));
      expectError(res, 'validation', 400);
      assert.match(res.body.error.message, /X-Author-Id/);
    }
    await h().ok('list_bots', { all: false }, { version: 'v3.6' });
    await h().ok('list_bots', { all: false }, asAuthor('', { version: 'v3.6' }));
  });

  it('CORS preflights allow the header (browser integrations of v3.5 and lower)', async () => {
    const pre = await h().app.inject({
      method: 'OPTIONS',
      url: '/v3.5/configuration/action/list_bots',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,x-author-id' },
    });
    assert.equal(pre.statusCode, 204);
    assert.ok(String(pre.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/).includes('x-author-id'));
  });

  it('the OpenAPI documents of v3.4 and v3.5 list the header on every authenticated operation; v3.6 does not', async () => {
    for (const [version, listed] of [['3.4', true], ['3.5', true], ['3.6', false]] as const) {
      const doc = JSON.parse((await h().app.inject({ method: 'GET', url: `/openapi.json?version=${version}` })).body);
      const params = (path: string) => (doc.paths[`/v${version}/configuration/action/${path}`].post.parameters ?? []).map((p: any) => p.name);
      assert.equal(params('list_bots').includes('X-Author-Id'), listed, version);
      assert.equal(params('list_webhook_names').includes('X-Author-Id'), false, `${version}: no authentication, no header`);
    }
  });
});
