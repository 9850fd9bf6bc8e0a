/**
 * Summarise a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`): self time per function, heaviest first.
 * Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=40]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: profile-summary <file.cpuprofile> [top]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const agg = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const url = n.callFrame.url.replace(/^.*node_modules\//, 'nm:').replace(/^file:\/\/.*?\/(dist|src)\//, '$1/');
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${url}:${n.callFrame.lineNumber + 1}`;
  agg.set(key, (agg.get(key) ?? 0) + us);
  const pkg = url.startsWith('nm:') ? url.split('/').slice(0, url.startsWith('nm:@') ? 2 : 1).join('/') : url || '(native/vm)';
  byFile.set(pkg, (byFile.get(pkg) ?? 0) + us);
}
const top = Number(topArg ?? 40);
const pct = (us: number) => ((us / total) * 100).toFixed(1).padStart(5) + '%';
process.stdout.write(`total ${(total / 1e6).toFixed(2)} s sampled\n\nby package/file:\n`);
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${pct(v)}  ${k}\n`);
process.stdout.write('\nby function (self):\n');
for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(v)}  ${k}\n`);
