/**
 * `config-api` CLI: serve, migrate, bootstrap, app create/install, token create, pat create, unsuspension-requests.
 * Same env vars as the server. With --json every command prints exactly one JSON object on stdout.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { migrate, openReachableStore, StoreUnavailableError, type Store } from '../store/db.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import { ApiError } from '../kernel/errors.js';
import { bootstrapLicense, installApplication, newAccessToken, newApplication, newPat, PLANS } from '../tenancy/tenancy.js';
import { createCore, type Core } from '../core.js';
import { serve } from './serve.js';
import { demoToken } from '../tenancy/demo.js';
import { extraCommands } from './commands.js';

export class CliError extends Error {}

type Flags = Record<string, string | boolean | undefined>;

export interface CommandContext {
  config: Config;
  flags: Flags;
  positionals: string[];
  withStore<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  /** The app's core on the database (writes through `core.transaction`, as the server makes them). */
  withCore<T>(fn: (core: Core) => Promise<T>): Promise<T>;
}

export type Command = (ctx: CommandContext) => Promise<{ json: unknown; text: string } | void>;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  organization: { type: 'string' },
  install: { type: 'string' },
  name: { type: 'string' },
  license: { type: 'string' },
  agent: { type: 'string' },
  'client-id': { type: 'string' },
  scopes: { type: 'string' },
  ttl: { type: 'string' },
  'owner-email': { type: 'string' },
  plan: { type: 'string' },
  'expires-at': { type: 'string' },
  'source-id': { type: 'string' },
  'source-type': { type: 'string' },
  'source-url': { type: 'string' },
  webhook: { type: 'string' },
  status: { type: 'string' },
  type: { type: 'string' },
  subtype: { type: 'string' },
  at: { type: 'string' },
  limit: { type: 'string' },
  snapshot: { type: 'string' },
  action: { type: 'string' },
} as const;

export const USAGE = `Usage: config-api <command> [options]

Commands:
  serve                                   Run the HTTP server (what npm start runs)
  migrate                                 Apply database migrations
  bootstrap [--owner-email E] [--plan P] [--expires-at ISO] [--source-id S --source-type T --source-url U]
                                          Create organization, licence, owner, application, token and PAT
  app create --organization ORG [--install LICENSE] [--name N]
  app install --client-id ID --license LICENSE
  token create --license L --agent AGENT [--client-id ID] --scopes a,b,... [--ttl SECONDS]
  pat create --license L --agent AGENT --scopes a,b,...
  unsuspension-requests list --license L
  license list|show|update|reset|snapshot|snapshots|restore   (see README "Control plane")
  demo-token                              A new bearer token for the demo licence's owner (when the printed one was lost)
  {extra}
Options:
  --json      print exactly one JSON object on stdout
Environment: PORT, HOST, REGION (dal|fra), DATABASE_URL (sqlite:./data/… or postgres://…; sqlite::memory: = throwaway), LOG_LEVEL,
  CORS_ORIGINS, METRICS_TOKEN, READINESS_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS (see README "Operating")`;

const usage = () => USAGE.replace('{extra}', Object.keys(extraCommands).join('\n  '));

function need(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v === '') throw new CliError(`--${name} is required`);
  return v;
}

export function licenseFlag(flags: Flags): number {
  const v = Number(need(flags, 'license'));
  if (!Number.isInteger(v)) throw new CliError('--license must be a licence id');
  return v;
}

function scopesFlag(flags: Flags): string[] {
  const raw = need(flags, 'scopes');
  if (raw === 'all') return [...ALL_SCOPES];
  const scopes = raw.split(/[,\s]+/).filter(Boolean);
  const unknown = scopes.filter((x) => !ALL_SCOPES.includes(x));
  if (unknown.length) throw new CliError(`Unknown scope(s): ${unknown.join(', ')} (see src/api/scopes.ts ALL_SCOPES, or use --scopes all)`);
  if (scopes.length === 0) throw new CliError('--scopes needs at least one scope');
  return scopes;
}

