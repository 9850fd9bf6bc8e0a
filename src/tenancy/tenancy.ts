/**
 * Organizations, licences, applications and credentials. Used by the CLI (bootstrap, app, token) and by tests.
 */
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import { insertAgent } from '../agents/repo.js';
import { nextCounter, nowIso, type Queryable, type Store } from '../store/db.js';
import { hashSecret, randomHexId, randomSecret, uuid } from './secrets.js';
import { saveBootstrapState } from './state.js';

export const PLANS = ['starter', 'team', 'enterprise', 'enterpriseplus'] as const;

export interface ProductSource {
  source_id: string;
  source_type: string;
  source_url: string;
}
export const DEFAULT_PRODUCT_SOURCE: ProductSource = {
  source_id: 'config-api-cli',
  source_type: 'cli',
  source_url: '',
};

export async function createOrganization(trx: Queryable, name = 'Demo organization'): Promise<string> {
  const id = uuid();
  await trx.insertInto('organizations').values({ id, name, created_at: nowIso() }).execute();
  return id;
}

export interface NewLicense {
  organizationId: string;
  region: string;
  plan?: string;
  expiresAt?: string | null;
  source?: Partial<ProductSource>;
}

/** A new licence with its "General" group 0. */
export async function createLicense(trx: Queryable, l: NewLicense): Promise<number> {
  const id = 100_000_000 + (await nextCounter(trx, 'licenses'));
  const now = nowIso();
  const source = { ...DEFAULT_PRODUCT_SOURCE, ...(l.source ?? {}) };
  await trx
    .insertInto('licenses')
    .values({
      id,
      organization_id: l.organizationId,
      region: l.region,
      plan: l.plan ?? 'enterprise',
      expires_at: l.expiresAt ?? null,
      source_id: source.source_id,
      source_type: source.source_type,
      source_url: source.source_url,
      next_group_id: 1,
      created_at: now,
    })
    .execute();
  await trx
    .insertInto('groups')
    .values({ license_id: id, id: 0, name: 'General', language_code: 'en', routing_status: 'offline', created_at: now })
    .execute();
  return id;
}

export async function createOwner(
  trx: Queryable,
  licenseId: number,
  email: string,
  name = 'Owner',
): Promise<{ id: string; account_id: string }> {
  const row = await insertAgent(trx, licenseId, { id: email, name, role: 'owner', login_status: 'accepting chats' });
  await trx
    .insertInto('group_members')
    .values({ license_id: licenseId, group_id: 0, agent_id: email, priority: 'normal' })
    .execute();
  return { id: row.id, account_id: row.account_id };
}

export async function createApplication(trx: Queryable, organizationId: string, name = 'Application'): Promise<string> {
  const org = await trx.selectFrom('organizations').select('id').where('id', '=', organizationId).executeTakeFirst();
  if (!org) throw new ApiError('not_found', `Organization ${organizationId} not found`);
  const clientId = randomHexId();
  await trx
    .insertInto('applications')
    .values({ client_id: clientId, organization_id: organizationId, name, created_at: nowIso() })
    .execute();
  return clientId;
}

