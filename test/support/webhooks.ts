/** Test support for webhook delivery: a real HTTP receiver on 127.0.0.1 and a bounded wait. */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/app.js';
import type { Store } from '../../src/store/store.js';
import { testConfig } from './stores.js';
import type { Harness } from './harness.js';
import type { BootstrapResult } from '../../src/provisioning/bootstrap.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** The body exactly as received. */
  raw: string;
  /** The status the receiver answered (null while it hangs or when it dropped the request). */
  answered: number | null;
}

/** What to do with the n-th request (1-based) on a path: answer a status, or hang until released. */
export type Behaviour = (path: string, n: number) => number | 'hang';

export class Receiver {
  readonly requests: Received[] = [];
  behaviour: Behaviour = () => 200;
  private server?: Server;
  private readonly counts = new Map<string, number>();
  private readonly hanging = new Set<ServerResponse>();

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const n = (this.counts.get(path) ?? 0) + 1;
        this.counts.set(path, n);
        const raw = Buffer.concat(chunks).toString('utf8');
        const entry: Received = { path, headers: req.headers, body: JSON.parse(raw), raw, answered: null };
        this.requests.push(entry);
        const what = this.behaviour(path, n);
        if (what === 'hang') {
          this.hanging.add(res);
          res.on('close', () => this.hanging.delete(res));
          return;
        }
        entry.answered = what;
        res.statusCode = what;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}${path}`;
  }

  /** Requests on a path that the receiver acknowledged with a 2xx. */
  acked(path: string): Received[] {
    return this.requests.filter((r) => r.path === path && r.answered !== null && r.answered >= 200 && r.answered < 300);
  }

  on(path: string): Received[] {
    return this.requests.filter((r) => r.path === path);
  }

  hangingCount(): number {
    return this.hanging.size;
  }

  /** Drop every request held by 'hang' (the sender sees a failed attempt and retries). */
  dropHanging(): void {
    for (const res of this.hanging) res.destroy();
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Poll `check` until it returns a truthy value; fail with `what` after `timeoutMs` (a bound, not an assertion). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as Exclude<T, false | null | undefined | 0 | ''>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Registering licence webhooks through a version to `rx` (`register`: the webhook id) and waiting for what they
 * receive (`delivered`: the first `n` acknowledged deliveries on a path).
 */
export function versionedWebhooks(h: () => Harness, rx: Receiver) {
  return {
    register: async (lic: BootstrapResult, version: string, action: string, path: string) =>
      (await h().ok('register_webhook', {
        action, url: rx.url(path), secret_key: `secret-${path}`, type: 'license', owner_client_id: lic.client_id,
      }, { token: lic.bearer_token, version })).id as string,
    delivered: (path: string, n = 1) => waitFor(`${n} deliveries on ${path}`, () => rx.acked(path).length >= n && rx.acked(path)),
  };
}

/** An app on an existing store with the given configuration variables, optionally without the delivery worker. */
export async function appOn(store: Store, o: { delivery?: boolean; env?: Record<string, string> } = {}): Promise<FastifyInstance> {
  const config = testConfig({ ...o.env, ...(o.delivery === false ? { WEBHOOK_DELIVERY: 'off' } : {}) });
  const app = await createApp({ store, config, logger: false });
  await app.ready();
  return app;
}

export async function callApp(app: FastifyInstance, token: string, action: string, body: unknown): Promise<any> {
  const res = await app.inject({
    method: 'POST',
    url: `/v3.5/configuration/action/${action}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    payload: JSON.stringify(body),
  });
  if (res.statusCode !== 200) throw new Error(`${action} failed with ${res.statusCode}: ${res.body}`);
  return JSON.parse(res.body);
}

/** Small retry delays for tests, as configuration variables for `Harness.start({ env })` or `appOn`. */
export function fastRetries(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    WEBHOOK_RETRY_BASE_MS: '5',
    WEBHOOK_RETRY_MAX_MS: '40',
    WEBHOOK_POLL_MS: '30',
    WEBHOOK_TIMEOUT_MS: '5000',
    WEBHOOK_MAX_ATTEMPTS: '100',
    WEBHOOK_STATS_MS: '0',
    ...overrides,
  };
}
