/**
 * Bot tokens: HS256 JWTs valid 24 h, sent as `Authorization: Bearer <region>:<jwt>` (the bare JWT is accepted too).
 * They are signed with the app's signing keys (configuration or key file, never the database; see
 * src/kernel/signing-keys.ts): the header's `kid` names the key, so tokens of a previous key stay valid after a
 * rotation until they expire. The database only records the id of the signing key, so servers configured with
 * different keys refuse to share it. Tokens cannot be revoked; a deleted bot's token stops working.
 */
import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import { ApiError } from '../kernel/errors.js';
import { newCaller } from '../kernel/caller.js';
import type { ResolvedBearer } from '../kernel/area.js';
import { initSetting, readSetting, writeSetting } from '../store/own-tables.js';
import type { Store } from '../store/store.js';
import type { SigningKeys } from '../kernel/signing-keys.js';
import { botForToken } from '../agents/bot-rows.js';
import { licensesForAuthentication } from '../tenancy/licenses.js';

export const BOT_TOKEN_SCOPES = ['chats--access:rw', 'agents-bot--my:rw', 'customers:rw'] as const;
export const BOT_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** The setting holding the id (kid) of the key signing bot tokens, as last recorded by a starting server. */
const SIGNING_KID = 'bots.token_signing_kid';
const ISSUER = 'config-api';
const AUDIENCE = 'bot';

export class SigningKeyMismatch extends Error {}

/** The signing key id the database records (null before any server started with configured keys). */
export function recordedSigningKid(store: Store): Promise<string | null> {
  return readSetting(store.db, SIGNING_KID);
}

/**
 * Start-up check: the database records the id of the signing key; a server whose keys do not include it is
 * configured differently from the servers already using the database and is refused (its tokens would be refused
 * by the others and theirs by it). A server whose previous key is the recorded one has rotated: its new key is
 * recorded. `adopt` records this server's key whatever was recorded (after a lost key file).
 */
export async function checkSigningKey(store: Store, keys: SigningKeys, adopt = false): Promise<void> {
  const kid = keys.current.kid;
  const recorded = await initSetting(store.db, SIGNING_KID, kid);
  if (recorded === kid) return;
  if (!adopt && !keys.find(recorded)) {
    throw new SigningKeyMismatch(
      `This database is used by servers signing bot tokens with another key (key id ${recorded}; this server's is ${kid}). ` +
        'Give every server sharing the database the same TOKEN_SIGNING_KEY (or key file). If the previous key is lost for good, ' +
        'run `config-api keys adopt` to record this key (bot tokens signed with the lost key stop working).',
    );
  }
  await writeSetting(store.db, SIGNING_KID, kid);
}

export interface BotTokenSubject {
  botId: string;
  licenseId: number;
  organizationId: string;
  clientId: string;
  region: string;
}

export async function signBotToken(keys: SigningKeys, s: BotTokenSubject): Promise<string> {
  const key = keys.current;
  const jwt = await new SignJWT({
    scope: BOT_TOKEN_SCOPES.join(' '),
    lic: s.licenseId,
    org: s.organizationId,
    cid: s.clientId,
    region: s.region,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
    .setSubject(s.botId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${BOT_TOKEN_TTL_SECONDS}s`)
    .sign(key.secret);
  return `${s.region}:${jwt}`;
}

const JWT_SHAPE = /^(?:([a-z]+):)?(eyJ[\w-]*\.[\w-]+\.[\w-]+)$/;

/** Bearer resolver: a Caller of kind 'bot' for a bot JWT, null for any other token. */
export async function resolveBotToken(token: string, store: Store, keys: SigningKeys): Promise<ResolvedBearer | null> {
  const m = JWT_SHAPE.exec(token);
  if (!m) return null;
  const invalid = () => new ApiError('authentication', 'Invalid or expired bot token');
  let claims;
  try {
    const { kid } = decodeProtectedHeader(m[2]!);
    const key = typeof kid === 'string' ? keys.find(kid) : undefined;
    if (!key) throw invalid();
    ({ payload: claims } = await jwtVerify(m[2]!, key.secret, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }));
  } catch {
    throw invalid();
  }
  if (typeof claims.sub !== 'string' || typeof claims.lic !== 'number') throw invalid();
  // The bot (agents' owner) with its licence (tenancy's), in one statement.
  const row = await store.db
    .selectFrom(botForToken(store.db, claims.lic, claims.sub).as('b'))
    .innerJoin(licensesForAuthentication(store.db).as('l'), 'l.license_id', 'b.license_id')
    .select(['b.id', 'b.account_id', 'b.owner_client_id', 'b.license_id', 'l.organization_id', 'l.region', 'l.license_expires_at'])
    .executeTakeFirst();
  if (!row) throw new ApiError('authentication', 'The bot of this token no longer exists');
  if (m[1] !== undefined && m[1] !== row.region) throw invalid();
  const caller = newCaller({
    kind: 'bot',
    licenseId: row.license_id,
    organizationId: row.organization_id,
    region: row.region,
    accountId: row.account_id,
    agentId: row.id,
    role: 'normal',
    type: 'bot',
    suspended: false,
    clientId: row.owner_client_id,
    scopes: BOT_TOKEN_SCOPES,
  });
  return { caller, licenseExpiresAt: row.license_expires_at ? Date.parse(row.license_expires_at) : null };
}
