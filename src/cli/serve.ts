/**
 * `config-api serve`: migrate, listen, then — on an empty database — create a demo licence and print its
 * credentials (after binding, so a start that fails, e.g. on a taken port, creates nothing). On SIGTERM/SIGINT:
 * stop accepting, let in-flight requests and webhook sends finish, and exit within SHUTDOWN_TIMEOUT_MS whatever
 * clients do (close-with-grace); a second signal exits at once.
 */
import type { AddressInfo } from 'node:net';
import closeWithGrace from 'close-with-grace';
import type { Config } from '../config.js';
import type { CliDeps } from './context.js';
import { migrate } from '../store/migrate.js';
import { openReachableStore, storeOptionsOf } from '../store/open.js';
import { createApp } from '../app.js';
import { createCore } from '../core.js';
import { loadTls } from '../http/tls.js';
import { createDemo, isEmpty } from '../provisioning/demo.js';
import type { BootstrapResult } from '../provisioning/bootstrap.js';
import { KeyFileError, generateKeyFile, readSigningKeys, type SigningKeys } from '../kernel/signing-keys.js';
import { SigningKeyMismatch } from '../bots/token.js';

/**
 * Run the server until a signal ends it; resolves with the exit status of the start (0 listening, 1 could not listen,
 * 2 a key or configuration problem). What it prints goes to `out`; the request log is the server's logger's (pino,
 * on the process's stdout).
 */
export async function serve(config: Config, out: Pick<CliDeps, 'stdout' | 'stderr'>): Promise<number> {
  // Nothing is written before the configuration and the database are checked: the keys are read first (a missing or
  // bad key file, or PostgreSQL without a configured key, refuses the start), a key file is generated (SQLite's first
  // start) only once the database answers and is migrated.
  const refuse = (err: unknown): number => {
    if (!(err instanceof KeyFileError)) throw err;
    out.stderr(`${err.message}\n`);
    return 2;
  };
  let configured: SigningKeys | null;
  try {
    configured = readSigningKeys(config.signingKeys);
  } catch (err) {
    return refuse(err);
  }
  const store = await openReachableStore(config.database.url, storeOptionsOf(config.database));
  await migrate(store);
  let signingKeys: SigningKeys;
  try {
    signingKeys = configured ?? generateKeyFile(config.signingKeys.file);
  } catch (err) {
    await store.close();
    return refuse(err);
  }
  const generated = configured === null;
  const core = createCore(store, config, undefined, signingKeys);
  const tls = await loadTls(config.tls);
  if (tls?.caFile) {
    out.stdout(
      `HTTPS with a local CA (${tls.created ? 'created' : 'reused'}): trust ${tls.caFile}\n` +
        `  Python SDK: verify='${tls.caFile}'   curl: --cacert ${tls.caFile}   Node: NODE_EXTRA_CA_CERTS=${tls.caFile}\n`,
    );
  }
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp({ core, tls, logger: { level: config.logLevel, redact: ['req.headers.authorization'] } });
  } catch (err) {
    // Another signing key than the other servers of this database: refuse to start, saying what to do.
    if (!(err instanceof SigningKeyMismatch)) throw err;
    out.stderr(`${err.message}\n`);
    await store.close();
    return 2;
  }
  if (generated) app.log.info({ file: config.signingKeys.file, kid: signingKeys.current.kid }, 'generated a bot-token signing key');

  try {
    await app.listen({ port: config.port, host: config.host });
    if (config.admin.token) app.log.info('control plane enabled under /admin/ (Authorization: Bearer <ADMIN_TOKEN>); web console at /console');
  } catch (err) {
    app.log.error({ err }, `cannot listen on ${config.host}:${config.port}`);
    await app.close();
    await store.close();
    return 1;
  }

  const timeoutMs = config.ops.shutdownTimeoutMs;
  closeWithGrace(
    { delay: timeoutMs, logger: { error: (msg: unknown) => app.log.error(String(msg)) } },
    async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'fatal error: shutting down');
      else app.log.info({ signal, timeout_ms: timeoutMs }, 'shutting down: draining in-flight requests and webhook sends');
      app.lifecycle.drain(timeoutMs);
      await app.close();
      await store.close();
    },
  );

  if (await isEmpty(store)) {
    const demo = await core.transaction((tx) => createDemo(tx, core.cascades, config.region));
    out.stdout(demoText(demo, (app.server.address() as AddressInfo | null)?.port ?? config.port, config, tls !== null));
  }
  return 0;
}

function demoText(demo: BootstrapResult, port: number, config: Config, https: boolean): string {
  const base = `${https ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  return (
    [
      '',
      'Empty database: created a demo organization and licence.',
      `  organization_id: ${demo.organization_id}`,
      `  license_id:      ${demo.license_id} (region ${demo.region})`,
      `  owner:           ${demo.owner.id} (account ${demo.owner.account_id})`,
      `  client_id:       ${demo.client_id}`,
      `  bearer token:    ${demo.bearer_token}`,
      `  basic auth:      ${demo.basic_auth}`,
      '',
      'Try it:',
      `  curl -s -X POST ${base}/v3.5/configuration/action/list_agents \\`,
      `    -H 'Authorization: Bearer ${demo.bearer_token}' -H 'Content-Type: application/json' -d '{}'`,
      '',
      'Lost the token? config-api demo-token prints a new one.',
      '',
    ].join('\n') + '\n'
  );
}
