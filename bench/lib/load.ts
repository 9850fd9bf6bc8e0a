/** Closed-loop load with autocannon on loopback: a warm-up (discarded), then the measured run. */
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** See discard-bodies.cjs: the load generator does not decode answers it never reads. */
const DISCARD_BODIES = fileURLToPath(new URL('./discard-bodies.cjs', import.meta.url));

export interface LoadSpec {
  /** Several URLs (the nodes of a cluster): autocannon spreads the connections over them round-robin. */
  url: string | string[];
  connections: number;
  /** Seconds. */
  duration: number;
  warmup: number;
  headers: Record<string, string>;
  /** Either a constant request ... */
  path?: string;
  body?: string;
  /** ... or a request sequence each connection cycles through (bodies built per request). */
  requests?: autocannon.Request[];
  /**
   * autocannon worker threads (constant requests only). Used where parsing large answers makes one client thread
   * the bottleneck; latencies then come from autocannon's histogram (whole milliseconds).
   */
  workers?: number;
  /** CPU time of the server under test (ms), sampled around the measured run. */
  serverCpuMs?: () => number | null;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  durationS: number;
  /** Server CPU time per request, µs: robust to other load on the machine, unlike req/s. */
  cpuUsPerReq: number | null;
  /** CPU time of the load generator (this process) per request, µs. */
  clientCpuUsPerReq: number;
}

/** Exact percentile (ms, sub-millisecond precision) over every recorded latency. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

class Samples {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number) {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.length).sort();
  }
}

function once(spec: LoadSpec, duration: number, samples?: Samples): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        // autocannon takes an array of URLs and deals its connections out over them (its README; @types says string).
        url: (Array.isArray(spec.url) ? spec.url.map((u) => u + (spec.path ?? '')) : spec.url + (spec.path ?? '')) as string,
        connections: spec.connections,
        duration,
        method: 'POST',
        headers: spec.headers,
        body: spec.body,
        requests: spec.requests,
        timeout: 10,
        setupClient: DISCARD_BODIES as unknown as autocannon.Options['setupClient'],
        ...(spec.workers ? { workers: spec.workers } : {}),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (samples && !spec.workers) {
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
        samples.push(responseTime),
      );
    }
  });
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmup > 0) await once(spec, spec.warmup);
  const samples = new Samples();
  const cpu0 = spec.serverCpuMs?.() ?? null;
  const own0 = process.cpuUsage();
  const r = await once(spec, spec.duration, samples);
  const own = process.cpuUsage(own0);
  const cpu1 = spec.serverCpuMs?.() ?? null;
  const sorted = samples.sorted();
  const durationS = r.duration;
  const fromHistogram = sorted.length === 0 && r.requests.total > 0;
  return {
    requests: r.requests.total,
    reqPerSec: r.requests.total / durationS,
    p50: fromHistogram ? r.latency.p50 : percentile(sorted, 50),
    p99: fromHistogram ? r.latency.p99 : percentile(sorted, 99),
    max: fromHistogram ? r.latency.max : sorted.length ? sorted[sorted.length - 1]! : NaN,
    errors: r.errors + r.non2xx, // autocannon counts timeouts among errors already
    non2xx: r.non2xx,
    durationS,
    cpuUsPerReq: cpu0 !== null && cpu1 !== null && r.requests.total > 0 ? ((cpu1 - cpu0) * 1000) / r.requests.total : null,
    // Worker threads' CPU is included: process.cpuUsage() covers every thread of this process.
    clientCpuUsPerReq: r.requests.total > 0 ? (own.user + own.system) / r.requests.total : NaN,
  };
}
