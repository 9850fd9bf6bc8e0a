/**
 * write → webhook latency: a receiver on 127.0.0.1 gets the licence's `agent_updated` webhooks; update_agent calls
 * carry a unique marker in `job_title` and the latency is "request sent" → "webhook with that marker received".
 * Writes are paced (open loop, a fixed rate) rather than closed loop: as many writers as the API accepts would
 * outrun any delivery pipeline and measure only the growing backlog.
 */
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ApiClient, NotAvailable } from './api.js';
import { percentile } from './load.js';

export interface WebhookResult {
  writes: number;
  received: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  durationS: number;
  cpuUsPerReq: number | null;
}

const MARKER = /wh-mark-(\d+)-end/g;

export interface Receiver {
  url: string;
  onMarker: (marker: number, at: number) => void;
  close(): Promise<void>;
}

export function startReceiver(): Promise<Receiver> {
  const receiver: Partial<Receiver> = { onMarker: () => {} };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const at = performance.now();
      for (const m of body.matchAll(MARKER)) receiver.onMarker!(Number(m[1]), at);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      receiver.url = `http://127.0.0.1:${port}/webhooks`;
      receiver.close = () => new Promise<void>((r) => server.close(() => r()));
      resolve(receiver as Receiver);
    });
  });
}

/** Register the licence webhook for agent_updated (throws NotAvailable while the webhooks area is missing). */
export async function registerWebhook(api: ApiClient, clientId: string, url: string): Promise<void> {
  await api.ok('register_webhook', {
    action: 'agent_updated',
    secret_key: 'bench-secret-key',
    url,
    owner_client_id: clientId,
    type: 'license',
    description: 'config-api benchmark receiver',
  });
  // License webhooks are enabled when the application is installed; enabling again is harmless where served.
  try {
    await api.ok('enable_license_webhooks', { owner_client_id: clientId });
  } catch (err) {
    if (!(err instanceof NotAvailable)) throw err;
  }
}

/** Writes go to `apis` in turn (the nodes of a cluster; one client for a single server). */
export async function webhookLatency(
  apis: readonly ApiClient[],
  receiver: Receiver,
  opts: {
    agentIds: string[];
    /** Writes per second. */
    rate: number;
    duration: number;
    warmup: number;
    drainMs?: number;
    serverCpuMs?: () => number | null;
  },
): Promise<WebhookResult> {
  let next = 0;
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let measuring = false;
  receiver.onMarker = (marker, at) => {
    const t0 = sentAt.get(marker);
    if (t0 === undefined) return;
    sentAt.delete(marker);
    if (measuring) latencies.push(at - t0);
  };

  async function write(): Promise<boolean> {
    const marker = next++;
    const id = opts.agentIds[marker % opts.agentIds.length]!;
    sentAt.set(marker, performance.now());
    const res = await apis[marker % apis.length]!.call('update_agent', { id, job_title: `wh-mark-${marker}-end` });
    if (res.status === 200) return true;
    sentAt.delete(marker);
    return false;
  }

  async function phase(seconds: number): Promise<{ writes: number; errors: number }> {
    const start = performance.now();
    const total = Math.max(1, Math.floor(seconds * opts.rate));
    const pending: Promise<boolean>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / opts.rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(write());
    }
    const ok = await Promise.all(pending);
    return { writes: ok.length, errors: ok.filter((x) => !x).length };
  }

  const drain = async (ms: number) => {
    const until = performance.now() + ms;
    while (sentAt.size > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  };

  if (opts.warmup > 0) {
    await phase(opts.warmup);
    await drain(opts.drainMs ?? 5000);
  }
  sentAt.clear();
  measuring = true;
  const started = performance.now();
  const cpu0 = opts.serverCpuMs?.() ?? null;
  const { writes, errors } = await phase(opts.duration);
  const cpu1 = opts.serverCpuMs?.() ?? null;
  const durationS = (performance.now() - started) / 1000;
  // Let outstanding deliveries arrive; whatever is still missing afterwards counts as an error.
  await drain(opts.drainMs ?? 5000);
  measuring = false;
  const missing = sentAt.size;
  const sorted = Float64Array.from(latencies).sort();
  return {
    writes,
    received: latencies.length,
    reqPerSec: writes / durationS,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    errors: errors + missing,
    durationS,
    cpuUsPerReq: cpu0 !== null && cpu1 !== null && writes > 0 ? ((cpu1 - cpu0) * 1000) / writes : null,
  };
}
