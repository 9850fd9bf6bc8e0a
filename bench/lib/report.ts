/** What `npm run bench` prints: the table of a run, the targets, and a single node next to a cluster. */
import { NA, type ScenarioName, type ScenarioResult } from './scenarios.js';
import type { PgbenchFigure } from './pgbench.js';
import { median } from './machine.js';

export const fmt = (n: number | undefined | null, digits = 1) =>
  n === undefined || n === null || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (b: number | null | undefined) => (b ? `${(b / 1024 / 1024).toFixed(1)} MB` : 'n/a');

function printRows(rows: string[][], numeric: (column: number) => boolean): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  process.stdout.write('\n');
  for (const [i, row] of rows.entries()) {
    process.stdout.write(row.map((c, j) => (numeric(j) ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd() + '\n');
    if (i === 0) process.stdout.write(widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  }
}

export function printTable(results: ScenarioResult[], peakRss: number | null, rssLabel = 'server peak RSS'): void {
  const rows = [['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs baseline', 'server µs/req', 'client µs/req', 'peak RSS MB', 'steal %', 'note']];
  for (const r of results) {
    if (r.status === 'n/a') {
      rows.push([r.name, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', r.note ?? NA]);
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
      fmt(r.stealPct, 0),
      r.note ?? '',
    ]);
  }
  printRows(rows, (j) => j >= 1 && j <= 10);
  process.stdout.write(`\n${rssLabel}: ${mb(peakRss)}\n`);
}

/**
 * One line per scenario: the single node's figures next to the cluster's, and the cluster's req/s as a multiple of
 * the single node's. `server µs/req` is the CPU of every node together per request.
 */
export function printComparison(single: ScenarioResult[], cluster: ScenarioResult[], nodes: number): void {
  const n = `${nodes} nodes`;
  const rows = [[
    'scenario', '1 node req/s', `${n} req/s`, '×', '1 node p50/p99 ms', `${n} p50/p99 ms`, '1 node µs/req', `${n} µs/req`, 'errors',
  ]];
  for (const one of single) {
    if (one.name === 'baseline') continue;
    const many = cluster.find((r) => r.name === one.name);
    if (!many || one.status === 'n/a' || many.status === 'n/a') {
      rows.push([one.name, '-', '-', '-', '-', '-', '-', '-', one.note ?? NA]);
      continue;
    }
    // write_to_webhook's req/s is the paced write rate, the same by design: its latencies are what it compares.
    const paced = one.name === 'write_to_webhook';
    const times = !paced && one.reqPerSec && many.reqPerSec !== undefined ? `${(many.reqPerSec / one.reqPerSec).toFixed(2)}` : '-';
    rows.push([
      one.name,
      fmt(one.reqPerSec, 0),
      fmt(many.reqPerSec, 0),
      times,
      `${fmt(one.p50, 2)} / ${fmt(one.p99, 2)}`,
      `${fmt(many.p50, 2)} / ${fmt(many.p99, 2)}`,
      fmt(one.cpuUsPerReq, 0),
      fmt(many.cpuUsPerReq, 0),
      `${one.errors ?? 0} / ${many.errors ?? 0}`,
    ]);
  }
  process.stdout.write(`\n== 1 node vs ${n} (same run, each on a fresh database seeded alike; × = ${n}' req/s ÷ 1 node's)`);
  printRows(rows, (j) => j >= 1);
}

export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean | null;
}

/** The targets of docs/performance.md; null = not measured in this run (scenario n/a or not selected). */
export function checkTargets(results: ScenarioResult[], peakRss: number | null, store: string): TargetCheck[] {
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

export function printTargets(targets: TargetCheck[], title = 'targets'): void {
  process.stdout.write(`\n${title}:\n`);
  for (const t of targets) {
    const mark = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    process.stdout.write(`  ${mark}  ${t.target}: ${t.measured}\n`);
  }
}

/** The server's PostgreSQL figures next to what pgbench did with the same statements on the same database. */
export function printPgbench(results: ScenarioResult[], figures: PgbenchFigure[]): void {
  const pairs: Array<[ScenarioName, PgbenchFigure['script']]> = [
    ['get_agent', 'select'],
    ['get_agent', 'select_only'],
    ['update_agent', 'write_one_licence'],
    ['update_agent', 'write_random_rows'],
    ['update_agent_spread', 'write_spread'],
    ['update_agent_spread', 'write_random_rows'],
  ];
  const rows = [['scenario', 'req/s', 'pgbench script', 'pgbench tps', 'pgbench ms', 'ratio', 'steal %', 'pgbench runs']];
  for (const [name, script] of pairs) {
    const r = results.find((x) => x.name === name);
    const f = figures.find((x) => x.script === script);
    if (!f || !r) continue; // a script some other scenario was compared with
    const ratio = r?.status === 'ok' && r.reqPerSec && f.tps ? `${((r.reqPerSec / f.tps) * 100).toFixed(1)}%` : '-';
    rows.push([name, r?.status === 'ok' ? fmt(r.reqPerSec, 0) : 'not run', script, fmt(f.tps, 0), fmt(f.latencyMs, 2), ratio, steal(r.stealPct, f.stealPct), f.error ?? f.what]);
  }
  process.stdout.write('\nPostgreSQL ratios (pgbench on the same database, same connection path, right after the scenarios; steal %: server / pgbench):');
  printRows(rows, (j) => j === 1 || (j >= 3 && j <= 6));
}

/** The steal of a scenario's window and of its pgbench script's, as `server / pgbench` percentages. */
const steal = (server: number | null | undefined, pgbench: number | null | undefined) => `${fmt(server, 0)} / ${fmt(pgbench, 0)}`;

/**
 * Issue 21's ratio targets: each scenario's req/s at least `min` of its reference's rate — the bare-Fastify baseline
 * (SQLite) or a pgbench script's tps (PostgreSQL on this host).
 */
export const RATIO_TARGETS: ReadonlyArray<{ scenario: ScenarioName; against: 'baseline' | PgbenchFigure['script']; min: number; store: 'sqlite' | 'postgres' }> = [
  { scenario: 'get_agent', against: 'baseline', min: 0.6, store: 'sqlite' },
  { scenario: 'get_agent', against: 'select_only', min: 0.4, store: 'postgres' },
  { scenario: 'update_agent', against: 'write_one_licence', min: 0.8, store: 'postgres' },
  { scenario: 'update_agent_spread', against: 'write_spread', min: 0.75, store: 'postgres' },
];

/** One round of `--rounds`: a targeted scenario and, right before or after it, its reference. */
export interface RatioRound {
  round: number;
  against: (typeof RATIO_TARGETS)[number]['against'];
  result: ScenarioResult;
  /** The reference's rate (req/s or tps), the steal of its window, its error. */
  reference: { perSec: number | null; stealPct?: number | null; error?: string };
}

/** A round's ratio (the scenario's req/s over its reference's rate), null when either figure is missing. */
export const roundRatio = (r: RatioRound): number | null =>
  r.result.status === 'ok' && r.result.reqPerSec && r.reference.perSec ? r.result.reqPerSec / r.reference.perSec : null;

/** `--rounds`: each target's ratio per round (req/s / reference, steal), their median and whether it meets the target. */
export function printRounds(rounds: RatioRound[]): void {
  const count = Math.max(...rounds.map((r) => r.round));
  const rows = [['scenario', 'against', ...Array.from({ length: count }, (_, i) => `round ${i + 1}`), 'median', 'target']];
  for (const t of RATIO_TARGETS) {
    const mine = rounds.filter((r) => r.result.name === t.scenario && r.against === t.against);
    if (mine.length === 0) continue;
    const mid = median(mine.map(roundRatio).filter((x): x is number => x !== null));
    rows.push([
      t.scenario,
      t.against,
      ...Array.from({ length: count }, (_, i) => {
        const r = mine.find((x) => x.round === i + 1);
        const ratio = r && roundRatio(r);
        if (!r || ratio === null || ratio === undefined) return r?.reference.error ? 'reference failed' : '-';
        return `${(ratio * 100).toFixed(1)}% (${fmt(r.result.reqPerSec, 0)}/${fmt(r.reference.perSec, 0)}, steal ${steal(r.result.stealPct, r.reference.stealPct)})`;
      }),
      mid === null ? '-' : `${(mid * 100).toFixed(1)}%`,
      mid === null ? 'n/a' : `${mid >= t.min ? 'PASS' : 'FAIL'} ≥ ${(t.min * 100).toFixed(0)}%`,
    ]);
  }
  process.stdout.write('\nRatios in alternating rounds (each: the scenario and its reference back to back; req/s / reference, steal % scenario / reference):');
  printRows(rows, (j) => j >= 2 && j < rows[0]!.length - 1);
}
