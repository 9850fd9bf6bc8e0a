/**
 * What the database itself can do, measured with pgbench on the bench's own seeded database right after the
 * scenarios, so that each PostgreSQL figure of the server can be read as a ratio of it (docs/performance.md
 * "PostgreSQL ratios"). Three custom scripts, each the statements the server runs for one request, over the same
 * connection path as the server (Unix socket or TCP), with as many clients as the server has pooled connections and
 * prepared statements (`-M prepared`, as the server's named statements):
 *
 * - `select`: get_agent's lookup, one agent of the 1,000 at random by `lower(id)`;
 * - `write_one_licence`: update_agent's transaction — BEGIN, the licence row locked (every writer of the licence
 *   waits for it, as the server's writers do), the agent read, its job_title and updated_at written (the statement
 *   triggers bump `agents_version`), the webhook targets looked up, COMMIT (synchronous_commit as configured);
 * - `write_random_rows`: the same, but locking the agent's own row instead of the licence's: the same work without
 *   the one row every writer of a licence shares, i.e. writers spread over many licences.
 *
 * - `write_spread` (when update_agent_spread ran): update_agent's transaction, the licence row locked, on a random
 *   agent of a random licence among the spread ones: writers spread over licences, as update_agent_spread's.
 *
 * And one reference that is not the server's statement: `select_only`, pgbench's own select-only script (`-S`, its
 * TPC-B tables made by `pgbench -i -s 1` in the bench's database, 4 clients, simple protocol), the figure issue 21
 * states its PostgreSQL read target against.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SEED, SPREAD } from './seed.js';
import { withSteal } from './machine.js';

const run = promisify(execFile);

export interface PgbenchFigure {
  script: 'select' | 'select_only' | 'write_one_licence' | 'write_random_rows' | 'write_spread';
  what: string;
  tps: number | null;
  /** The average latency pgbench reports, ms. */
  latencyMs: number | null;
  /** CPU time stolen by the hypervisor during the run, % (bench/lib/machine.ts). */
  stealPct?: number | null;
  error?: string;
}

/** pgbench on PATH, or the newest under /usr/lib/postgresql/<version>/bin; null when there is none. */
export async function findPgbench(): Promise<string | null> {
  try {
    await run('pgbench', ['--version']);
    return 'pgbench';
  } catch {
    const root = '/usr/lib/postgresql';
    if (!existsSync(root)) return null;
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin/pgbench'))).sort((a, b) => Number(b) - Number(a));
    return versions.length ? join(root, versions[0]!, 'bin/pgbench') : null;
  }
}

