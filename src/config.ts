/** Environment configuration shared by the server and the CLI. */
import { DEFAULT_SQLITE_URL } from './store/db.js';
import { intEnv } from './env.js';
import { rateLimitFromEnv, type RateLimitOptions } from './http/rate-limit.js';

export interface Config {
  port: number;
  host: string;
  region: 'dal' | 'fra';
  databaseUrl: string;
  /** PostgreSQL connections per process (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  logLevel: string;
  rateLimit: RateLimitOptions;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const region = env.REGION ?? 'dal';
  if (region !== 'dal' && region !== 'fra') throw new Error(`REGION must be "dal" or "fra", got "${region}"`);
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    region,
    databaseUrl: env.DATABASE_URL || DEFAULT_SQLITE_URL,
    databasePoolSize: intEnv(env, 'DATABASE_POOL_SIZE', 10, 1),
    logLevel: env.LOG_LEVEL ?? 'info',
    rateLimit: rateLimitFromEnv(env),
  };
}
