/** Bot-token signing keys live outside the database, carry an id, rotate, and must agree between servers (issue 16.4). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { sql } from 'kysely';
import { Migrator } from 'kysely';
import { describeStores, expectError, type Harness } from '../support/harness.js';
import { freshDatabase, freshStore, testConfig } from '../support/stores.js';
import { cliJson as runCli } from '../support/cli.js';
import { openStore } from '../../src/store/open.js';
import { migrations } from '../../src/store/migrations/index.js';
import { createApp } from '../../src/app.js';
import { loadConfig, ConfigError } from '../../src/config.js';
import { KeyFileError, SigningKeys, keyId, loadSigningKeys, newSecret, rotateKeyFile } from '../../src/kernel/signing-keys.js';
import { SigningKeyMismatch } from '../../src/bots/token.js';
import type { FastifyInstance } from 'fastify';

async function issue(h: Harness, app: FastifyInstance = h.app): Promise<{ id: string; token: string }> {
  const { id, secret } = await h.ok('create_bot', { name: 'Keyed' });
  const res = await app.inject({
    method: 'POST',
    url: '/v3.5/configuration/action/issue_bot_token',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ bot_id: id, client_id: h.boot.client_id, bot_secret: secret, organization_id: h.boot.organization_id }),
  });
  assert.equal(res.statusCode, 200, res.body);
  return { id, token: JSON.parse(res.body).token };
}

async function getBot(app: FastifyInstance, token: string, id: string): Promise<{ status: number; body: any }> {
  const res = await app.inject({
    method: 'POST',
    url: '/v3.5/configuration/action/get_bot',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ id }),
  });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

/** Keys as a server gets them from configuration (checked against the database, unlike ephemeral ones). */
const freshKeys = () => SigningKeys.fromSecrets([newSecret()]);

