/**
 * Bot tokens: HS256 JWTs valid 24 h, sent as `Authorization: Bearer <region>:<jwt>` (the bare JWT is accepted too).
 * The signing key is random, generated once and kept in `settings`, so every process sharing the database
 * verifies the tokens of the others. Tokens cannot be revoked; a deleted bot's token stops working.
 */
import { SignJWT, jwtVerify } from 'jose';
import { ApiError } from '../kernel/errors.js';
import type { Caller } from '../kernel/registry.js';
import type { ResolvedBearer } from '../kernel/area.js';
import type { Queryable, Store } from '../store/db.js';
import { randomSecret } from '../tenancy/secrets.js';

export const BOT_TOKEN_SCOPES = ['chats--access:rw', 'agents-bot--my:rw', 'customers:rw'] as const;
export const BOT_TOKEN_TTL_SECONDS = 24 * 60 * 60;
const SETTINGS_KEY = 'bots.token_signing_key';
const ISSUER = 'config-api';
const AUDIENCE = 'bot';

const keys = new WeakMap<object, Uint8Array>();

/** The signing key; created (race-free) when `create` is set and none exists yet. Cached per database handle. */
async function signingKey(db: Queryable, cacheKey: object, create: boolean): Promise<Uint8Array | null> {
  const cached = keys.get(cacheKey);
  if (cached) return cached;
  if (create) {
    await db
      .insertInto('settings')
      .values({ key: SETTINGS_KEY, value: randomSecret(32) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTINGS_KEY).executeTakeFirst();
  if (!row) return null;
  const key = new Uint8Array(Buffer.from(row.value, 'base64url'));
  keys.set(cacheKey, key);
  return key;
}

export interface BotTokenSubject {
  botId: string;
  licenseId: number;
  organizationId: string;
  clientId: string;
  region: string;
}

/** The signing key, created on first use (call inside a transaction; cached per `cacheKey`, the root handle). */
export async function ensureSigningKey(trx: Queryable, cacheKey: object): Promise<Uint8Array> {
  return (await signingKey(trx, cacheKey, true))!;
}

export async function signBotToken(key: Uint8Array, s: BotTokenSubject): Promise<string> {
  const jwt = await new SignJWT({
    scope: BOT_TOKEN_SCOPES.join(' '),
    lic: s.licenseId,
    org: s.organizationId,
    cid: s.clientId,
    region: s.region,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(s.botId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${BOT_TOKEN_TTL_SECONDS}s`)
    .sign(key);
  return `${s.region}:${jwt}`;
}

const JWT_SHAPE = /^(?:([a-z]+):)?(eyJ[\w-]*\.[\w-]+\.[\w-]+)$/;

/** Bearer resolver: a Caller of kind 'bot' for a bot JWT, null for any other token. */
export async function resolveBotToken(token: string, store: Store): Promise<ResolvedBearer | null> {
  const m = JWT_SHAPE.exec(token);
  if (!m) return null;
  const invalid = () => new ApiError('authentication', 'Invalid or expired bot token');
  const key = await signingKey(store.db, store.db, false);
  if (!key) throw invalid();
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(m[2]!, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }));
  } catch {
    throw invalid();
  }
  if (typeof claims.sub !== 'string' || typeof claims.lic !== 'number') throw invalid();
  const row = await store.db
    .selectFrom('agents as a')
    .innerJoin('licenses as l', 'l.id', 'a.license_id')
    .select(['a.id', 'a.account_id', 'a.owner_client_id', 'l.id as license_id', 'l.organization_id', 'l.region', 'l.expires_at'])
    .where('a.license_id', '=', claims.lic)
    .where('a.id', '=', claims.sub)
    .where('a.type', '=', 'bot')
    .executeTakeFirst();
  if (!row) throw new ApiError('authentication', 'The bot of this token no longer exists');
  if (m[1] !== undefined && m[1] !== row.region) throw invalid();
  const caller: Caller = {
    kind: 'bot',
    licenseId: row.license_id,
    organizationId: row.organization_id,
    region: row.region,
    accountId: row.account_id,
    agentId: row.id,
    role: 'normal',
    agentType: 'bot',
    suspended: false,
    clientId: row.owner_client_id,
    scopes: new Set(BOT_TOKEN_SCOPES),
  };
  return { caller, licenseExpiresAt: row.expires_at ? Date.parse(row.expires_at) : null };
}
