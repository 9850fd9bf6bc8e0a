/**
 * `config-api license …`: the licence operations of the control plane, through the same functions as its routes
 * (src/tenancy/tenancy.ts, src/tenancy/state.ts):
 *   license list [--organization ORG] | license show --license L | license update --license L [--plan P] [--expires-at ISO|never]
 *   license reset --license L | license snapshot --license L [--name N] | license snapshots --license L
 *   license restore --license L --snapshot ID
 * A server running on the same database keeps cached token lookups up to AUTH_CACHE_TTL_MS (default 5 s); the HTTP
 * control plane drops them at once.
 */
import { CliError, licenseFlag, type Command } from '../cli/main.js';
import { getLicense, listLicenses, updateLicense, type LicenseInfo } from './tenancy.js';
import { listSnapshots, resetLicense, restoreSnapshot, snapshotLicense } from './state.js';

const line = (l: LicenseInfo) =>
  `${l.id}  ${l.region}  ${l.plan.padEnd(14)} ${l.expires_at ?? 'no expiry'}  ${l.organization_id} (${l.organization_name})`;

export const licenseCommands: Record<string, Command> = {
  async 'license list'({ flags, withStore }) {
    const licenses = await withStore((s) => listLicenses(s, { organizationId: flags.organization as string | undefined }));
    return { json: { licenses }, text: licenses.map(line).join('\n') || 'No licences' };
  },
  async 'license show'({ flags, withStore }) {
    const l = await withStore((s) => getLicense(s, licenseFlag(flags)));
    return { json: l, text: line(l) };
  },
  async 'license update'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const raw = flags['expires-at'] as string | undefined;
    const plan = flags.plan as string | undefined;
    if (raw === undefined && plan === undefined) throw new CliError('license update needs --plan and/or --expires-at (an RFC 3339 date-time, or "never")');
    const l = await withStore((s) => updateLicense(s, licenseId, { plan, expiresAt: raw === undefined ? undefined : raw === 'never' ? null : raw }));
    return { json: l, text: line(l) };
  },
  async 'license reset'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const t0 = performance.now();
    const out = await withStore((s) => resetLicense(s, licenseId));
    const ms = Math.round((performance.now() - t0) * 100) / 100;
    return { json: { ...out, duration_ms: ms }, text: `Licence ${licenseId} reset (owner ${out.owner.id}) in ${ms} ms` };
  },
  async 'license snapshot'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const out = await withStore((s) => snapshotLicense(s, licenseId, (flags.name as string | undefined) ?? null));
    return { json: out, text: `snapshot_id: ${out.snapshot_id} (${out.rows} rows)` };
  },
  async 'license snapshots'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const snapshots = await withStore((s) => listSnapshots(s, licenseId));
    return { json: { snapshots }, text: snapshots.map((x) => `${x.snapshot_id}  ${x.created_at}  ${x.name ?? ''}`).join('\n') || 'No snapshots' };
  },
  async 'license restore'({ flags, withStore }) {
    const licenseId = licenseFlag(flags);
    const id = flags.snapshot;
    if (typeof id !== 'string' || !id) throw new CliError('--snapshot is required');
    const out = await withStore((s) => restoreSnapshot(s, licenseId, id));
    return { json: out, text: `Licence ${licenseId} restored from ${id}` };
  },
};
