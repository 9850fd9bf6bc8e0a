/** `config-api serve`: migrate, create a demo licence on an empty database, listen, drain on SIGTERM. */
import type { Config } from '../config.js';
import { migrate, openReachableStore } from '../store/db.js';
import { createApp } from '../app.js';
import { bootstrap } from '../tenancy/tenancy.js';
import { createCore } from '../core.js';
import { loadTls } from '../http/tls.js';

export async function serve(config: Config): Promise<number> {
  const store = await openReachableStore(config.database.url, { poolSize: config.database.poolSize, sqliteSynchronous: config.database.sqliteSynchronous });
  await migrate(store);
  const core = createCore(store, config);
  const tls = await loadTls(config.tls);
  if (tls?.caFile) {
    process.stdout.write(
      `HTTPS with a local CA (${tls.created ? 'created' : 'reused'}): trust ${tls.caFile}\n` +
        `  Python SDK: verify='${tls.caFile}'   curl: --cacert ${tls.caFile}   Node: NODE_EXTRA_CA_CERTS=${tls.caFile}\n`,
    );
  }
  const app = await createApp({ core, tls, logger: { level: config.logLevel, redact: ['req.headers.authorization'] } });

  const hasLicense = await store.db.selectFrom('licenses').select('id').limit(1).executeTakeFirst();
  if (!hasLicense) {
    const demo = await core.transaction((trx) => bootstrap(trx, core.cascades, { region: config.region, ownerEmail: 'owner@example.com', ownerName: 'Demo Owner' }));
    const base = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
    process.stdout.write(
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
      ].join('\n') + '\n',
    );
  }

  await app.listen({ port: config.port, host: config.host });
  if (config.admin.token) app.log.info('control plane enabled under /admin/ (Authorization: Bearer <ADMIN_TOKEN>); web console at /console');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    try {
      await app.close();
      await store.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return 0;
}
