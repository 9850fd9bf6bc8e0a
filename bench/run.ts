/**
 * `npm run bench`: load-test the API on loopback against a bare-Fastify baseline measured in the same run.
 * See docs/performance.md for what each scenario does, the targets and the recorded results.
 *
 *   npm run bench -- [--duration 10] [--warmup 2] [--connections 50] [--scenarios a,b] [--store sqlite|postgres]
 *                    [--runtime dist|tsx] [--log-level warn] [--out bench/results.json] [--keep]
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { ApiClient, NotAvailable, isUnknownAction } from './lib/api.js';
import { load, type LoadResult } from './lib/load.js';
import { createDatabase, runStatement } from '../test/support/database.js';
import { runToEnd, startServer, type Child } from './lib/processes.js';
import { ROOT, cliCommand, freePort, startScriptLaunch, type Runtime } from '../test/support/processes.js';
import { agentBody, agentId, seed, type SeedReport } from './lib/seed.js';
import { registerWebhook, startReceiver, webhookLatency } from './lib/webhook.js';

const NA = 'n/a (action not available)';
const AGENT_FIELDS = [
  'work_scheduler', 'groups', 'email_subscriptions', 'notifications', 'job_title', 'mobile', 'max_chats_count',
  'suspended', 'awaiting_approval', 'last_logout',
];

export const SCENARIOS = [
  'baseline',
  'get_agent',
  'get_agent_after_write',
  'list_agents',
  'list_agents_after_write',
  'update_agent',
  'create_delete_tag',
  'list_license_properties',
  'batch_create_agents',
  'write_to_webhook',
] as const;
type ScenarioName = (typeof SCENARIOS)[number];

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
    runtime: { type: 'string', default: 'dist' },
    'log-level': { type: 'string', default: 'warn' },
    out: { type: 'string', default: join(ROOT, 'bench/results.json') },
    'pg-url': { type: 'string', default: process.env.PG_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
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
  --runtime dist|tsx     run the compiled server (dist/, default; npm run bench builds it) or the TS sources
  --log-level L          server LOG_LEVEL (default warn: no per-request logs)
  --out FILE             results file (default bench/results.json)
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
const duration = num('duration', flags.duration);
const warmup = num('warmup', flags.warmup);
const connections = Math.max(1, Math.floor(num('connections', flags.connections)));
const batchConnections = Math.max(1, Math.floor(num('batch-connections', flags['batch-connections'])));
const webhookRate = Math.max(1, num('webhook-rate', flags['webhook-rate']));
const listWorkers = Math.floor(num('list-workers', flags['list-workers']));
const storeKind = flags.store;
if (storeKind !== 'sqlite' && storeKind !== 'postgres') throw new Error('--store must be sqlite or postgres');
const runtime = flags.runtime as Runtime;
if (runtime !== 'dist' && runtime !== 'tsx') throw new Error('--runtime must be dist or tsx');
const selected = new Set<ScenarioName>(['baseline']);
for (const s of flags.scenarios!.split(',').map((x) => x.trim()).filter(Boolean)) {
  if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario "${s}"; known: ${SCENARIOS.join(', ')}`);
  selected.add(s as ScenarioName);
}

interface ScenarioResult extends Partial<LoadResult> {
  name: ScenarioName;
  status: 'ok' | 'n/a';
  note?: string;
  connections?: number;
  ratio?: number | null;
  serverRssAfter?: number | null;
  /** Server peak RSS during this scenario (warm-up included), bytes; null when the peak cannot be reset. */
  serverPeakRss?: number | null;
}

/** A fresh database for the run and how to remove it. */
const freshDatabase = () => createDatabase(storeKind, { purpose: 'bench', pgAdminUrl: flags['pg-url']! });

/** Probe an action with a harmless body: false when the server does not serve it. */
async function served(api: ApiClient, action: string, body: unknown): Promise<boolean> {
  const res = await api.call(action, body);
  return !isUnknownAction(res);
}

const fmt = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (b: number | null | undefined) => (b ? `${(b / 1024 / 1024).toFixed(1)} MB` : 'n/a');

