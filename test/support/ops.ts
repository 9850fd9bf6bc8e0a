/** Test support for the operating features: an app on a real port of 127.0.0.1, with its log lines captured. */
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/app.js';
import { createCore } from '../../src/core.js';
import type { Store } from '../../src/store/store.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import { freshStore, testConfig, type StoreKind } from './stores.js';

export interface LiveApp {
  app: FastifyInstance;
  store: Store;
  boot: BootstrapResult;
  base: string;
  /** Every log line written so far, parsed. */
  logs: Array<Record<string, any>>;
  /** The raw log text (to check that no secret ever appears). */
  logText(): string;
  /** POST an action through the real port. */
  call(action: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}


/**
 * A migrated store (a fresh one, or `o.store`, closed by `stop()`), an app configured by `env` (operating variables),
 * listening on 127.0.0.1:0, and a licence.
 */
export async function liveApp(
  kind: StoreKind,
  env: Record<string, string> = {},
  o: { authCacheTtlMs?: number; store?: Store } = {},
): Promise<LiveApp> {
  const { store, drop } = o.store ? { store: o.store, drop: () => o.store!.close() } : await freshStore(kind);
  let text = '';
  const logs: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      const s = chunk.toString('utf8');
      text += s;
      for (const line of s.split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = testConfig({ AUTH_CACHE_TTL_MS: String(o.authCacheTtlMs ?? 0), ...env });
  const core = createCore(store, config);
  const app = await createApp({ core, logger: { level: 'info', stream } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const boot = await core.transaction((trx) => bootstrap(trx, core.cascades, { region: 'dal' }));
  let stopped = false;
  return {
    app,
    store,
    boot,
    base,
    logs,
    logText: () => text,
    call: (action, body, headers = {}) =>
      fetch(`${base}/v3.5/configuration/action/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${boot.bearer_token}`, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    /** Close the app and the store (a test may have closed either already) and remove the database. */
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await drop();
    },
  };
}
