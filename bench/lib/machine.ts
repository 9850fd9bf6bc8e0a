/**
 * How much of the machine a measured window really had: the CPU time the hypervisor gave to other guests ("steal",
 * from /proc/stat) while it ran. On a shared VM a window with high steal is slower for reasons outside the server, and
 * two figures compared as a ratio are only comparable when their windows had alike steal (docs/performance.md
 * "PostgreSQL ratios").
 */
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  total: number;
  steal: number;
}

/** The machine's CPU time counters (all CPUs together, clock ticks), or null where /proc/stat is not there. */
export function cpuTimes(): CpuTimes | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f.length < 8 || f.some((n) => !Number.isFinite(n))) return null;
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7]! };
  } catch {
    return null;
  }
}

/** The share of CPU time stolen between two samples, as a percentage (null when unknown). */
export function stealPercent(before: CpuTimes | null, after: CpuTimes | null): number | null {
  if (!before || !after || after.total <= before.total) return null;
  return ((after.steal - before.steal) / (after.total - before.total)) * 100;
}

/** Runs `fn` and gives its result with the steal of its window. */
export async function withSteal<T>(fn: () => Promise<T>): Promise<{ value: T; stealPct: number | null }> {
  const before = cpuTimes();
  const value = await fn();
  return { value, stealPct: stealPercent(before, cpuTimes()) };
}

/** The median of some numbers (the mean of the middle two for an even count); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