/** Is `clientId` an application owned by the organization? (Each area answers a "no" with its own error.) */
export async function isOrganizationApplication(db: Queryable, organizationId: string, clientId: string): Promise<boolean> {
  const row = await db
    .selectFrom('applications')
    .select('client_id')
    .where('client_id', '=', clientId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Hooks run inside the installation transaction (e.g. bots from templates, webhook state).
 * Areas append to this list at module load.
 */
export const installHooks: Array<(trx: Queryable, clientId: string, licenseId: number) => Promise<void>> = [];

export async function installApplication(trx: Queryable, clientId: string, licenseId: number): Promise<boolean> {
  // Applications of other organizations may be installed too (marketplace apps): only existence is checked.
  const app = await trx.selectFrom('applications').select('client_id').where('client_id', '=', clientId).executeTakeFirst();
  if (!app) throw new ApiError('not_found', `Application ${clientId} not found`);
  const lic = await trx.selectFrom('licenses').select('id').where('id', '=', licenseId).executeTakeFirst();
  if (!lic) throw new ApiError('not_found', `License ${licenseId} not found`);
  const existing = await trx
    .selectFrom('installations')
    .select('client_id')
    .where('client_id', '=', clientId)
    .where('license_id', '=', licenseId)
    .executeTakeFirst();
  if (existing) return false;
  await trx.insertInto('installations').values({ client_id: clientId, license_id: licenseId, installed_at: nowIso() }).execute();
  for (const hook of installHooks) await hook(trx, clientId, licenseId);
  return true;
}

export interface NewAccessToken {
  licenseId: number;
  accountId: string;
  clientId: string | null;
  scopes: readonly string[];
  region: string;
  /** Seconds; null = no expiry. */
  ttlSeconds?: number | null;
}

/** Returns `<region>:<opaque>`; only its hash is stored. */
export async function issueAccessToken(trx: Queryable, t: NewAccessToken): Promise<string> {
  const token = `${t.region}:${randomSecret(24)}`;
  await trx
    .insertInto('access_tokens')
    .values({
      token_hash: hashSecret(token),
      license_id: t.licenseId,
      account_id: t.accountId,
      client_id: t.clientId,
      scopes: t.scopes.join(' '),
      region: t.region,
      expires_at: t.ttlSeconds ? new Date(Date.now() + t.ttlSeconds * 1000).toISOString() : null,
      created_at: nowIso(),
    })
    .execute();
  return token;
}

/** Returns the PAT; only its hash is stored. */
export async function createPat(
  trx: Queryable,
  p: { licenseId: number; accountId: string; scopes: readonly string[] },
): Promise<string> {
  const pat = randomSecret(24);
  await trx
    .insertInto('pats')
    .values({
      token_hash: hashSecret(pat),
      license_id: p.licenseId,
      account_id: p.accountId,
      scopes: p.scopes.join(' '),
      created_at: nowIso(),
    })
    .execute();
  return pat;
}

export const basicAuth = (accountId: string, pat: string): string =>
  Buffer.from(`${accountId}:${pat}`).toString('base64');

export interface BootstrapResult {
  organization_id: string;
  license_id: number;
  region: string;
  owner: { id: string; account_id: string };
  client_id: string;
  bearer_token: string;
  pat: string;
  basic_auth: string;
}

export interface BootstrapOptions {
  region: string;
  ownerEmail?: string;
  ownerName?: string;
  organizationName?: string;
  plan?: string;
  expiresAt?: string | null;
  source?: Partial<ProductSource>;
}

/** Organization + licence + owner + application (installed) + owner's bearer token and PAT with every scope. */
export async function bootstrap(store: Store, o: BootstrapOptions): Promise<BootstrapResult> {
  return store.db.transaction().execute(async (trx) => {
    const organizationId = await createOrganization(trx, o.organizationName);
    const licenseId = await createLicense(trx, {
      organizationId,
      region: o.region,
      plan: o.plan,
      expiresAt: o.expiresAt,
      source: o.source,
    });
    const owner = await createOwner(trx, licenseId, o.ownerEmail ?? `owner+${licenseId}@example.com`, o.ownerName);
    const clientId = await createApplication(trx, organizationId, 'Demo application');
    await installApplication(trx, clientId, licenseId);
    const bearer = await issueAccessToken(trx, {
      licenseId,
      accountId: owner.account_id,
      clientId,
      scopes: ALL_SCOPES,
      region: o.region,
    });
    const pat = await createPat(trx, { licenseId, accountId: owner.account_id, scopes: ALL_SCOPES });
    await saveBootstrapState(trx, store.dialect, licenseId); // what POST /admin/licenses/{id}/reset goes back to
    return {
      organization_id: organizationId,
      license_id: licenseId,
      region: o.region,
      owner,
      client_id: clientId,
      bearer_token: bearer,
      pat,
      basic_auth: basicAuth(owner.account_id, pat),
    };
  });
}

// ---------------------------------------------------------------- services shared by the CLI and the control plane

/** `scopes` as given by a caller: a list, or "all" (every scope). Unknown scopes are refused. */
export function resolveScopes(scopes: readonly string[] | 'all'): string[] {
  if (scopes === 'all') return [...ALL_SCOPES];
  const unknown = scopes.filter((x) => !ALL_SCOPES.includes(x));
  if (unknown.length) throw new ApiError('validation', `Unknown scope(s): ${unknown.join(', ')} (use "all" for every scope)`);
  if (scopes.length === 0) throw new ApiError('validation', 'scopes needs at least one scope');
  return [...new Set(scopes)];
}

async function agentAccount(db: Queryable, licenseId: number, agentId: string): Promise<{ id: string; account_id: string }> {
  const row = await db
    .selectFrom('agents')
    .select(['account_id', 'id'])
    .where('license_id', '=', licenseId)
    .where('id', '=', agentId)
    .executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Agent ${agentId} not found on licence ${licenseId}`);
  return row;
}

async function licenseRow(db: Queryable, licenseId: number) {
  const lic = await db
    .selectFrom('licenses')
    .select(['id', 'region', 'organization_id'])
    .where('id', '=', licenseId)
    .executeTakeFirst();
  if (!lic) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  return lic;
}

/** A new application of the organization, installed on `licenseId` when given (one transaction). */
export async function newApplication(
  store: Store,
  o: { organizationId: string; licenseId?: number; name?: string },
): Promise<{ client_id: string; installed: boolean }> {
  return store.db.transaction().execute(async (trx) => {
    const clientId = await createApplication(trx, o.organizationId, o.name ?? 'Application');
    const installed = o.licenseId === undefined ? false : await installApplication(trx, clientId, o.licenseId);
    return { client_id: clientId, installed };
  });
}

/** A bearer token for an agent (or bot) of the licence, in the licence's region. */
export async function newAccessToken(
  store: Store,
  o: { licenseId: number; agentId: string; clientId?: string | null; scopes: readonly string[] | 'all'; ttlSeconds?: number | null },
): Promise<{ bearer_token: string }> {
  const scopes = resolveScopes(o.scopes);
  if (o.ttlSeconds !== undefined && o.ttlSeconds !== null && (!Number.isInteger(o.ttlSeconds) || o.ttlSeconds <= 0)) {
    throw new ApiError('validation', 'ttl must be a positive whole number of seconds');
  }
  const lic = await licenseRow(store.db, o.licenseId);
  const agent = await agentAccount(store.db, o.licenseId, o.agentId);
  const clientId = o.clientId ?? null;
  if (clientId) {
    const app = await store.db.selectFrom('applications').select('client_id').where('client_id', '=', clientId).executeTakeFirst();
    if (!app) throw new ApiError('not_found', `Application ${clientId} not found`);
  }
  const token = await issueAccessToken(store.db, {
    licenseId: o.licenseId,
    accountId: agent.account_id,
    clientId,
    scopes,
    region: lic.region,
    ttlSeconds: o.ttlSeconds ?? null,
  });
  return { bearer_token: token };
}

/** A Personal Access Token for an agent of the licence. */
export async function newPat(
  store: Store,
  o: { licenseId: number; agentId: string; scopes: readonly string[] | 'all' },
): Promise<{ account_id: string; pat: string; basic_auth: string }> {
  const scopes = resolveScopes(o.scopes);
  await licenseRow(store.db, o.licenseId);
  const agent = await agentAccount(store.db, o.licenseId, o.agentId);
  const pat = await createPat(store.db, { licenseId: o.licenseId, accountId: agent.account_id, scopes });
  return { account_id: agent.account_id, pat, basic_auth: basicAuth(agent.account_id, pat) };
}

export interface LicenseInfo {
  id: number;
  organization_id: string;
  organization_name: string;
  region: string;
  plan: string;
  expires_at: string | null;
  created_at: string;
}

function licenseQuery(db: Queryable) {
  return db
    .selectFrom('licenses as l')
    .innerJoin('organizations as o', 'o.id', 'l.organization_id')
    .select(['l.id', 'l.organization_id', 'o.name as organization_name', 'l.region', 'l.plan', 'l.expires_at', 'l.created_at']);
}

/** Licences, newest first (optionally of one organization). */
export async function listLicenses(store: Store, o: { organizationId?: string; limit?: number } = {}): Promise<LicenseInfo[]> {
  let q = licenseQuery(store.db).orderBy('l.id', 'desc').limit(o.limit ?? 1000);
  if (o.organizationId) q = q.where('l.organization_id', '=', o.organizationId);
  return q.execute();
}

export async function getLicense(store: Store, licenseId: number): Promise<LicenseInfo> {
  const row = await licenseQuery(store.db).where('l.id', '=', licenseId).executeTakeFirst();
  if (!row) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  return row;
}

/** Change a licence's plan and/or expiry (null = never expires). Callers must drop cached token lookups. */
export async function updateLicense(
  store: Store,
  licenseId: number,
  o: { plan?: string; expiresAt?: string | null },
): Promise<LicenseInfo> {
  if (o.plan !== undefined && !(PLANS as readonly string[]).includes(o.plan)) {
    throw new ApiError('validation', `plan must be one of ${PLANS.join(', ')}`);
  }
  const expiresAt = o.expiresAt === undefined ? undefined : parseExpiresAt(o.expiresAt);
  const set = { ...(o.plan !== undefined ? { plan: o.plan } : {}), ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}) };
  if (Object.keys(set).length) {
    const r = await store.db.updateTable('licenses').set(set).where('id', '=', licenseId).executeTakeFirst();
    if (r.numUpdatedRows === 0n) throw new ApiError('not_found', `Licence ${licenseId} not found`);
  }
  return getLicense(store, licenseId);
}

/** An RFC 3339 date-time normalised to UTC, null for null/undefined; `validation` otherwise. */
export function parseExpiresAt(raw: string | null | undefined): string | null {
  if (raw === undefined || raw === null) return null;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new ApiError('validation', 'expires_at must be an RFC 3339 date-time, e.g. 2027-01-01T00:00:00Z');
  return new Date(t).toISOString();
}

/** The options of `config-api bootstrap` and `POST /admin/bootstrap`, validated, then `bootstrap`. */
export async function bootstrapLicense(
  store: Store,
  o: Omit<BootstrapOptions, 'expiresAt'> & { expiresAt?: string | null },
): Promise<BootstrapResult> {
  if (o.plan !== undefined && !(PLANS as readonly string[]).includes(o.plan)) {
    throw new ApiError('validation', `plan must be one of ${PLANS.join(', ')}`);
  }
  return bootstrap(store, { ...o, expiresAt: parseExpiresAt(o.expiresAt) });
}
