/**
 * `npm run bench`: load-test the API on loopback against a bare-Fastify baseline measured in the same run.
 * See docs/performance.md for what each scenario does, the targets and the recorded results.
 *
 *   npm run bench -- [--duration 10] [--warmup 2] [--connections 50] [--scenarios a,b] [--store sqlite|postgres]
 *                    [--runtime dist|tsx] [--log-level warn] [--out bench/results.json] [--keep] [--nodes N]
 *                    [--api-version 3.5|3.6|3.4]
 *
 * `--nodes N` (N > 1, PostgreSQL): the scenarios run twice in one invocation, each time on a fresh database seeded
 * the same way — first on one node, then on N nodes sharing the database and one bot-token signing key, with the load
 * generator spreading its connections (and the webhook scenario its writes) over the nodes — and the two are printed
 * side by side (docs/performance.md "A cluster").
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiClient } from './lib/api.js';
import { createDatabase, localSocketDir, overUnixSocket, PG_SOCKET_DIR, runStatement } from '../test/support/database.js';
import { runToEnd, startServer, type Child } from './lib/processes.js';
import { ROOT, cliCommand, freePort, startScriptLaunch, type Runtime } from '../test/support/processes.js';
import { SPREAD, agentId, seed, seedSpread, type SeedReport, type SpreadLicence } from './lib/seed.js';
import { SCENARIOS, scenarioRunners, type LoadOptions, type ScenarioName, type ScenarioResult } from './lib/scenarios.js';
import { RATIO_TARGETS, checkTargets, printComparison, printPgbench, printRounds, printTable, printTargets, type RatioRound, type TargetCheck } from './lib/report.js';
import { withSteal } from './lib/machine.js';
import { findPgbench, isLocal, runPgbench, type PgbenchFigure } from './lib/pgbench.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    'batch-connections': { type: 'string', default: '1' },
    'webhook-rate': { type: 'string', default: '100' },
    'list-workers': { type: 'string', default: '2' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    store: { type: 'string', default: 'sqlite' },
    nodes: { type: 'string', default: '1' },
    'api-version': { type: 'string', default: '3.5' },
    runtime: { type: 'string', default: 'dist' },
    'log-level': { type: 'string', default: 'warn' },
    out: { type: 'string', default: join(ROOT, 'bench/results.json') },
    'pg-url': { type: 'string', default: process.env.PG_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    'pg-socket': { type: 'string', default: 'auto' },
    pgbench: { type: 'string', default: 'auto' },
    'pgbench-clients': { type: 'string', default: '10' },
    rounds: { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'node-options': { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  process.stdout.write(`Usage: npm run bench -- [options]
  --duration S           measured seconds per scenario (default 10)
  --warmup S             warm-up seconds per scenario, discarded (default 2)
  --connections N        autocannon connections (default 50)
  --batch-connections N  connections for batch_create_agents (default 1: the latency of one batch)
  --webhook-rate N       update_agent calls per second in write_to_webhook (default 100, paced)
  --list-workers N       autocannon worker threads for list_agents (default 2; 0 = main thread only)
  --scenarios a,b        subset of: ${SCENARIOS.join(', ')} (baseline always runs)
  --store sqlite|postgres  fresh SQLite file (default) or fresh PostgreSQL database
  --api-version V        the API version the scenarios call: 3.4, 3.5 (default) or 3.6 (seeding always uses 3.5)
  --nodes N              N > 1 (PostgreSQL only): run the scenarios on 1 node, then on N nodes of one database
                         (each on a fresh database, same seed, shared TOKEN_SIGNING_KEY; connections and webhook
                         writes spread over the nodes) and print them side by side (default 1)
  --runtime dist|tsx     run the compiled server (dist/, default; npm run bench builds it) or the TS sources
  --log-level L          server LOG_LEVEL (default warn: no per-request logs)
  --out FILE             results file (default bench/results.json)
  --pg-socket auto|on|off  the server reaches PostgreSQL through its Unix socket (PG_SOCKET_DIR, default
                         /var/run/postgresql) instead of --pg-url's TCP address: auto (default) when the socket is
                         there, on (required), off (TCP)
  --pgbench auto|off     PostgreSQL on this host: after the scenarios, pgbench runs get_agent's and update_agent's
                         statements (of those two, the ones measured) on the same database for min(--duration, 10) s
                         each, plus pgbench's built-in select-only (-S, 4 clients: issue 21's reference) when
                         get_agent ran, and the server's figures are printed as ratios of its (default auto: when
                         pgbench is installed and PostgreSQL is local)
  --pgbench-clients N    pgbench clients (default 10, the server's DATABASE_POOL_SIZE)
  --rounds N             N > 0: after the scenarios, N rounds alternating each ratio target's scenario with its
                         reference back to back (SQLite: get_agent after the baseline; PostgreSQL on this host:
                         get_agent, update_agent, update_agent_spread, those selected, each followed by its target's
                         pgbench script), and the median of each target's ratios checked; on a shared VM whose speed
                         drifts, these are the figures to judge (default 0: the single run's figures)
  --keep                 keep the database afterwards
  --node-options=FLAGS  extra node flags for the server process, after those of "npm start" (e.g. --node-options=--max-old-space-size=96)
  --cpu-prof DIR         run the server under node --cpu-prof, profile written to DIR on exit
                         (summarise: node --import tsx bench/profile-summary.ts DIR/<file>.cpuprofile)
`);
  process.exit(0);
}

const num = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got "${v}"`);
  return n;
};
const loadOptions: LoadOptions = {
  duration: num('duration', flags.duration),
  warmup: num('warmup', flags.warmup),
  connections: Math.max(1, Math.floor(num('connections', flags.connections))),
  batchConnections: Math.max(1, Math.floor(num('batch-connections', flags['batch-connections']))),
  webhookRate: Math.max(1, num('webhook-rate', flags['webhook-rate'])),
  listWorkers: Math.floor(num('list-workers', flags['list-workers'])),
};
const { duration, warmup, connections } = loadOptions;
const storeKind = flags.store;
if (storeKind !== 'sqlite' && storeKind !== 'postgres') throw new Error('--store must be sqlite or postgres');
const nodes = Math.floor(num('nodes', flags.nodes));
if (nodes < 1) throw new Error('--nodes must be at least 1');
const pgSocket = flags['pg-socket']!;
if (!['auto', 'on', 'off'].includes(pgSocket)) throw new Error('--pg-socket must be auto, on or off');
/** The socket directory the server connects through (PostgreSQL on this host), or null for TCP. */
const socketDir = ((): string | null => {
  if (storeKind !== 'postgres' || pgSocket === 'off') return null;
  const dir = localSocketDir(Number(new URL(flags['pg-url']!).port || 5432));
  if (!dir && pgSocket === 'on') throw new Error(`--pg-socket on: no PostgreSQL socket in ${PG_SOCKET_DIR}`);
  return dir;
})();
if (nodes > 1 && storeKind !== 'postgres') throw new Error('--nodes above 1 needs --store postgres (nodes share one PostgreSQL database)');
const apiVersion = flags['api-version']!.replace(/^v/, '');
if (!['3.4', '3.5', '3.6'].includes(apiVersion)) throw new Error('--api-version must be 3.4, 3.5 or 3.6');
const runtime = flags.runtime as Runtime;
if (runtime !== 'dist' && runtime !== 'tsx') throw new Error('--runtime must be dist or tsx');
const selected = new Set<ScenarioName>(['baseline']);
for (const s of flags.scenarios!.split(',').map((x) => x.trim()).filter(Boolean)) {
  if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario "${s}"; known: ${SCENARIOS.join(', ')}`);
  selected.add(s as ScenarioName);
}
/**
 * A PostgreSQL server needs a configured bot-token signing key (a cluster's nodes share it); one for the whole run
 * (both phases are configured alike). SQLite generates its key file next to the database.
 */
const signingKey = storeKind === 'postgres' ? randomBytes(32).toString('base64url') : undefined;
const launch = startScriptLaunch(); // as `npm start` runs it
const ratioRounds = Math.floor(num('rounds', flags.rounds));

/** One pass over the selected scenarios on `nodeCount` nodes of a fresh, seeded database. */
interface Phase {
  nodes: number;
  seeded: SeedReport;
  results: ScenarioResult[];
  /** The largest node's peak RSS over the phase (seeding included), bytes. */
  peakRss: number | null;
  rssAfterSeed: number | null;
  targets?: TargetCheck[];
  /** pgbench's figures on the phase's database (single node, PostgreSQL on this host). */
  pgbench?: PgbenchFigure[];
  /** `--rounds`: each ratio target's scenario measured again next to its reference, round after round. */
  rounds?: RatioRound[];
}

/** The largest value over the nodes, null when none is known. */
const largest = (values: Array<number | null>): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.max(...known) : null;
};

async function runPhase(nodeCount: number, withBaseline: boolean): Promise<Phase> {
  const db = await createDatabase(storeKind as 'sqlite' | 'postgres', { purpose: 'bench', pgAdminUrl: flags['pg-url']! });
  const env = {
    ...process.env,
    DATABASE_URL: socketDir ? overUnixSocket(db.url, socketDir) : db.url,
    REGION: 'dal',
    HOST: '127.0.0.1',
    LOG_LEVEL: flags['log-level'],
    ...(signingKey ? { TOKEN_SIGNING_KEY: signingKey } : {}),
  };
  const children: Child[] = [];
  const receivers: Array<() => Promise<void>> = [];
  try {
    const where = env.DATABASE_URL.replace(/\/\/[^@]*@/, '//');
    if (nodes > 1) process.stdout.write(`\n== ${nodeCount} node${nodeCount === 1 ? '' : 's'} (${where})\n`);
    else {
      process.stdout.write(`store: ${storeKind} (${where}), runtime: ${runtime}, ` +
        `${connections} connections, ${duration}s (+${warmup}s warm-up) per scenario\n`);
    }
    const boot = JSON.parse(await runToEnd([...cliCommand(runtime), 'bootstrap', '--json', '--owner-email', 'owner@bench.example.com'], env));
    const prof = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['cpu-prof']}`] : [];
    const nodeFlags = [...launch.nodeFlags, ...flags['node-options']!.split(/\s+/).filter(Boolean)];
    const servers: Child[] = [];
    // One after the other: the first applies the migrations, the others find them applied.
    for (let i = 0; i < nodeCount; i++) {
      const port = await freePort();
      const server = await startServer([...nodeFlags, ...prof, ...cliCommand(runtime), 'serve'], { ...launch.env, ...env, PORT: String(port) }, port);
      children.push(server);
      servers.push(server);
    }
    const apis = servers.map((s) => new ApiClient(s.url, boot.bearer_token, apiVersion));
    const api = apis[0]!;

    process.stdout.write('seeding…\n');
    const seeded: SeedReport = await seed(new ApiClient(api.baseUrl, boot.bearer_token), { ownerId: boot.owner.id, clientId: boot.client_id });
    process.stdout.write(
      `seeded in ${seeded.ms} ms: ${seeded.agents} agents, ${seeded.groups} groups, tags: ${seeded.tags}, properties: ${seeded.properties}\n`,
    );
    let spread: SpreadLicence[] | undefined;
    if (selected.has('update_agent_spread')) {
      // More licences for writers spread over licences: bootstrapped by the CLI (as the first), seeded through the API.
      spread = [];
      for (let k = 0; k < SPREAD.licences; k++) {
        const b = JSON.parse(await runToEnd([...cliCommand(runtime), 'bootstrap', '--json', '--owner-email', `owner-${k}@spread.bench.example.com`], env));
        spread.push(await seedSpread(new ApiClient(api.baseUrl, b.bearer_token), k, b.license_id));
      }
      process.stdout.write(`seeded ${SPREAD.licences} more licences of ${SPREAD.agents} agents each (update_agent_spread)\n`);
    }
    if (storeKind === 'postgres') {
      // Planner statistics, as autovacuum gathers them within a minute of a bulk import: without them PostgreSQL
      // plans get_agent's (license_id, id, type) lookup on the (license_id, type) index and filters every agent.
      await runStatement(db.url, 'ANALYZE');
    }
    const rssAfterSeed = largest(servers.map((s) => s.rss()));
    let peakRss = largest(servers.map((s) => s.peakRss()));

    // The baseline answers with get_agent's exact response text, so both move the same bytes.
    const sample = await fetch(api.baseUrl + api.path('get_agent'), { method: 'POST', headers: api.headers(), body: JSON.stringify({ id: agentId(1) }) });
    const sampleText = await sample.text();
    if (sample.status !== 200) throw new Error(`get_agent answered ${sample.status}: ${sampleText}`);
    let baseline: { url: string; cpuMs: () => number | null; sampleText: string } | undefined;
    if (withBaseline) {
      const basePort = await freePort();
      const child = await startServer(['--import', 'tsx', 'bench/baseline.ts', String(basePort), sampleText], env, basePort);
      children.push(child);
      baseline = { url: child.url, cpuMs: child.cpuMs, sampleText };
    }

    const serverCpuMs = () => {
      let total = 0;
      for (const s of servers) {
        const ms = s.cpuMs();
        if (ms === null) return null;
        total += ms;
      }
      return total;
    };
    const scenarios = scenarioRunners({
      apis, baseline, clientId: boot.client_id, seeded, spread, sampleText, serverCpuMs, opts: loadOptions,
      onReceiver: (close) => receivers.push(close),
    });
    const measure = async (name: ScenarioName): Promise<ScenarioResult> => {
      const resettable = servers.map((s) => s.resetPeakRss()).every(Boolean);
      const { value: r, stealPct } = await withSteal(() => scenarios[name]());
      r.stealPct = stealPct;
      r.serverRssAfter = largest(servers.map((s) => s.rss()));
      const peak = largest(servers.map((s) => s.peakRss()));
      r.serverPeakRss = resettable ? peak : null;
      if (peak !== null) peakRss = Math.max(peakRss ?? 0, peak);
      return r;
    };
    const results: ScenarioResult[] = [];
    for (const name of SCENARIOS) {
      if (!selected.has(name) || (name === 'baseline' && !withBaseline)) continue;
      process.stdout.write(`${name}…\n`);
      results.push(await measure(name));
    }
    let pgbenchFigures: PgbenchFigure[] | undefined;
    const rounds: RatioRound[] = [];
    const measured = new Set(results.filter((r) => r.status === 'ok').map((r) => r.name as string));
    const compared = measured.has('get_agent') || measured.has('update_agent') || measured.has('update_agent_spread');
    let pgbenchRun: ((scenario: ScenarioName, script: PgbenchFigure['script']) => Promise<PgbenchFigure>) | undefined;
    if (nodeCount === 1 && compared && storeKind === 'postgres' && flags.pgbench !== 'off' && isLocal(env.DATABASE_URL)) {
      const pgbench = await findPgbench();
      if (pgbench) {
        const seconds = Math.max(1, Math.min(duration, 10));
        const clients = Math.max(1, Math.floor(num('pgbench-clients', flags['pgbench-clients'])));
        const spreadLicences = spread?.map((l) => l.licenseId);
        process.stdout.write(`pgbench (${seconds} s per script)…\n`);
        pgbenchFigures = await runPgbench(pgbench, env.DATABASE_URL, boot.license_id, { seconds, clients, scenarios: measured, spreadLicences });
        pgbenchRun = async (scenario, script) =>
          (await runPgbench(pgbench, env.DATABASE_URL, boot.license_id, { seconds, clients, scenarios: new Set([scenario]), spreadLicences, only: new Set([script]) }))[0]!;
      } else process.stdout.write('pgbench not found (PATH, /usr/lib/postgresql/*/bin): no PostgreSQL ratios\n');
    }
    for (let round = 1; round <= ratioRounds && nodeCount === 1; round++) {
      for (const { scenario, against, store } of RATIO_TARGETS) {
        if (!measured.has(scenario) || store !== storeKind) continue;
        if (against === 'baseline') {
          if (!withBaseline) continue;
          process.stdout.write(`round ${round}: baseline, then ${scenario}…\n`);
          const base = await measure('baseline');
          rounds.push({ round, against, result: await measure(scenario), reference: { perSec: base.reqPerSec ?? null, stealPct: base.stealPct } });
        } else if (pgbenchRun) {
          process.stdout.write(`round ${round}: ${scenario}, then pgbench ${against}…\n`);
          const result = await measure(scenario);
          const f = await pgbenchRun(scenario, against);
          rounds.push({ round, against, result, reference: { perSec: f.tps, stealPct: f.stealPct, ...(f.error ? { error: f.error } : {}) } });
        }
      }
    }
    return { nodes: nodeCount, seeded, results, peakRss, rssAfterSeed, pgbench: pgbenchFigures, ...(rounds.length ? { rounds } : {}) };
  } finally {
    for (const close of receivers) await close();
    for (const c of children.reverse()) await c.stop();
    if (!flags.keep) await db.drop();
    else process.stdout.write(`kept database ${db.url}\n`);
  }
}

