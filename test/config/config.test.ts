/** One validated configuration: loadConfig(env) and opening the store DATABASE_URL names. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, environmentVariables, loadConfig, parseDatabaseUrl } from '../../src/config.js';
import { openReachableStore, StoreUnavailableError } from '../../src/store/open.js';
import { PG_ADMIN_URL, postgresAvailable } from '../support/stores.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
};

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.region, 'dal');
    assert.deepEqual(c.database, { kind: 'sqlite', file: './data/config-api.sqlite', url: 'sqlite:./data/config-api.sqlite', poolSize: 10, connectTimeoutMs: 3_000, queryTimeoutMs: 10_000, sqliteSynchronous: 'NORMAL', readCache: true });
    assert.equal(c.logLevel, 'info');
    assert.deepEqual(c.rateLimit, { max: 0, windowMs: 60_000 });
    assert.equal(c.webhooks.perWebhookConcurrency, 4);
    assert.equal(c.webhooks.leaseMs, 40_000);
    assert.equal(c.webhooks.eventLog, 'subscribed');
    assert.equal(c.webhooks.enabled, true);
  });

  it('reports every problem at once, naming the variable, what it accepts and what it got', () => {
    assert.deepEqual(problems({ PORT: '70000', REGION: 'ams', LOG_LEVEL: 'loud', WEBHOOK_DELIVERY: 'maybe', DATABASE_POOL_SIZE: '0' }), [
      'PORT must be an integer between 0 and 65535, got "70000"',
      'REGION must be one of dal, fra, got "ams"',
      'DATABASE_POOL_SIZE must be an integer >= 1, got "0"',
      'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
      'WEBHOOK_DELIVERY must be one of on, off, got "maybe"',
    ]);
    assert.match(new ConfigError(['a', 'b']).message, /^Invalid configuration:\n {2}- a\n {2}- b$/);
  });

  it('refuses DATABASE_URL schemes that are neither SQLite nor PostgreSQL (no file named after a typo)', () => {
    for (const url of ['mysql://u:secret@h/db', 'postgress://h/db', 'http://example.com/db', 'sqlite3:./x.db']) {
      const [p] = problems({ DATABASE_URL: url });
      assert.match(p!, /^DATABASE_URL must be sqlite:<path>, a file path, or postgres:\/\/user@host:port\/database/);
      assert.ok(!p!.includes('secret'), 'passwords are not echoed');
    }
    assert.deepEqual(parseDatabaseUrl('./data/x.sqlite'), { kind: 'sqlite', file: './data/x.sqlite' });
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { kind: 'sqlite', file: ':memory:' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///tmp/a.db'), { kind: 'sqlite', file: '/tmp/a.db' });
    assert.deepEqual(parseDatabaseUrl('postgresql://u@h:5432/d'), { kind: 'postgres' });
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@h/d' }).database.kind, 'postgres');
  });

  it('compares choices ignoring case, treats empty as unset, and checks values that depend on each other', () => {
    const c = loadConfig({ REGION: 'FRA', SQLITE_SYNCHRONOUS: 'full', WEBHOOK_DELIVERY: 'FALSE', WEBHOOK_EVENT_LOG: 'All', PORT: '' });
    assert.equal(c.region, 'fra');
    assert.equal(c.database.sqliteSynchronous, 'FULL');
    assert.equal(c.webhooks.enabled, false);
    assert.equal(c.webhooks.eventLog, 'all');
    assert.equal(c.port, 8080);
    assert.deepEqual(problems({ WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_LEASE_MS: '4000' }), [
      'WEBHOOK_LEASE_MS must be greater than WEBHOOK_TIMEOUT_MS (5000), got "4000"',
    ]);
    assert.equal(loadConfig({ WEBHOOK_CONCURRENCY: '2' }).webhooks.perWebhookConcurrency, 1);
  });

  it('lists every variable with its default and meaning (the help text)', () => {
    const vars = environmentVariables();
    const names = vars.map((v) => v.name);
    for (const n of ['PORT', 'DATABASE_URL', 'WEBHOOK_EVENT_LOG', 'AUTH_CACHE_TTL_MS']) assert.ok(names.includes(n), n);
    assert.ok(vars.every((v) => v.description.length > 0));
  });
});

describe('opening the store DATABASE_URL names', () => {
  it('fails in one line naming DATABASE_URL, host and port, and the driver reason', async () => {
    const refused = await openReachableStore('postgres://postgres@127.0.0.1:1/nope').then(
      () => assert.fail('expected a failure'),
      (err: unknown) => err,
    );
    assert.ok(refused instanceof StoreUnavailableError);
    assert.match(refused.message, /^DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:1, database "nope": .*ECONNREFUSED/);
    assert.ok(!refused.message.includes('\n'));
  });

  it('names a misnamed PostgreSQL database', async (t) => {
    if (!(await postgresAvailable())) {
      if (process.env.CI === 'true') assert.fail(`PostgreSQL is required under CI (${PG_ADMIN_URL})`);
      return t.skip('no PostgreSQL');
    }
    const url = new URL(PG_ADMIN_URL);
    url.pathname = '/config_api_no_such_database';
    const err = await openReachableStore(url.href).then(() => assert.fail('expected a failure'), (e: unknown) => e);
    assert.ok(err instanceof StoreUnavailableError);
    assert.match(err.message, /^DATABASE_URL: cannot reach PostgreSQL at .*, database "config_api_no_such_database": database "config_api_no_such_database" does not exist$/);
  });

  it('opens an in-memory SQLite store (a throwaway store)', async () => {
    const store = await openReachableStore('sqlite::memory:');
    try {
      assert.equal(store.dialect, 'sqlite');
    } finally {
      await store.close();
    }
  });
});

describe('versions in the configuration', () => {
  it('defaults: v3.6 stable, v3.5 legacy, v3.4 deprecated, with invented end dates documented as such', () => {
    assert.deepEqual(loadConfig({}).versions, {
      '3.4': { stage: 'deprecated', endDate: '2027-03-31' },
      '3.5': { stage: 'legacy', endDate: '2027-09-30' },
      '3.6': { stage: 'stable', endDate: null },
    });
    const vars = environmentVariables().filter((v) => /^V3_\d_/.test(v.name));
    assert.deepEqual(vars.map((v) => v.name), ['V3_4_STAGE', 'V3_4_END_DATE', 'V3_5_STAGE', 'V3_5_END_DATE', 'V3_6_STAGE', 'V3_6_END_DATE']);
    assert.match(vars.find((v) => v.name === 'V3_5_END_DATE')!.description, /invented placeholder/);
  });

  it('takes stages (any case) and dates, refuses bad ones, and needs a date for a stage that ends', () => {
    assert.deepEqual(loadConfig({ V3_6_STAGE: 'Legacy', V3_6_END_DATE: '2028-02-29', V3_4_STAGE: 'stable' }).versions['3.6'], { stage: 'legacy', endDate: '2028-02-29' });
    assert.deepEqual(problems({ V3_5_STAGE: 'retired', V3_4_END_DATE: '2027-02-30' }), ['V3_5_STAGE must be one of stable, legacy, deprecated, got "retired"']);
    assert.deepEqual(problems({ V3_4_END_DATE: '2027-02-30', V3_6_STAGE: 'deprecated' }), [
      'V3_4_END_DATE must be a date YYYY-MM-DD, got "2027-02-30"',
      'V3_6_END_DATE must be set when V3_6_STAGE is deprecated (its answers carry the date)',
    ]);
    assert.deepEqual(problems({ V3_5_END_DATE: '30.09.2027' }), ['V3_5_END_DATE must be a date YYYY-MM-DD, got "30.09.2027"']);
  });
});
