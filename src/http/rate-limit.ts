/**
 * Per-credential rate limiting of the action routes (off unless RATE_LIMIT_MAX > 0), by @fastify/rate-limit.
 * Requests are counted per credential however it is spelled (hashed; the raw credential is never kept) or per client
 * IP without one, one count for every route of the action pipeline: in this process's memory (the plugin's own
 * store), or with `RateCounters` (src/shared-state/: PostgreSQL, counts claimed in blocks) for every node of the
 * database. Over the limit → `too_many_requests` (429) with Retry-After and x-ratelimit-* headers.
 */
import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { hashSecret } from '../kernel/crypto.js';
import { ApiError } from '../kernel/errors.js';
import type { RateLimitConfig as RateLimitOptions } from '../config.js';
import type { RateCounters } from '../shared-state/rate-counters.js';
import { credentialIdentity } from './auth.js';

/** The credential as authentication understands it (see credentialIdentity), hashed; the client IP without one. */
const keyOf = (req: FastifyRequest): string => {
  const identity = credentialIdentity(req.headers.authorization);
  return identity ? `c:${hashSecret(identity)}` : `ip:${req.ip}`;
};

/** @fastify/rate-limit's custom store over shared counters (its `incr`, one counter per key for every route). */
function sharedStore(counters: RateCounters): FastifyRateLimitStoreCtor {
  return class SharedCountersStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number): void {
      counters.hit(key, timeWindow, max).then(
        (c) => callback(null, { current: c.count, ttl: c.resetInMs }),
        (err: Error) => callback(err),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/**
 * The limiter as a hook (null when off): registers the plugin in `scope` (for its store and decorator), and returns
 * one hook over that store for the action pipeline, so every version's routes count against one limit.
 */
export async function rateLimitHook(scope: FastifyInstance, opts: RateLimitOptions, counters: RateCounters | null): Promise<onRequestAsyncHookHandler | null> {
  if (opts.max <= 0) return null;
  await scope.register(rateLimit, {
    global: false,
    max: opts.max,
    timeWindow: opts.windowMs,
    keyGenerator: keyOf,
    ...(counters ? { store: sharedStore(counters) } : {}),
    errorResponseBuilder: (_req, ctx) =>
      new ApiError('too_many_requests', `Too many requests: at most ${ctx.max} per ${ctx.after}; retry later`),
  });
  return scope.rateLimit();
}
