/**
 * `config-api license …`: the licence operations of the control plane, through the same functions as its routes
 * (src/tenancy/tenancy.ts, src/tenancy/state.ts):
 *   license list [--organization ORG] | license show --license L | license update --license L [--plan P] [--expires-at ISO|never]
 *   license reset --license L | license snapshot --license L [--name N] | license snapshots --license L
 *   license restore --license L --snapshot ID
 * A server running on the same database keeps cached token lookups up to AUTH_CACHE_TTL_MS (default 5 s); the HTTP
 * control plane drops them at once.
 */
import { ApiError } from '../kernel/errors.js';
import type { Store } from '../store/db.js';
import type { Core } from '../core.js';
import { getLicense, listLicenses, updateLicense, type LicenseInfo } from '../tenancy/tenancy.js';
import { listSnapshots, resetLicense, restoreSnapshot, snapshotLicense } from '../tenancy/state.js';

type Flags = Record<string, string | boolean | undefined>;
/** The part of main.ts's CommandContext these commands use (kept local: main.ts imports this module). */
interface Ctx {
  flags: Flags;
  withStore<T>(fn: (store: Store) => Promise<T>): Promise<T>;
  withCore<T>(fn: (core: Core) => Promise<T>): Promise<T>;
}
type Command = (ctx: Ctx) => Promise<{ json: unknown; text: string }>;

function licenseFlag(flags: Flags): number {
  const v = Number(flags.license);
  if (typeof flags.license !== 'string' || !Number.isInteger(v)) throw new ApiError('validation', '--license must be a licence id');
  return v;
}

const line = (l: LicenseInfo) =>
  `${l.id}  ${l.region}  ${l.plan.padEnd(14)} ${l.expires_at ?? 'no expiry'}  ${l.organization_id} (${l.organization_name})`;

export const licenseCommands: Record<string, Command> = {
  async 'license list'({ flags, withStore }) {
    const licenses = await withStore((s) => listLicenses(s.db, { organizationId: flags.organization as string | undefined }));
    return { json: { licenses }, text: licenses.map(line).join('\n') || 'No licences' };
  },
  async 'license show'({ flags, withStore }) {
    const l = await withStore((s) => getLicense(s.db, licenseFlag(flags)));
    return { json: l, text: line(l) };
  },
  async 'license update'({ flags, withCore }) {
    const licenseId = licenseFlag(flags);
    const raw = flags['expires-at'] as string | undefined;
    const plan = flags.plan as string | undefined;
    if (raw === undefined && plan === undefined) throw new ApiError('validation', 'license update needs --plan and/or --expires-at (an RFC 3339 date-time, or "never")');
    const expiresAt = raw === undefined ? undefined : raw === 'never' ? null : raw;
    const l = await withCore((core) => core.transaction((trx) => updateLicense(trx, licenseId, { plan, expiresAt }), { licenseId }));
    return { json: l, text: line(l) };
  },
  async 'license reset'({ flags, withCore }) {
    const licenseId = licenseFlag(flags);
    const t0 = performance.now();
    const out = await withCore((core) => core.transaction((trx) => resetLicense(trx, licenseId), { licenseId }));
    const ms = Math.round((performance.now() - t0) * 100) / 100;
    return { json: { ...out, duration_ms: ms }, text: `Licence ${licenseId} reset (owner ${out.owner.id}) in ${ms} ms` };
  },
  async 'license snapshot'({ flags, withCore }) {
    const licenseId = licenseFlag(flags);
    const name = (flags.name as string | undefined) ?? null;
    const out = await withCore((core) => core.transaction((trx) => snapshotLicense(trx, licenseId, name), { licenseId }));
    return { json: out, text: `snapshot_id: ${out.snapshot_id} (${out.rows} rows)` };
  },
  async 'license snapshots'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const snapshots = await withStore((s) => listSnapshots(s.db, licenseId));
    return { json: { snapshots }, text: snapshots.map((x) => `${x.snapshot_id}  ${x.created_at}  ${x.name ?? ''}`).join('\n') || 'No snapshots' };
  },
  async 'license restore'({ flags, withCore }) {
    const licenseId = licenseFlag(flags);
    const id = flags.snapshot;
    if (typeof id !== 'string' || !id) throw new ApiError('validation', '--snapshot is required');
    const out = await withCore((core) => core.transaction((trx) => restoreSnapshot(trx, licenseId, id), { licenseId }));
    return { json: out, text: `Licence ${licenseId} restored from ${id}` };
  },
};
