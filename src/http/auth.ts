/**
 * Authentication: `Authorization: Bearer <region>:<opaque>` (access token) or
 * `Authorization: Basic base64(<account_id>:<pat>)` (Personal Access Token). Only hashes are stored.
 * Lookups are cached for a short TTL; writes that change roles, suspension or membership invalidate the cache.
 */
import type { Store } from '../store/store.js';
import { findAccessToken, findPat } from '../agents/authentication.js';
import { ApiError } from '../kernel/errors.js';
import { newCaller, type Caller } from '../kernel/caller.js';
import type { BearerResolver } from '../kernel/area.js';
import type { SigningKeys } from '../kernel/signing-keys.js';
import { actingAsBot } from '../bots/author.js';

interface CacheEntry {
  caller: Caller;
  licenseExpiresAt: number | null;
  tokenExpiresAt: number | null;
  cachedUntil: number;
}

export interface AuthOptions {
  region: string;
  cacheTtlMs?: number;
  /** Extra Bearer-token resolvers (e.g. bot JWTs); they return null when the token is not theirs. */
  bearerResolvers?: readonly BearerResolver[];
  /** Keys that verify bot tokens (passed to the resolvers). */
  signingKeys: SigningKeys;
}

/** The scheme (lower case) and credential (trimmed) of an Authorization header, as authentication reads it. */
export function parseAuthorization(header: string | undefined): { scheme: 'bearer' | 'basic'; credential: string } | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
  const credential = space > 0 ? header.slice(space + 1).trim() : '';
  if (!credential || (scheme !== 'bearer' && scheme !== 'basic')) return null;
  return { scheme, credential };
}

const PREFIXED_JWT = /^[a-z]+:(eyJ[\w-]*\.[\w-]+\.[\w-]+)$/;

/**
 * One string per credential however the header spells it (for per-credential rate limits): scheme in any case,
 * extra blanks, a bot JWT with or without its region prefix, Basic credentials in any base64 spelling that decodes
 * to the same account and PAT. Null when the header is not a credential authentication would try.
 */
export function credentialIdentity(header: string | undefined): string | null {
  const parsed = parseAuthorization(header);
  if (!parsed) return null;
  if (parsed.scheme === 'basic') return `basic:${Buffer.from(parsed.credential, 'base64').toString('utf8')}`;
  return `bearer:${PREFIXED_JWT.exec(parsed.credential)?.[1] ?? parsed.credential}`;
}

export class Authenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttl: number;
  /** Lookups answered from the cache / from the database (read by the metrics). */
  readonly cacheStats = { hits: 0, misses: 0 };
  constructor(
    private readonly store: Store,
    private readonly opts: AuthOptions,
  ) {
    this.ttl = opts.cacheTtlMs ?? 5000;
  }

  invalidate(): void {
    this.cache.clear();
  }

  /** Resolve the caller or throw `authentication` / `misdirected_request` / `license_expired`. */
  async authenticate(header: string | undefined, xRegion: string | undefined): Promise<Caller> {
    if (!header) throw new ApiError('authentication', 'Missing Authorization header');
    const parsed = parseAuthorization(header);
    if (!parsed) throw new ApiError('authentication', 'Unsupported Authorization header; use Bearer or Basic');
    const { scheme, credential } = parsed;
    // Keyed by the credential itself (process memory only, never logged or stored): hashing it per request cost more
    // than the rest of a cached lookup.
    const key = `${scheme}:${credential}`;
    const now = Date.now();
    let entry = this.cache.get(key);
    if (entry && entry.cachedUntil > now) this.cacheStats.hits++;
    else {
      this.cacheStats.misses++;
      const loaded = scheme === 'bearer' ? await this.loadBearer(credential) : await this.loadBasic(credential);
      entry = { ...loaded, cachedUntil: now + this.ttl };
      if (this.cache.size >= 50_000) this.cache.clear();
      this.cache.set(key, entry);
    }
    const { caller } = entry;
    if (entry.tokenExpiresAt !== null && entry.tokenExpiresAt < now) {
      throw new ApiError('authentication', 'Access token expired');
    }
    if (caller.region !== this.opts.region) {
      throw new ApiError('misdirected_request', undefined, { region: caller.region });
    }
    if (xRegion !== undefined && xRegion !== '' && xRegion !== this.opts.region) {
      throw new ApiError('misdirected_request', undefined, { region: caller.region });
    }
    if (entry.licenseExpiresAt !== null && entry.licenseExpiresAt < now) {
      throw new ApiError('license_expired');
    }
    return caller;
  }

  /** The caller acting as the bot named by `X-Author-Id` (v3.5 and lower; bots/author.ts), or `authorization`. */
  actAsBot(caller: Caller, botId: string): Promise<Caller> {
    return actingAsBot(this.store.db, caller, botId);
  }

  private async loadBearer(token: string): Promise<Omit<CacheEntry, 'cachedUntil'>> {
    for (const resolve of this.opts.bearerResolvers ?? []) {
      const resolved = await resolve(token, this.store, this.opts.signingKeys);
      if (resolved) return { ...resolved, tokenExpiresAt: null };
    }
    const row = await findAccessToken(this.store.db, token);
    if (!row) throw new ApiError('authentication', 'Invalid or expired access token');
    return {
      caller: callerOf('bearer', row, row.client_id),
      licenseExpiresAt: parseTime(row.license_expires_at),
      tokenExpiresAt: parseTime(row.token_expires_at),
    };
  }

  private async loadBasic(credential: string): Promise<Omit<CacheEntry, 'cachedUntil'>> {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0 || decoded.includes('\0')) throw new ApiError('authentication', 'Malformed Basic credentials');
    const accountId = decoded.slice(0, colon);
    const pat = decoded.slice(colon + 1);
    const row = await findPat(this.store.db, accountId, pat);
    if (!row) throw new ApiError('authentication', 'Invalid Personal Access Token');
    return { caller: callerOf('pat', row, null), licenseExpiresAt: parseTime(row.license_expires_at), tokenExpiresAt: null };
  }
}

const parseTime = (t: string | null): number | null => (t ? Date.parse(t) : null);

/** The caller a credential row (access token or PAT, joined with its agent and licence) stands for. */
function callerOf(
  kind: 'bearer' | 'pat',
  row: {
    license_id: number; organization_id: string; region: string; account_id: string; agent_id: string;
    role: string; type: string; suspended: number; scopes: string;
  },
  clientId: string | null,
): Caller {
  return newCaller({
    kind,
    licenseId: row.license_id,
    organizationId: row.organization_id,
    region: row.region,
    accountId: row.account_id,
    agentId: row.agent_id,
    role: row.role,
    type: row.type,
    suspended: row.suspended,
    clientId,
    scopes: row.scopes,
  });
}