async function main() {
  if (nodes > 1) {
    process.stdout.write(`store: ${storeKind}, runtime: ${runtime}, ${connections} connections, ${duration}s (+${warmup}s warm-up) ` +
      `per scenario; 1 node, then ${nodes} nodes, each on a fresh database\n`);
  }
  const phases: Phase[] = [];
  for (const n of nodes > 1 ? [1, nodes] : [1]) phases.push(await runPhase(n, n === 1));
  const base = phases[0]!.results.find((r) => r.name === 'baseline');
  for (const p of phases) {
    for (const r of p.results) r.ratio = r.status === 'ok' && base?.reqPerSec && r.reqPerSec !== undefined ? r.reqPerSec / base.reqPerSec : null;
    p.targets = checkTargets(p.results, p.peakRss, storeKind!);
  }

  const [single, cluster] = phases as [Phase, Phase | undefined];
  if (cluster) process.stdout.write('\n== 1 node');
  printTable(single.results, single.peakRss);
  printTargets(single.targets!);
  if (single.pgbench) printPgbench(single.results, single.pgbench);
  if (single.rounds) printRounds(single.rounds);
  if (cluster) {
    process.stdout.write(`\n== ${cluster.nodes} nodes (server µs/req: every node's CPU together; peak RSS: the largest node's)`);
    printTable(cluster.results, cluster.peakRss, 'largest node\'s peak RSS');
    printTargets(cluster.targets!, `targets (${cluster.nodes} nodes)`);
    printComparison(single.results, cluster.results, cluster.nodes);
  }

  const phaseOut = (p: Phase) => ({
    seed: { agents: p.seeded.agents, groups: p.seeded.groups, tags: p.seeded.tags, properties: p.seeded.properties, ms: p.seeded.ms },
    server: { peakRssBytes: p.peakRss, rssAfterSeedBytes: p.rssAfterSeed },
    scenarios: p.results,
    targets: p.targets,
    ...(p.pgbench ? { pgbench: p.pgbench } : {}),
    ...(p.rounds ? { rounds: p.rounds } : {}),
  });
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version, platform: process.platform },
    options: {
      store: storeKind, apiVersion, runtime, duration, warmup, connections, batchConnections: loadOptions.batchConnections,
      webhookRate: loadOptions.webhookRate, listWorkers: loadOptions.listWorkers,
      logLevel: flags['log-level'],
      ...(storeKind === 'postgres' ? { pgConnection: socketDir ? `unix socket in ${socketDir}` : 'tcp' } : {}),
      nodeOptions: flags['node-options'],
      serverLaunch: launch,
      ...(cluster ? { nodes } : {}),
    },
    ...phaseOut(single),
    // The same figures on N nodes (one database, load spread over them), measured after the single node's.
    ...(cluster ? { cluster: { nodes: cluster.nodes, ...phaseOut(cluster) } } : {}),
  };
  writeFileSync(flags.out!, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`\nwrote ${flags.out}\n`);
  const errors = phases.reduce((n, p) => n + p.results.reduce((m, r) => m + (r.errors ?? 0), 0), 0);
  if (errors > 0) {
    process.stderr.write(`\n${errors} request error(s) (non-2xx, socket errors or missing webhooks): the run is not valid\n`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