async function main() {
  const db = await freshDatabase();
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    REGION: 'dal',
    HOST: '127.0.0.1',
    LOG_LEVEL: flags['log-level'],
  };
  const children: Child[] = [];
  let receiverClose: (() => Promise<void>) | undefined;
  try {
    process.stdout.write(`store: ${storeKind} (${db.url.replace(/\/\/[^@]*@/, '//')}), runtime: ${runtime}, ` +
      `${connections} connections, ${duration}s (+${warmup}s warm-up) per scenario\n`);
    const boot = JSON.parse(await runToEnd([...cliCommand(runtime), 'bootstrap', '--json', '--owner-email', 'owner@bench.example.com'], env));
    const port = await freePort();
    const prof = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['cpu-prof']}`] : [];
    const launch = startScriptLaunch(); // as `npm start` runs it
    const nodeFlags = [...launch.nodeFlags, ...flags['node-options']!.split(/\s+/).filter(Boolean)];
    const server = await startServer(
      [...nodeFlags, ...prof, ...cliCommand(runtime), 'serve'],
      { ...launch.env, ...env, PORT: String(port) },
      port,
    );
    children.push(server);
    const api = new ApiClient(server.url, boot.bearer_token);

    process.stdout.write('seeding…\n');
    const seeded: SeedReport = await seed(api, { ownerId: boot.owner.id, clientId: boot.client_id });
    process.stdout.write(
      `seeded in ${seeded.ms} ms: ${seeded.agents} agents, ${seeded.groups} groups, tags: ${seeded.tags}, properties: ${seeded.properties}\n`,
    );
    if (storeKind === 'postgres') {
      // Planner statistics, as autovacuum gathers them within a minute of a bulk import: without them PostgreSQL
      // plans get_agent's (license_id, id, type) lookup on the (license_id, type) index and filters every agent.
      await runStatement(db.url, 'ANALYZE');
    }
    const rssAfterSeed = server.rss();
    let peakRss = server.peakRss();

    // The baseline answers with get_agent's exact response text, so both move the same bytes.
    const getAgentBody = JSON.stringify({ id: agentId(1) });
    const listAgentsBody = JSON.stringify({ fields: AGENT_FIELDS });
    const sample = await fetch(server.url + api.path('get_agent'), { method: 'POST', headers: api.headers(), body: getAgentBody });
    const sampleText = await sample.text();
    if (sample.status !== 200) throw new Error(`get_agent answered ${sample.status}: ${sampleText}`);
    const basePort = await freePort();
    const baseline = await startServer(['--import', 'tsx', 'bench/baseline.ts', String(basePort), sampleText], env, basePort);
    children.push(baseline);

    const headers = api.headers();
    const common = { connections, duration, warmup, headers, serverCpuMs: server.cpuMs };
    const results: ScenarioResult[] = [];
    let counter = 0;
    const runId = Date.now().toString(36);

    /** update_agent with a new job_title on every call, round-robin over the seeded agents: always a real write. */
    const updateRequest = (): autocannon.Request => ({
      method: 'POST',
      path: api.path('update_agent'),
      setupRequest: (req) => {
        const n = counter++;
        const id = seeded.agentIds[n % seeded.agentIds.length];
        return { ...req, body: JSON.stringify({ id, job_title: `Title ${runId}-${n}` }) };
      },
    });

    const scenarios: Record<ScenarioName, () => Promise<ScenarioResult>> = {
      baseline: async () => ({
        name: 'baseline',
        status: 'ok',
        connections,
        note: `bare Fastify, constant ${Buffer.byteLength(sampleText)}-byte body`,
        ...(await load({ ...common, serverCpuMs: baseline.cpuMs, url: baseline.url, path: api.path('get_agent'), body: getAgentBody })),
      }),
      get_agent: async () => ({
        name: 'get_agent',
        status: 'ok',
        connections,
        note: `${Buffer.byteLength(sampleText)}-byte answer`,
        ...(await load({ ...common, url: server.url, path: api.path('get_agent'), body: getAgentBody })),
      }),
      get_agent_after_write: async () => ({
        name: 'get_agent_after_write',
        status: 'ok',
        connections,
        note: 'update_agent then get_agent: every get follows a write (never a cached answer); req/s counts both',
        ...(await load({
          ...common,
          url: server.url,
          requests: [updateRequest(), { method: 'POST', path: api.path('get_agent'), body: getAgentBody }],
        })),
      }),
      list_agents: async () => {
        const body = listAgentsBody;
        const probe = await api.call('list_agents', { fields: AGENT_FIELDS });
        const size = Buffer.byteLength(JSON.stringify(probe.body));
        return {
          name: 'list_agents',
          status: 'ok',
          connections,
          note: `${(probe.body as unknown[]).length} agents, all fields, ${(size / 1024).toFixed(0)} KiB` +
            (listWorkers ? `; ${listWorkers} client threads` : ''),
          ...(await load({ ...common, workers: listWorkers, url: server.url, path: api.path('list_agents'), body })),
        };
      },
      list_agents_after_write: async () => {
        const body = listAgentsBody;
        return {
          name: 'list_agents_after_write',
          status: 'ok',
          connections,
          note: 'update_agent then list_agents (all fields): every list is computed afresh; req/s counts both',
          ...(await load({
            ...common,
            url: server.url,
            requests: [
              updateRequest(),
              { method: 'POST', path: api.path('list_agents'), body },
            ],
          })),
        };
      },
      update_agent: async () => ({
        name: 'update_agent',
        status: 'ok',
        connections,
        note: 'job_title changes on every call (a real write + agent_updated event)',
        ...(await load({
          ...common,
          url: server.url,
          requests: [
            updateRequest(),
          ],
        })),
      }),
      create_delete_tag: async () => {
        const probeName = `bench-probe-${runId}`;
        if (!(await served(api, 'create_tag', { name: probeName })) || !(await served(api, 'delete_tag', { name: probeName }))) {
          return { name: 'create_delete_tag', status: 'n/a', note: NA };
        }
        return {
          name: 'create_delete_tag',
          status: 'ok',
          connections,
          note: 'create_tag then delete_tag of the same name; req/s counts both calls',
          ...(await load({
            ...common,
            url: server.url,
            requests: [
              {
                method: 'POST',
                path: api.path('create_tag'),
                setupRequest: (req, context) => {
                  const name = `bench-${runId}-${counter++}`;
                  (context as { tag?: string }).tag = name;
                  return { ...req, body: JSON.stringify({ name, group_ids: [0] }) };
                },
              },
              {
                method: 'POST',
                path: api.path('delete_tag'),
                setupRequest: (req, context) => ({ ...req, body: JSON.stringify({ name: (context as { tag?: string }).tag }) }),
              },
            ],
          })),
        };
      },
      list_license_properties: async () => {
        const probe = await api.call('list_license_properties', {});
        if (isUnknownAction(probe)) return { name: 'list_license_properties', status: 'n/a', note: NA };
        const values = Object.values((probe.body ?? {}) as Record<string, object>).reduce((n, ns) => n + Object.keys(ns).length, 0);
        return {
          name: 'list_license_properties',
          status: 'ok',
          connections,
          note: `${values} values`,
          ...(await load({ ...common, url: server.url, path: api.path('list_license_properties'), body: '{}' })),
        };
      },
      batch_create_agents: async () => ({
        name: 'batch_create_agents',
        status: 'ok',
        connections: batchConnections,
        note: '100 new agents per call (req/s = batches/s)',
        ...(await load({
          ...common,
          connections: batchConnections,
          url: server.url,
          requests: [
            {
              method: 'POST',
              path: api.path('batch_create_agents'),
              setupRequest: (req) => {
                const b = counter++;
                const requests = [];
                for (let i = 0; i < 100; i++) requests.push(agentBody(`b${runId}-${b}-${i}@bench.example.com`, i, seeded.groupIds));
                return { ...req, body: JSON.stringify({ requests }) };
              },
            },
          ],
        })),
      }),
      write_to_webhook: async () => {
        const receiver = await startReceiver();
        receiverClose = receiver.close;
        try {
          await registerWebhook(api, boot.client_id, receiver.url);
        } catch (err) {
          if (err instanceof NotAvailable) return { name: 'write_to_webhook', status: 'n/a', note: NA };
          throw err;
        }
        const r = await webhookLatency(api, receiver, { agentIds: seeded.agentIds, rate: webhookRate, duration, warmup, serverCpuMs: server.cpuMs });
        return {
          name: 'write_to_webhook',
          status: 'ok',
          note: `update_agent at ${webhookRate}/s → agent_updated at 127.0.0.1; ${r.received}/${r.writes} received`,
          requests: r.writes,
          reqPerSec: r.reqPerSec,
          p50: r.p50,
          p99: r.p99,
          max: r.max,
          errors: r.errors,
          durationS: r.durationS,
          cpuUsPerReq: r.cpuUsPerReq,
        };
      },
    };

    for (const name of SCENARIOS) {
      if (!selected.has(name)) continue;
      process.stdout.write(`${name}…\n`);
      const resettable = server.resetPeakRss();
      const r = await scenarios[name]();
      r.serverRssAfter = server.rss();
      const peak = server.peakRss();
      r.serverPeakRss = resettable ? peak : null;
      if (peak !== null) peakRss = Math.max(peakRss ?? 0, peak);
      results.push(r);
    }
    const base = results.find((r) => r.name === 'baseline');
    for (const r of results) r.ratio = r.status === 'ok' && base?.reqPerSec && r.reqPerSec !== undefined ? r.reqPerSec / base.reqPerSec : null;

    printTable(results, peakRss);
    const targets = checkTargets(results, peakRss, storeKind);
    printTargets(targets);
    const out = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version, platform: process.platform },
      options: {
        store: storeKind, runtime, duration, warmup, connections, batchConnections, webhookRate, listWorkers,
        logLevel: flags['log-level'],
        nodeOptions: flags['node-options'],
        serverLaunch: launch,
      },
      seed: { agents: seeded.agents, groups: seeded.groups, tags: seeded.tags, properties: seeded.properties, ms: seeded.ms },
      server: { peakRssBytes: peakRss, rssAfterSeedBytes: rssAfterSeed },
      scenarios: results,
      targets,
    };
    writeFileSync(flags.out!, JSON.stringify(out, null, 2) + '\n');
    process.stdout.write(`\nwrote ${flags.out}\n`);
    const errors = results.reduce((n, r) => n + (r.errors ?? 0), 0);
    if (errors > 0) {
      process.stderr.write(`\n${errors} request error(s) (non-2xx, socket errors or missing webhooks): the run is not valid\n`);
      process.exitCode = 1;
    }
  } finally {
    await receiverClose?.();
    for (const c of children.reverse()) await c.stop();
    if (!flags.keep) await db.drop();
    else process.stdout.write(`kept database ${db.url}\n`);
  }
}

function printTable(results: ScenarioResult[], peakRss: number | null) {
  const rows = [['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs baseline', 'server µs/req', 'client µs/req', 'peak RSS MB', 'note']];
  for (const r of results) {
    if (r.status === 'n/a') {
      rows.push([r.name, '-', '-', '-', '-', '-', '-', '-', '-', '-', r.note ?? NA]);
      continue;
    }
    rows.push([
      r.name,
      r.connections === undefined ? '-' : String(r.connections),
      fmt(r.reqPerSec, 0),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      String(r.errors),
      r.ratio === null || r.ratio === undefined ? '-' : `${(r.ratio * 100).toFixed(1)}%`,
      fmt(r.cpuUsPerReq, 0),
      fmt(r.clientCpuUsPerReq, 0),
      r.serverPeakRss ? (r.serverPeakRss / 1024 / 1024).toFixed(0) : '-',
      r.note ?? '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  process.stdout.write('\n');
  for (const [i, row] of rows.entries()) {
    process.stdout.write(row.map((c, j) => (j >= 1 && j <= 9 ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd() + '\n');
    if (i === 0) process.stdout.write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  }
  process.stdout.write(`\nserver peak RSS: ${mb(peakRss)}\n`);
}

interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean | null;
}

/** The targets of docs/performance.md; null = not measured in this run (scenario n/a or not selected). */
function checkTargets(results: ScenarioResult[], peakRss: number | null, store: string): TargetCheck[] {
  const get = (n: ScenarioName) => results.find((r) => r.name === n && r.status === 'ok');
  const out: TargetCheck[] = [];
  const add = (target: string, r: ScenarioResult | undefined, measured: (r: ScenarioResult) => string, pass: (r: ScenarioResult) => boolean) =>
    out.push(r ? { target, measured: measured(r), pass: pass(r) && (r.errors ?? 0) === 0 } : { target, measured: 'not measured', pass: null });
  add('get_agent ≥ 60% of baseline req/s', get('get_agent'), (r) => `${((r.ratio ?? 0) * 100).toFixed(1)}%`, (r) => (r.ratio ?? 0) >= 0.6);
  add('get_agent p99 < 10 ms', get('get_agent'), (r) => `${fmt(r.p99, 2)} ms`, (r) => r.p99! < 10);
  add('list_agents (1,000, all fields) ≥ 1,500 req/s', get('list_agents'), (r) => `${fmt(r.reqPerSec, 0)} req/s`, (r) => r.reqPerSec! >= 1500);
  if (store === 'sqlite') {
    add('update_agent ≥ 5,000 req/s (SQLite)', get('update_agent'), (r) => `${fmt(r.reqPerSec, 0)} req/s`, (r) => r.reqPerSec! >= 5000);
  }
  add('batch_create_agents (100 items) p50 < 50 ms', get('batch_create_agents'), (r) => `${fmt(r.p50, 2)} ms`, (r) => r.p50! < 50);
  add('write → webhook p99 < 100 ms', get('write_to_webhook'), (r) => `${fmt(r.p99, 2)} ms`, (r) => r.p99! < 100);
  out.push({ target: 'server peak RSS < 200 MB', measured: mb(peakRss), pass: peakRss === null ? null : peakRss < 200 * 1024 * 1024 });
  out.push({ target: 'errors = 0', measured: String(results.reduce((n, r) => n + (r.errors ?? 0), 0)), pass: results.every((r) => (r.errors ?? 0) === 0) });
  return out;
}

function printTargets(targets: TargetCheck[]) {
  process.stdout.write('\ntargets:\n');
  for (const t of targets) {
    const mark = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    process.stdout.write(`  ${mark}  ${t.target}: ${t.measured}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
