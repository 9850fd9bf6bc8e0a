/**
 * Organizations, licences, applications and credentials. Used by the CLI (bootstrap, app, token) and by tests.
 */
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import { insertAgent } from '../agents/repo.js';
import { nextCounter, nowIso, type Queryable, type Store } from '../store/db.js';
import { hashSecret, randomHexId, randomSecret, uuid } from './secrets.js';

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
