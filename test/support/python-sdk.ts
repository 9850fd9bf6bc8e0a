/**
 * The official Python SDK (lc-sdk-python) against a real server: a server on 127.0.0.1 with TLS (the SDK always calls
 * `https://` + its `base_url`; the certificate is the self-signed one of `TLS=self-signed`, and the driver passes
 * `verify=False`), and `runSdk`, which runs test/support/python-sdk-driver.py with a plan of method calls and returns
 * what each answered, as JSON.
 *
 * The SDK's files come from `LC_SDK_PYTHON_PATH` when set (a checkout), else from the copy vendored in
 * test/fixtures/lc-sdk-python (CI reaches neither GitHub nor PyPI). Python is /usr/bin/python3 (or `PYTHON`), with
 * Debian's python3-httpx, python3-loguru and python3-h2 (.ci/run installs them): `pythonSdkOrSkip()` skips a suite
 * with the reason when they are missing, except under CI=true, where it fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../src/app.js';
import { createCore, type Core } from '../../src/core.js';
import { loadConfig } from '../../src/config.js';
import { loadTls } from '../../src/http/tls.js';
import { bootstrap, type BootstrapResult } from '../../src/provisioning/bootstrap.js';
import type { Store } from '../../src/store/store.js';
import { ROOT } from './processes.js';
import { freshStore, testConfig, type StoreKind } from './stores.js';

export const VENDORED_SDK = join(ROOT, 'test', 'fixtures', 'lc-sdk-python');
const DRIVER = join(ROOT, 'test', 'support', 'python-sdk-driver.py');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/** Where the SDK's `livechat` package is: `LC_SDK_PYTHON_PATH`, else the vendored copy. */
export function sdkPath(): string {
  return process.env.LC_SDK_PYTHON_PATH || VENDORED_SDK;
}

/** Why the SDK cannot run here (python3, httpx or loguru missing, or no SDK files), or undefined when it can. */
export function pythonSdkMissing(): string | undefined {
  if (!existsSync(join(sdkPath(), 'livechat', 'configuration', 'base.py'))) return `no lc-sdk-python at ${sdkPath()}`;
  const probe = spawnSync(PYTHON, ['-c', 'import httpx, loguru'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found (install python3, python3-httpx, python3-loguru, python3-h2)`;
  if (probe.status !== 0) return `${PYTHON} lacks httpx or loguru (apt-get install python3-httpx python3-loguru python3-h2)`;
  return undefined;
}

/** True when the SDK can run; otherwise declares a skipped suite with the reason (under CI=true: throws). */
export function pythonSdkOrSkip(): boolean {
  const missing = pythonSdkMissing();
  if (!missing) return true;
  if (process.env.CI === 'true') throw new Error(`the Python SDK tests must run under CI: ${missing}`);
  describe('Python SDK unavailable', { skip: missing }, () => {});
  return false;
}

export interface SdkCall {
  /** A method of the client (`list_agents`), called with `kwargs` as keyword arguments. */
  method: string;
  /** Keyword arguments; `ref('name.body.id')` anywhere in them is a value of an earlier call's result. */
  kwargs?: Record<string, unknown>;
  /** Name this call's result for later `ref`s. */
  as?: string;
  /** Call with a client of this token (the whole `Authorization` value) instead of the plan's. */
  token?: string;
}

/** A value taken from the result of the earlier call named `path`'s first segment (`bot.body.id`). */
export const ref = (path: string) => ({ $ref: path });

/** What one call answered (`status`, parsed `body`, the URL called), what it returned, or the exception it raised. */
export interface SdkResult {
  status?: number;
  body?: any;
  url?: string;
  http_version?: string;
  /** Methods answering no HTTP response (get_headers, modify_header, remove_header). */
  value?: unknown;
  exception?: string;
}

export interface SdkRun {
  /** The client class `get_client` built, e.g. `ConfigurationApiV36`. */
  client: string;
  /** Its public methods. */
  methods: string[];
  results: SdkResult[];
}

export interface SdkPlan {
  /** `127.0.0.1:<port>` (the SDK prepends `https://`). */
  baseUrl: string;
  /** The whole `Authorization` value (`Bearer dal:…`, `Basic …`). */
  token: string;
  /** `get_client(version=…)`; absent: the SDK's default (v3.6). */
  version?: string;
  http2?: boolean;
  calls: readonly SdkCall[];
}

/** Run the driver with `plan`; rejects with its standard error when it fails. */
export function runSdk(plan: SdkPlan, timeoutMs = 60_000): Promise<SdkRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [DRIVER], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHONPATH: sdkPath(), PYTHONDONTWRITEBYTECODE: '1', NO_PROXY: '*' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`python SDK driver exited with ${code ?? signal}: ${err.slice(-4000)}`));
      try {
        resolve(JSON.parse(out) as SdkRun);
      } catch {
        reject(new Error(`python SDK driver printed no JSON: ${out.slice(0, 2000)} ${err.slice(-2000)}`));
      }
    });
    child.stdin.end(JSON.stringify({ base_url: plan.baseUrl, token: plan.token, version: plan.version ?? null, http2: plan.http2 ?? false, calls: plan.calls }));
  });
}

/** A server with TLS (self-signed) on 127.0.0.1 over a fresh store, and a bootstrapped licence. */
export interface TlsServer {
  app: FastifyInstance;
  core: Core;
  store: Store;
  boot: BootstrapResult;
  /** `127.0.0.1:<port>`: the SDK's `base_url` (its certificate names 127.0.0.1 too). */
  baseUrl: string;
  stop(): Promise<void>;
}

export async function tlsServer(kind: StoreKind, env: Record<string, string> = {}): Promise<TlsServer> {
  const dir = await mkdtemp(join(tmpdir(), 'config-api-sdk-'));
  const fresh = await freshStore(kind);
  try {
    const tls = await loadTls(loadConfig({ TLS: 'self-signed', DATABASE_URL: `sqlite:${join(dir, 'tls.sqlite')}` }).tls);
    const core = createCore(fresh.store, testConfig(env));
    const app = await createApp({ core, logger: false, tls });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const boot = await core.transaction((tx) => bootstrap(tx, core.cascades, { region: 'dal' }));
    return {
      app,
      core,
      store: fresh.store,
      boot,
      baseUrl: `127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      async stop() {
        await app.close();
        await fresh.drop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await fresh.drop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
