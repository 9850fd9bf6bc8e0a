/**
 * `config-api license list|show|update|reset|snapshot|snapshots|restore`: the licence operations of the control
 * plane, through the same functions as its routes (src/provisioning/licenses.ts, src/provisioning/snapshots.ts). A server running on
 * the same database keeps cached token lookups up to AUTH_CACHE_TTL_MS (default 5 s); the HTTP control plane drops
 * them at once.
 */
import type { Command } from 'commander';
import { getLicense, listLicenses, type LicenseInfo } from '../../tenancy/licenses.js';
import { updateLicense } from '../../provisioning/licenses.js';
import { listSnapshots, resetLicense, restoreSnapshot, snapshotLicense } from '../../provisioning/snapshots.js';
import { CliError, printing, type CliContext } from '../context.js';
import { licenceId } from '../options.js';

const line = (l: LicenseInfo) =>
  `${l.id}  ${l.region}  ${l.plan.padEnd(14)} ${l.expires_at ?? 'no expiry'}  ${l.organization_id} (${l.organization_name})`;

export function licenseCommand(program: Command, ctx: CliContext): void {
  const license = program.command('license').description('Licences: list, show, update, reset, snapshots (as the control plane)');

  const list = license.command('list').description('Every licence → {licenses:[…]}').option('--organization <id>', 'only this organization');
  printing(list, ctx, async (o: { organization?: string }) => {
    const licenses = await ctx.withCore(({ store }) => listLicenses(store.db, { organizationId: o.organization }));
    return { json: { licenses }, text: licenses.map(line).join('\n') || 'No licences' };
  });

  const show = license.command('show').description('One licence').requiredOption('--license <id>', 'the licence id', licenceId);
  printing(show, ctx, async (o: { license: number }) => {
    const l = await ctx.withCore(({ store }) => getLicense(store.db, o.license));
    return { json: l, text: line(l) };
  });

  const update = license
    .command('update')
    .description("Change a licence's plan and/or expiry")
    .requiredOption('--license <id>', 'the licence id', licenceId)
    .option('--plan <plan>', 'starter, team, enterprise or enterpriseplus')
    .option('--expires-at <date-time>', 'RFC 3339 date-time, or "never"');
  printing(update, ctx, async (o: { license: number; plan?: string; expiresAt?: string }) => {
    if (o.plan === undefined && o.expiresAt === undefined) {
      throw new CliError('license update needs --plan and/or --expires-at (an RFC 3339 date-time, or "never")');
    }
    const expiresAt = o.expiresAt === undefined ? undefined : o.expiresAt === 'never' ? null : o.expiresAt;
    const l = await ctx.withCore((core) =>
      core.transaction((tx) => updateLicense(tx, o.license, { plan: o.plan, expiresAt }), { licenseId: o.license }),
    );
    return { json: l, text: line(l) };
  });

  const reset = license
    .command('reset')
    .description('The licence back to its bootstrapped state (applications and credentials kept)')
    .requiredOption('--license <id>', 'the licence id', licenceId);
  printing(reset, ctx, async (o: { license: number }) => {
    const t0 = performance.now();
    const out = await ctx.withCore((core) => core.transaction((tx) => resetLicense(tx, o.license), { licenseId: o.license }));
    const ms = Math.round((performance.now() - t0) * 100) / 100;
    return { json: { ...out, duration_ms: ms }, text: `Licence ${o.license} reset (owner ${out.owner.id}) in ${ms} ms` };
  });

  const snapshot = license
    .command('snapshot')
    .description("Save the licence's configuration → {snapshot_id}")
    .requiredOption('--license <id>', 'the licence id', licenceId)
    .option('--name <name>', 'a name for the snapshot');
  printing(snapshot, ctx, async (o: { license: number; name?: string }) => {
    const out = await ctx.withCore((core) =>
      core.transaction((tx) => snapshotLicense(tx, o.license, o.name ?? null), { licenseId: o.license }),
    );
    return { json: out, text: `snapshot_id: ${out.snapshot_id} (${out.rows} rows)` };
  });

  const snapshots = license
    .command('snapshots')
    .description("The licence's snapshots → {snapshots:[…]}")
    .requiredOption('--license <id>', 'the licence id', licenceId);
  printing(snapshots, ctx, async (o: { license: number }) => {
    const found = await ctx.withCore(({ store }) => listSnapshots(store.db, o.license));
    return { json: { snapshots: found }, text: found.map((x) => `${x.snapshot_id}  ${x.created_at}  ${x.name ?? ''}`).join('\n') || 'No snapshots' };
  });

  const restore = license
    .command('restore')
    .description('Put back a snapshot of the licence')
    .requiredOption('--license <id>', 'the licence id', licenceId)
    .requiredOption('--snapshot <id>', 'the snapshot id');
  printing(restore, ctx, async (o: { license: number; snapshot: string }) => {
    const out = await ctx.withCore((core) =>
      core.transaction((tx) => restoreSnapshot(tx, o.license, o.snapshot), { licenseId: o.license }),
    );
    return { json: out, text: `Licence ${o.license} restored from ${o.snapshot}` };
  });
}