/** Every string stored in any table of the database. */
async function everyStoredString(h: Harness): Promise<string[]> {
  const tables = await h.store.db.introspection.getTables();
  assert.ok(tables.some((t) => t.name === 'settings'));
  const out: string[] = [];
  for (const t of tables) {
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t.name)}`.execute(h.store.db);
    for (const row of rows.rows) for (const v of Object.values(row)) if (typeof v === 'string') out.push(v);
  }
  return out;
}

/** Byte strings a stored value could be a key in: as text, and decoded as base64, base64url and hex. */
function candidateKeys(s: string): Uint8Array[] {
  const out = [new TextEncoder().encode(s)];
  for (const enc of ['base64', 'base64url', 'hex'] as const) {
    const b = Buffer.from(s, enc);
    if (b.length >= 16) out.push(new Uint8Array(b));
  }
  return out;
}

describeStores('bot-token signing keys', (h) => {
  it('a copy of the database holds nothing that verifies (and so could mint) a bot token', async () => {
    const { id, token } = await issue(h());
    const jwt = token.slice(4);
    assert.equal((await getBot(h().app, token, id)).status, 200);
    const strings = await everyStoredString(h());
    assert.ok(strings.length > 20, `${strings.length} stored strings examined`);
    let tried = 0;
    for (const s of strings) {
      for (const key of candidateKeys(s)) {
        tried++;
        await assert.rejects(jwtVerify(jwt, key, { algorithms: ['HS256'] }), `a stored value verifies the token: ${s.slice(0, 12)}…`);
      }
    }
    assert.ok(tried >= strings.length);
    // the database records the key's id only, and that id is the token header's kid
    const settings = await h().store.db.selectFrom('settings').selectAll().execute();
    assert.deepEqual(settings.filter((r) => r.key.includes('sign')).map((r) => [r.key, r.value]), [
      ['bots.token_signing_kid', h().signingKeys.current.kid],
    ]);
    assert.equal(decodeProtectedHeader(jwt).kid, h().signingKeys.current.kid);
  });

  it('refuses tokens without a kid, with an unknown kid, or signed with a key this server does not have', async () => {
    const { id, token } = await issue(h());
    const claims = decodeJwt(token.slice(4));
    const sign = (key: Uint8Array, kid?: string) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) }).sign(key);
    const mine = h().signingKeys.current;
    const stranger = freshKeys().current;
    assert.equal((await getBot(h().app, `dal:${await sign(mine.secret, mine.kid)}`, id)).status, 200, 'control: a correct re-signature');
    for (const forged of [await sign(mine.secret), await sign(mine.secret, stranger.kid), await sign(stranger.secret, mine.kid), await sign(stranger.secret, stranger.kid)]) {
      expectError(await getBot(h().app, `dal:${forged}`, id), 'authentication', 401);
    }
  });

  it('refuses to start a server whose keys differ from those recorded for the database; a rotated keyring is accepted', async () => {
    const { store, drop } = await freshStore(h().kind);
    const first = freshKeys();
    const apps: FastifyInstance[] = [];
    try {
      apps.push(await createApp({ store, config: testConfig(), logger: false, signingKeys: first }));
      apps.push(await createApp({ store, config: testConfig(), logger: false, signingKeys: new SigningKeys(first.keys) }));
      await assert.rejects(createApp({ store, config: testConfig(), logger: false, signingKeys: freshKeys() }), SigningKeyMismatch);
      // a server that rotated (new key first, the previous one still verifying) is accepted and recorded...
      const rotated = new SigningKeys([freshKeys().current, ...first.keys]);
      apps.push(await createApp({ store, config: testConfig(), logger: false, signingKeys: rotated }));
      // ...after which a server still on the previous key alone is refused
      await assert.rejects(createApp({ store, config: testConfig(), logger: false, signingKeys: first }), /config-api keys adopt/);
    } finally {
      for (const app of apps) await app.close();
      await drop();
    }
  });

  it('config-api keys rotate: new tokens use the new key, tokens of the previous key stay valid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keys-'));
    const file = join(dir, 'keys.json');
    const apps: FastifyInstance[] = [];
    try {
      const cfg = loadConfig({ TOKEN_SIGNING_KEY_FILE: file }).signingKeys;
      assert.throws(() => loadSigningKeys(cfg), KeyFileError, 'a named key file must exist');
      const created = await runCli(h(), ['keys', 'rotate'], { TOKEN_SIGNING_KEY_FILE: file });
      assert.equal(created.code, 0, JSON.stringify(created.json));
      const before = loadSigningKeys(cfg).keys;
      assert.equal(before.current.kid, created.json.kid);
      // the harness database records the harness key: a server on this file is refused until adopted
      await assert.rejects(createApp({ store: h().store, config: testConfig(), logger: false, signingKeys: before }), SigningKeyMismatch);
      const adopt = await runCli(h(), ['keys', 'adopt'], { TOKEN_SIGNING_KEY_FILE: file });
      assert.deepEqual(adopt, { code: 0, json: { database: before.current.kid } });
      const oldServer = await createApp({ store: h().store, config: testConfig(), logger: false, signingKeys: before });
      apps.push(oldServer);
      const old = await issue(h(), oldServer);
      assert.equal(decodeProtectedHeader(old.token.slice(4)).kid, before.current.kid);

      const rotated = await runCli(h(), ['keys', 'rotate'], { TOKEN_SIGNING_KEY_FILE: file });
      assert.equal(rotated.code, 0, JSON.stringify(rotated.json));
      assert.deepEqual(rotated.json.kept, [before.current.kid]);
      const status = await runCli(h(), ['keys', 'status'], { TOKEN_SIGNING_KEY_FILE: file });
      // the database learns the new key when the first server starts with it
      assert.deepEqual([status.json.current, status.json.database], [rotated.json.kid, before.current.kid]);
      const after = loadSigningKeys(cfg).keys;
      const newServer = await createApp({ store: h().store, config: testConfig(), logger: false, signingKeys: after });
      apps.push(newServer);
      const fresh = await issue(h(), newServer);
      assert.equal(decodeProtectedHeader(fresh.token.slice(4)).kid, rotated.json.kid);
      assert.equal((await getBot(newServer, old.token, old.id)).status, 200, 'a token of the previous key is still valid');
      assert.equal((await getBot(newServer, fresh.token, fresh.id)).status, 200);
      expectError(await getBot(oldServer, fresh.token, fresh.id), 'authentication', 401);
      await assert.rejects(createApp({ store: h().store, config: testConfig(), logger: false, signingKeys: before }), SigningKeyMismatch);
      assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(rotated.json.kid), 'the file holds keys, ids are derived');
      assert.equal(statSync(file).mode & 0o777, 0o600);
    } finally {
      for (const app of apps) await app.close();
      // give the harness database back its own key for the other tests
      await h().store.db.updateTable('settings').set({ value: h().signingKeys.current.kid }).where('key', '=', 'bots.token_signing_kid').execute();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeStores('bot-token signing keys: upgrade', (h) => {
  it('migration 0009 drops the key earlier versions kept in the database', async () => {
    const db = await freshDatabase(h().kind);
    const store = openStore(db.url, { poolSize: 2 });
    try {
      const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } });
      assert.equal((await migrator.migrateTo('0008_agents_unique_lower_id')).error, undefined);
      await store.db.insertInto('settings').values({ key: 'bots.token_signing_key', value: 'c2VjcmV0LWtleS1tYXRlcmlhbC1vZi1hbi1vbGQtdmVyc2lvbg' }).execute();
      assert.equal((await migrator.migrateTo('0009_drop_token_signing_key')).error, undefined);
      assert.deepEqual(await store.db.selectFrom('settings').selectAll().execute(), []);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describeStores(
  'bot-token signing keys: configuration',
  () => {
    it('generates a key next to the SQLite file on first start and reuses it', () => {
      const dir = mkdtempSync(join(tmpdir(), 'embedded-'));
      try {
        const cfg = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'db', 'config-api.sqlite')}` }).signingKeys;
        assert.equal(cfg.file, join(dir, 'db', 'token-signing-keys.json'));
        const first = loadSigningKeys(cfg);
        assert.equal(first.generated, true);
        assert.ok(existsSync(cfg.file));
        assert.equal(statSync(cfg.file).mode & 0o777, 0o600);
        const again = loadSigningKeys(cfg);
        assert.deepEqual([again.generated, again.keys.current.kid], [false, first.keys.current.kid]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('TOKEN_SIGNING_KEY: keys of at least 32 characters, the first signs, all verify', () => {
      const a = 'a'.repeat(40);
      const b = 'b'.repeat(32);
      const keys = loadSigningKeys(loadConfig({ TOKEN_SIGNING_KEY: ` ${a} , ${b} ` }).signingKeys).keys;
      assert.deepEqual(keys.keys.map((k) => k.kid), [keyId(a), keyId(b)]);
      assert.notEqual(keyId(a), a);
      assert.throws(() => loadConfig({ TOKEN_SIGNING_KEY: 'short' }), ConfigError);
      assert.throws(() => loadConfig({ TOKEN_SIGNING_KEY: a, TOKEN_SIGNING_KEY_FILE: '/tmp/x' }), ConfigError);
      const err = (() => {
        try {
          loadConfig({ TOKEN_SIGNING_KEY: 'short-secret-value' });
        } catch (e) {
          return (e as Error).message;
        }
      })();
      assert.doesNotMatch(err ?? '', /short-secret-value/, 'the key is not echoed');
    });

    it('rotation keeps a previous key until its successor is older than a token lifetime', () => {
      const dir = mkdtempSync(join(tmpdir(), 'rotate-'));
      const file = join(dir, 'keys.json');
      try {
        const day = 86_400_000;
        const t0 = Date.parse('2026-01-01T00:00:00Z');
        const r1 = rotateKeyFile(file, day, new Date(t0));
        const r2 = rotateKeyFile(file, day, new Date(t0 + 1000));
        assert.deepEqual([r2.kept, r2.dropped], [[r1.kid], []]);
        const r3 = rotateKeyFile(file, day, new Date(t0 + day + 2000));
        assert.deepEqual([r3.kept, r3.dropped], [[r2.kid], [r1.kid]]);
        writeFileSync(file, '{"keys":[]}');
        assert.throws(() => loadSigningKeys({ keys: null, file, fileConfigured: true, shared: false }), KeyFileError);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
  {},
  ['sqlite'],
);