/** Whether a PostgreSQL URL names this host (a Unix socket, localhost or a loopback address). */
export function isLocal(url: string): boolean {
  const u = new URL(url);
  const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
  return host === '' || host.startsWith('/') || host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

const AGENT = `'agent-' || lpad(:n::text, 4, '0') || '@bench.example.com'`;
const TARGETS = (lic: number | string) => `SELECT w.id, w.owner_client_id, w.filters FROM webhooks w
  LEFT JOIN webhook_license_states s ON s.client_id = w.owner_client_id AND s.license_id = ${lic}
  WHERE w.owner_client_id IN (SELECT client_id FROM installations WHERE license_id = ${lic}) AND w.action = 'agent_updated'
  AND w.type = 'license' AND (s.enabled IS NULL OR s.enabled = 1) ORDER BY w.created_at, w.id;`;

/** update_agent's transaction on a random agent of a random licence among `ids` (the spread licences). */
function spreadScript(ids: readonly number[]): string {
  const lic = `(ARRAY[${ids.join(',')}])[:k + 1]`;
  const agent = `'l' || lpad(:k::text, 2, '0') || '-agent-' || lpad(:a::text, 3, '0') || '@bench.example.com'`;
  return `\\set k random(0, ${ids.length - 1})\n\\set a random(0, ${SPREAD.agents - 1})\nBEGIN;\n` +
    `SELECT id FROM licenses WHERE id = ${lic} FOR UPDATE;\n` +
    `SELECT * FROM agents WHERE license_id = ${lic} AND lower(id) = lower(${agent});\n` +
    `UPDATE agents SET job_title = 'pgbench ' || :a, updated_at = now()::text WHERE license_id = ${lic} AND id = ${agent};\n` +
    `${TARGETS(lic).replace(/\n\s*/g, ' ')}\nEND;\n`;
}

function scripts(lic: number): Record<Exclude<PgbenchFigure['script'], 'select_only' | 'write_spread'>, { what: string; text: string }> {
  const pick = `\\set n random(1, ${SEED.agents})\n`;
  const write = (lock: string) =>
    `${pick}BEGIN;\n${lock}\nSELECT * FROM agents WHERE license_id = ${lic} AND lower(id) = lower(${AGENT});\n` +
    `UPDATE agents SET job_title = 'pgbench ' || :n, updated_at = now()::text WHERE license_id = ${lic} AND id = ${AGENT};\n` +
    `${TARGETS(lic).replace(/\n\s*/g, ' ')}\nEND;\n`;
  return {
    select: { what: "get_agent's statement, random agents", text: `${pick}SELECT * FROM agents WHERE license_id = ${lic} AND lower(id) = lower(${AGENT});\n` },
    write_one_licence: {
      what: "update_agent's transaction, the licence row locked by every writer",
      text: write(`SELECT id FROM licenses WHERE id = ${lic} FOR UPDATE;`),
    },
    write_random_rows: {
      what: 'the same transaction locking the agent row instead (no row shared by the writers)',
      text: write(`SELECT account_id FROM agents WHERE license_id = ${lic} AND id = ${AGENT} FOR UPDATE;`),
    },
  };
}

/**
 * Each script whose scenario ran (`scenarios`) for `seconds` against `url` (libpq connection string: a Unix socket
 * too), `clients` clients on 2 threads. A failing run gives its error instead of a figure; the bench goes on.
 */
export async function runPgbench(
  pgbench: string,
  url: string,
  licenseId: number,
  o: {
    seconds: number;
    clients: number;
    scenarios: ReadonlySet<string>;
    spreadLicences?: readonly number[];
    /** Only these scripts (of those the scenarios are compared with); all of them when absent. */
    only?: ReadonlySet<PgbenchFigure['script']>;
  },
): Promise<PgbenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'config-api-pgbench-'));
  const out: PgbenchFigure[] = [];
  const wanted = (script: PgbenchFigure['script']) => !o.only || o.only.has(script);
  const measure = async (script: PgbenchFigure['script'], what: string, args: string[]) => {
    try {
      const { value: { stdout }, stealPct } = await withSteal(() => run(pgbench, [...args, '-T', String(o.seconds), url], { timeout: (o.seconds + 30) * 1000 }));
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
      const latency = /latency average = ([\d.]+) ms/.exec(stdout);
      out.push({ script, what, tps: tps ? Number(tps[1]) : null, latencyMs: latency ? Number(latency[1]) : null, stealPct });
    } catch (err) {
      out.push({ script, what, tps: null, latencyMs: null, error: lastLine(err) });
    }
  };
  try {
    for (const [script, { what, text }] of Object.entries(scripts(licenseId)) as Array<[PgbenchFigure['script'], { what: string; text: string }]>) {
      // Only the scripts a measured scenario is compared with.
      const comparedWith = script === 'select' ? ['get_agent'] : script === 'write_one_licence' ? ['update_agent'] : ['update_agent', 'update_agent_spread'];
      if (!comparedWith.some((name) => o.scenarios.has(name)) || !wanted(script)) continue;
      const file = join(dir, `${script}.sql`);
      writeFileSync(file, text);
      await measure(script, what, ['-n', '-M', 'prepared', '-c', String(o.clients), '-j', '2', '-f', file]);
    }
    if (o.scenarios.has('update_agent_spread') && o.spreadLicences?.length && wanted('write_spread')) {
      const file = join(dir, 'write_spread.sql');
      writeFileSync(file, spreadScript(o.spreadLicences));
      const what = `update_agent's transaction on random agents of ${o.spreadLicences.length} licences, each licence row locked`;
      await measure('write_spread', what, ['-n', '-M', 'prepared', '-c', String(o.clients), '-j', '2', '-f', file]);
    }
    if (o.scenarios.has('get_agent') && wanted('select_only')) {
      const what = "pgbench's built-in select-only (-S, scale 1, 4 clients): issue 21's reference";
      try {
        await run(pgbench, ['-i', '-s', '1', '-q', url], { timeout: 60_000 });
        await measure('select_only', what, ['-n', '-S', '-c', '4', '-j', '2']);
      } catch (err) {
        out.push({ script: 'select_only', what, tps: null, latencyMs: null, error: lastLine(err) });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The last line of a failed pgbench run's error output. */
function lastLine(err: unknown): string {
  const e = err as { stderr?: string; message: string };
  return (e.stderr || e.message).trim().split('\n').slice(-1)[0] ?? '';
}