function ttlFlag(flags: Flags): number | null {
  if (flags.ttl === undefined) return null;
  const ttl = Number(flags.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new CliError('--ttl must be a positive whole number of seconds');
  return ttl;
}

function expiresAtFlag(flags: Flags): string | null {
  const raw = flags['expires-at'];
  if (typeof raw !== 'string') return null;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new CliError('--expires-at must be an RFC 3339 date-time, e.g. 2027-01-01T00:00:00Z');
  return new Date(t).toISOString();
}

const commands: Record<string, Command> = {
  async migrate({ withStore }) {
    const applied = await withStore((s) => migrate(s));
    return { json: { applied }, text: applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date' };
  },
  async bootstrap({ config, flags, withCore }) {
    const plan = flags.plan as string | undefined;
    if (plan && !(PLANS as readonly string[]).includes(plan)) throw new CliError(`--plan must be one of ${PLANS.join(', ')}`);
    const result = await withCore((core) =>
      core.transaction((trx) =>
        bootstrapLicense(trx, core.cascades, {
          region: config.region,
          ownerEmail: flags['owner-email'] as string | undefined,
          plan,
          expiresAt: expiresAtFlag(flags),
          source: {
            ...(flags['source-id'] !== undefined ? { source_id: flags['source-id'] as string } : {}),
            ...(flags['source-type'] !== undefined ? { source_type: flags['source-type'] as string } : {}),
            ...(flags['source-url'] !== undefined ? { source_url: flags['source-url'] as string } : {}),
          },
        }),
      ),
    );
    return { json: result, text: JSON.stringify(result, null, 2) };
  },
  async 'app create'({ flags, withCore }) {
    const org = need(flags, 'organization');
    const install = flags.install as string | undefined;
    if (install !== undefined && !Number.isInteger(Number(install))) throw new CliError('--install must be a licence id');
    const { client_id: clientId } = await withCore((core) =>
      core.transaction((trx) =>
        newApplication(trx, core.cascades, {
          organizationId: org,
          licenseId: install === undefined ? undefined : Number(install),
          name: (flags.name as string | undefined) ?? 'Application',
        }),
      ),
    );
    return { json: { client_id: clientId }, text: `client_id: ${clientId}` };
  },
  async 'app install'({ flags, withCore }) {
    const clientId = need(flags, 'client-id');
    const licenseId = licenseFlag(flags);
    const installed = await withCore((core) => core.transaction((trx) => installApplication(trx, core.cascades, clientId, licenseId)));
    return { json: { client_id: clientId, license_id: licenseId, installed }, text: installed ? 'Installed' : 'Already installed' };
  },
  async 'token create'({ flags, withCore }) {
    const licenseId = licenseFlag(flags);
    const agentId = need(flags, 'agent');
    const scopes = scopesFlag(flags);
    const ttl = ttlFlag(flags);
    const clientId = (flags['client-id'] as string | undefined) ?? null;
    const { bearer_token: token } = await withCore((core) =>
      core.transaction((trx) => newAccessToken(trx, { licenseId, agentId, clientId, scopes, ttlSeconds: ttl })),
    );
    return { json: { bearer_token: token }, text: token };
  },
  async 'pat create'({ flags, withCore }) {
    const licenseId = licenseFlag(flags);
    const agentId = need(flags, 'agent');
    const scopes = scopesFlag(flags);
    const out = await withCore((core) => core.transaction((trx) => newPat(trx, { licenseId, agentId, scopes })));
    return { json: out, text: `Authorization: Basic ${out.basic_auth}` };
  },
  async 'unsuspension-requests list'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const rows = await withStore((s) =>
      s.db.selectFrom('unsuspension_requests').selectAll().where('license_id', '=', licenseId).orderBy('requested_at').execute(),
    );
    const requests = rows.map((r) => ({ id: r.id, agent_id: r.agent_id, recipients: JSON.parse(r.recipients), requested_at: r.requested_at }));
    return {
      json: { requests },
      text: requests.map((r) => `${r.requested_at}  ${r.agent_id} → ${r.recipients.join(', ')}`).join('\n') || 'No requests',
    };
  },
  async 'demo-token'({ config, withStore }) {
    const t = await withStore((s) => demoToken(s, config.region));
    if (!t) throw new CliError(`No demo licence in region ${config.region}: config-api serve creates one on an empty database`);
    return { json: t, text: `Bearer token of ${t.owner.id} (licence ${t.license_id}):\n${t.bearer_token}` };
  },
  ...extraCommands,
};

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage()}\n`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  const json = flags.json === true;
  const name = positionals.length >= 2 && commands[`${positionals[0]} ${positionals[1]}`] ? `${positionals[0]} ${positionals[1]}` : positionals[0];
  if (flags.help || !name) {
    process.stdout.write(`${usage()}\n`);
    return name || flags.help ? 0 : 2;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (name === 'serve') {
    try {
      return await serve(config);
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command: ${positionals.join(' ')}\n${usage()}\n`);
    return 2;
  }
  const withStore = async <T>(fn: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openReachableStore(config.database.url, { poolSize: 2, sqliteSynchronous: config.database.sqliteSynchronous });
    try {
      await migrate(store);
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const withCore = <T>(fn: (core: Core) => Promise<T>): Promise<T> => withStore((store) => fn(createCore(store, config)));
  try {
    const out = await command({ config, flags, positionals: positionals.slice(name.split(' ').length), withStore, withCore });
    if (out) process.stdout.write(`${json ? JSON.stringify(out.json) : out.text}\n`);
    return 0;
  } catch (err) {
    if (err instanceof StoreUnavailableError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    const known = err instanceof CliError || err instanceof ApiError;
    const message = known ? (err as Error).message : `Unexpected error: ${(err as Error).message}`;
    if (json) {
      const type = err instanceof ApiError ? err.type : 'validation';
      process.stdout.write(`${JSON.stringify({ error: { type, message } })}\n`);
    } else {
      process.stderr.write(`${message}\n`);
    }
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
