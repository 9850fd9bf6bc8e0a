/** Child processes of the benchmark: the API server, the baseline server and the CLI (bootstrap). */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { ROOT } from '../../test/support/processes.js';

/** Run a command to completion; resolves with stdout, rejects with stderr on a non-zero exit. */
export function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err || out}`))));
  });
}

export interface Child {
  proc: ChildProcess;
  port: number;
  url: string;
  /** Peak resident set size so far (VmHWM), bytes; null where /proc is unavailable. */
  peakRss(): number | null;
  /** Reset the peak RSS to the current RSS (Linux `clear_refs` 5); false when not permitted. */
  resetPeakRss(): boolean;
  /** Current resident set size (VmRSS), bytes. */
  rss(): number | null;
  /** CPU time (user + system) used so far, ms; null where /proc is unavailable. */
  cpuMs(): number | null;
  stop(): Promise<void>;
}

function procStatus(pid: number, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return null;
  }
}

async function waitHealthy(url: string, proc: ChildProcess, logs: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${logs()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not become healthy within ${timeoutMs} ms:\n${logs()}`);
}

/** Spawn a long-running server process and wait until GET /healthz answers 200. */
export async function startServer(args: string[], env: NodeJS.ProcessEnv, port: number): Promise<Child> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const keep = (d: Buffer) => {
    logs += d.toString();
    if (logs.length > 20_000) logs = logs.slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, () => logs);
  return {
    proc,
    port,
    url,
    peakRss: () => procStatus(proc.pid!, 'VmHWM'),
    rss: () => procStatus(proc.pid!, 'VmRSS'),
    resetPeakRss: () => {
      try {
        writeFileSync(`/proc/${proc.pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    cpuMs: () => procCpuMs(proc.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}
