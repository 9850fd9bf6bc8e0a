/** The operating variables of loadConfig: defaults, parsing and one message per problem. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('operating configuration', () => {
  it('has defaults', () => {
    assert.deepEqual(loadConfig({}).ops, { readinessTimeoutMs: 2000, metricsToken: null, corsOrigins: '*', shutdownTimeoutMs: 10_000 });
  });

  it('parses CORS_ORIGINS, METRICS_TOKEN and the time-outs', () => {
    const ops = loadConfig({
      CORS_ORIGINS: ' https://App.example.com/ , http://localhost:3000 ',
      METRICS_TOKEN: 'tok',
      READINESS_TIMEOUT_MS: '150',
      SHUTDOWN_TIMEOUT_MS: '2500',
    }).ops;
    assert.deepEqual(ops, {
      corsOrigins: ['https://app.example.com', 'http://localhost:3000'],
      metricsToken: 'tok',
      readinessTimeoutMs: 150,
      shutdownTimeoutMs: 2500,
    });
    assert.equal(loadConfig({ CORS_ORIGINS: 'OFF' }).ops.corsOrigins, 'off');
  });

  it('reports every malformed operating variable at once', () => {
    assert.throws(
      () => loadConfig({ CORS_ORIGINS: 'ftp://x, *', SHUTDOWN_TIMEOUT_MS: '0' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.ok(err.problems.some((p) => p.startsWith('SHUTDOWN_TIMEOUT_MS')));
        assert.ok(err.problems.some((p) => p.startsWith('CORS_ORIGINS')));
        return true;
      },
    );
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'app.example.com' }), /CORS_ORIGINS must be \*, off, or a comma-separated list/);
  });
});
