/**
 * Console sign-in: the admin token is posted once and exchanged for a random session id, kept in memory by this app
 * instance and sent back as an HttpOnly, SameSite=Strict cookie scoped to /console. State-changing requests must also
 * carry the `X-Console-Request` header (a cross-site form or image cannot send it) and, when the browser sends an
 * Origin, come from this server's own origin. Wrong tokens count against the failed-authentication limit.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import type { AuthFailureConfig } from '../../config.js';
import { hashSecret, secretMatches } from '../../kernel/crypto.js';
import { authFailureLimiter } from '../auth-failures.js';

export const CONSOLE_COOKIE = 'config_api_console';
export const CONSOLE_HEADER = 'x-console-request';

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** The sessions of this app instance: id → expiry (epoch ms). */
export class Sessions {
  private readonly expiries = new Map<string, number>();
  constructor(readonly ttlMs: number) {}

  /** The request's live session (its id and expiry, epoch ms), if any. */
  of(req: FastifyRequest): { id: string; expires: number } | undefined {
    const id = cookieValue(req.headers.cookie, CONSOLE_COOKIE);
    if (!id) return undefined;
    const expires = this.expiries.get(id);
    if (expires === undefined) return undefined;
    if (expires <= Date.now()) {
      this.expiries.delete(id);
      return undefined;
    }
    return { id, expires };
  }

  create(): { id: string; expires: number } {
    const now = Date.now();
    for (const [id, exp] of this.expiries) if (exp <= now) this.expiries.delete(id);
    const id = randomBytes(32).toString('base64url');
    const expires = now + this.ttlMs;
    this.expiries.set(id, expires);
    return { id, expires };
  }

  delete(id: string): void {
    this.expiries.delete(id);
  }
}

/** Same-origin and custom-header check for requests that change state (an onRequest hook). */
const checkCsrf: onRequestHookHandler = (req, _reply, done) => {
  if (req.headers[CONSOLE_HEADER] !== '1') {
    return done(new ApiError('authorization', `State-changing console requests must send the ${CONSOLE_HEADER} header`));
  }
  // Host only (not the scheme): behind a proxy that terminates TLS the server sees http while the page is https.
  const origin = req.headers.origin;
  if (origin !== undefined && hostOf(origin) !== req.headers.host) return done(new ApiError('authorization', 'Cross-origin console request refused'));
  done();
};

/** onRequest hook of the console API: a live session, and the CSRF check for anything but reads. */
export function requireSession(sessions: Sessions): onRequestHookHandler {
  return function sessionRequired(req, reply, done) {
    if (!sessions.of(req)) return done(new ApiError('authentication', 'Sign in to the console first'));
    if (req.method !== 'GET' && req.method !== 'HEAD') return checkCsrf.call(this, req, reply, done);
    done();
  };
}

const cookie = (req: FastifyRequest, value: string, maxAgeS: number): string =>
  `${CONSOLE_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${req.protocol === 'https' ? '; Secure' : ''}`;

export interface SessionOptions {
  sessions: Sessions;
  adminToken: string;
  authFailures: AuthFailureConfig;
}

/** `POST|GET|DELETE /console/api/session`: sign in, check, sign out. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionOptions> = async (app, { sessions, adminToken, authFailures }) => {
  const adminDigest = hashSecret(adminToken);
  // Wrong admin tokens count against the same per-address limit as failed API authentications (AUTH_FAILURE_LIMIT).
  const limit = authFailureLimiter(authFailures);
  app.post('/console/api/session', {
    onRequest: limit ? [limit.onRequest, checkCsrf] : [checkCsrf],
    ...(limit ? { onResponse: limit.onResponse } : {}),
    schema: { body: Type.Object({ token: Type.String({ minLength: 1, description: 'The admin token' }) }) },
  }, async (req, reply) => {
    if (!secretMatches(req.body.token, adminDigest)) throw new ApiError('authentication', 'Wrong admin token');
    const { id, expires } = sessions.create();
    reply.header('set-cookie', cookie(req, id, Math.floor(sessions.ttlMs / 1000)));
    return { expires_at: new Date(expires).toISOString() };
  });
  app.get('/console/api/session', async (req) => {
    const session = sessions.of(req);
    if (!session) throw new ApiError('authentication', 'Sign in to the console first');
    return { expires_at: new Date(session.expires).toISOString() };
  });
  app.delete('/console/api/session', { onRequest: checkCsrf }, async (req, reply) => {
    const session = sessions.of(req);
    if (session) sessions.delete(session.id);
    reply.header('set-cookie', cookie(req, '', 0));
    return {};
  });
};
