import { it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describeStores, expectError, eventsSince, lastSeq } from '../support/harness.js';
import { createApp } from '../../src/app.js';
import { insertAgent } from '../../src/agents/repo.js';
import { hashSecret } from '../../src/kernel/crypto.js';

describeStores('bots: issue_bot_token and bot tokens', (h) => {
  async function botWithToken(name = 'Chatty') {
    const { id, secret } = await h().ok('create_bot', { name });
    const res = await h().call(
      'issue_bot_token',
      { bot_id: id, client_id: h().boot.client_id, bot_secret: secret, organization_id: h().boot.organization_id },
      { token: null },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { id, secret, token: res.body.token as string };
  }

  it('issues a region-prefixed HS256 JWT valid 24 h with the bot scopes, without an Authorization header', async () => {
    const { id, token } = await botWithToken();
    assert.match(token, /^dal:eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwt(token.slice(4));
    assert.equal(claims.sub, id);
    assert.equal(claims.scope, 'chats--access:rw agents-bot--my:rw customers:rw');
    assert.equal(claims.exp! - claims.iat!, 24 * 60 * 60);
    assert.equal(claims.lic, h().boot.license_id);
    assert.equal(decodeProtectedHeader(token.slice(4)).kid, h().signingKeys.current.kid, 'the header names the signing key');
    // a Bearer token in the request (as the spec example sends) is accepted too
    const { secret, id: id2 } = await h().ok('create_bot', { name: 'With header' });
    const body = { bot_id: id2, client_id: h().boot.client_id, bot_secret: secret, organization_id: h().boot.organization_id };
    assert.match((await h().ok('issue_bot_token', body)).token, /^dal:/);
  });

  it('refuses wrong credentials with authentication, not saying which field was wrong', async () => {
    const { id, secret } = await h().ok('create_bot', { name: 'Guarded' });
    const good = { bot_id: id, client_id: h().boot.client_id, bot_secret: secret, organization_id: h().boot.organization_id };
    const other = await h().bootstrap();
    const variants = [
      { ...good, bot_secret: 'wrong' },
      { ...good, bot_id: 'ffffffffffffffffffffffffffffffff' },
      { ...good, client_id: other.client_id },
      { ...good, organization_id: other.organization_id },
      { ...good, bot_id: h().boot.owner.id },
    ];
    const messages = new Set<string>();
    for (const body of variants) {
      const res = await h().call('issue_bot_token', body, { token: null });
      expectError(res, 'authentication', 401);
      messages.add(res.body.error.message);
    }
    assert.equal(messages.size, 1);
    expectError(await h().call('issue_bot_token', { ...good, bot_secret: undefined }, { token: null }), 'validation', 400);
    expectError(await h().call('issue_bot_token', { ...good, extra: 1 }, { token: null }), 'validation', 400);
    expectError(await h().call('issue_bot_token', { ...good, organization_id: 5 }, { token: null }), 'validation', 400);
  });

  it('the bot token acts as the bot: get_bot and update_bot on itself, nothing beyond its scopes', async () => {
    const { id, token } = await botWithToken('Self');
    const { id: sibling } = await h().ok('create_bot', { name: 'Sibling' });
    assert.equal((await h().ok('get_bot', { id }, { token })).id, id);
    const seq = await lastSeq(h());
    assert.deepEqual(await h().ok('update_bot', { id, name: 'Self 2' }, { token }), {});
    const events = await eventsSince(h(), seq);
    assert.deepEqual(events.map((e) => [e.action, e.payload, e.source_client_id]), [['bot_updated', { id, name: 'Self 2' }, h().boot.client_id]]);
    assert.deepEqual((await h().ok('list_bots', {}, { token })).map((b: any) => b.id), [id]);
    expectError(await h().call('get_bot', { id: sibling }, { token }), 'authorization', 403);
    expectError(await h().call('update_bot', { id: sibling, name: 'x' }, { token }), 'authorization', 403);
    expectError(await h().call('delete_bot', { id: sibling }, { token }), 'authorization', 403);
    expectError(await h().call('list_bots', { all: true }, { token }), 'authorization', 403);
    expectError(await h().call('create_bot', { name: 'child' }, { token }), 'authorization', 403);
    expectError(await h().call('list_agents', {}, { token }), 'authorization', 403);
    expectError(await h().call('list_groups', {}, { token }), 'authorization', 403);
    expectError(await h().call('create_bot_template', { name: 't' }, { token }), 'authorization', 403);
  });

  it("answers license_expired for a bot token once the bot's licence has expired", async () => {
    const { id, token } = await botWithToken('Expiring');
    assert.equal((await h().ok('get_bot', { id }, { token })).id, id);
    const licence = () => h().store.db.updateTable('licenses').where('id', '=', h().boot.license_id);
    await licence().set({ expires_at: '2020-01-01T00:00:00Z' }).execute();
    try {
      expectError(await h().call('get_bot', { id }, { token }), 'license_expired', 402);
    } finally {
      await licence().set({ expires_at: null }).execute();
    }
  });

  it('accepts the bare JWT; refuses tampered tokens, a wrong prefix, and tokens of deleted bots', async () => {
    const { id, token } = await botWithToken('Bare');
    const jwt = token.slice(4);
    assert.equal((await h().ok('get_bot', { id }, { token: jwt })).id, id);
    const [hdr, payload, sig] = jwt.split('.');
    const forged = `${hdr}.${Buffer.from(JSON.stringify({ ...decodeJwt(jwt), sub: 'someone-else' })).toString('base64url')}.${sig}`;
    expectError(await h().call('get_bot', { id }, { token: forged }), 'authentication', 401);
    expectError(await h().call('get_bot', { id }, { token: `${hdr}.${payload}.${sig!.slice(0, -2)}xx` }), 'authentication', 401);
    expectError(await h().call('get_bot', { id }, { token: `fra:${jwt}` }), 'authentication', 401);
    await h().ok('delete_bot', { id });
    expectError(await h().call('get_bot', { id }, { token }), 'authentication', 401);
  });

  it('another server process on the same database accepts the token (shared signing key)', async () => {
    const { id, token } = await botWithToken('Shared');
    const second = await createApp({ store: h().store, config: h().config, logger: false, signingKeys: h().signingKeys });
    try {
      const res = await second.inject({
        method: 'POST',
        url: '/v3.5/configuration/action/get_bot',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ id }),
      });
      assert.equal(res.statusCode, 200);
      assert.equal(JSON.parse(res.body).id, id);
    } finally {
      await second.close();
    }
  });

  it("a bot of a licence in another region gets that region's prefix and is redirected", async () => {
    const fra = await h().bootstrap({ region: 'fra' });
    const secret = 'fra-secret';
    await h().core.transaction((tx) => insertAgent(tx, fra.license_id, {
      id: 'abcdefabcdefabcdefabcdefabcdefab',
      type: 'bot',
      name: 'Fra bot',
      owner_client_id: fra.client_id,
      secret_hash: hashSecret(secret),
      created_via: 'app',
    }));
    const { token } = await h().ok(
      'issue_bot_token',
      { bot_id: 'abcdefabcdefabcdefabcdefabcdefab', client_id: fra.client_id, bot_secret: secret, organization_id: fra.organization_id },
      { token: null },
    );
    assert.match(token, /^fra:/);
    const res = await h().call('get_bot', { id: 'abcdefabcdefabcdefabcdefabcdefab' }, { token });
    expectError(res, 'misdirected_request', 421);
    assert.deepEqual(res.body.error.data, { region: 'fra' });
  });
});
