import { openStore, migrate } from './src/store/db.js';
import { migrations } from './src/store/migrations/index.js';
import { Migrator, sql } from 'kysely';
for (const target of ['0012_v36_areas', '0013_license_keys']) {
  const s = openStore(`sqlite:/tmp/co-scratch/${target}.sqlite`, { poolSize: 1 });
  await new Migrator({ db: s.db, provider: { getMigrations: async () => migrations } }).migrateTo(target);
  console.log('==', target);
  for (const q of [
    sql`EXPLAIN QUERY PLAN UPDATE webhook_deliveries SET attempts = attempts - 1 WHERE id IN ('a','b') AND lease_owner = 'x' AND status = 'pending'`,
    sql`EXPLAIN QUERY PLAN UPDATE webhook_deliveries SET attempts = attempts - 1 WHERE id = 'a' AND lease_owner = 'x' AND status = 'pending'`,
    sql`EXPLAIN QUERY PLAN UPDATE webhook_deliveries SET attempts = attempts - 1 WHERE id IN ('a','b') AND license_id IN (1, 2) AND lease_owner = 'x' AND status = 'pending'`,
    sql`EXPLAIN QUERY PLAN UPDATE webhook_deliveries SET attempts = attempts - 1 WHERE ((id = 'a' AND license_id = 1) OR (id = 'b' AND license_id = 2)) AND lease_owner = 'x' AND status = 'pending'`,
    sql`EXPLAIN QUERY PLAN UPDATE webhook_deliveries SET attempts = attempts - 1 WHERE id = 'a' AND license_id = 1 AND lease_owner = 'x' AND status = 'pending'`,
    sql`EXPLAIN QUERY PLAN SELECT id FROM webhook_deliveries WHERE id = 'a'`,
    sql`EXPLAIN QUERY PLAN SELECT * FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id LEFT JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = 'a'`,
    sql`EXPLAIN QUERY PLAN SELECT * FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id LEFT JOIN webhooks w ON w.id = d.webhook_id WHERE d.license_id = 1 AND d.updated_at >= 'x' ORDER BY d.updated_at, d.id LIMIT 500`,
    sql`EXPLAIN QUERY PLAN DELETE FROM webhook_delivery_attempts WHERE NOT EXISTS (SELECT x.id FROM webhook_deliveries x WHERE x.id = webhook_delivery_attempts.delivery_id)`,
    sql`EXPLAIN QUERY PLAN DELETE FROM webhook_events WHERE created_at < 'x' AND NOT EXISTS (SELECT x.id FROM webhook_deliveries x WHERE x.event_id = webhook_events.id)`,
    sql`EXPLAIN QUERY PLAN SELECT * FROM admin_snapshots WHERE id = 'a' AND license_id = 1 AND kind = 'user'`,
    sql`EXPLAIN QUERY PLAN SELECT id, license_id, name, created_at FROM admin_snapshots WHERE license_id = 1 AND kind = 'user' ORDER BY created_at DESC`,
  ]) console.log('  ', (await q.execute(s.db)).rows.map((r: any) => r.detail).join(' | '));
  await s.close();
}
