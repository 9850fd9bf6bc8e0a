/**
 * Console sign-in: the admin token is posted once and exchanged for a random session token, sent back as an
 * HttpOnly, SameSite=Strict cookie scoped to /console; the app's `ConsoleSessions` (src/shared-state/: this process's
 * memory, or PostgreSQL for every node and across restarts) keep only its digest. State-changing requests must also
 * carry the `X-Console-Request` header (a cross-site form or image cannot send it) and, when the browser sends an
 * Origin, come from this server's own origin. Wrong tokens count against the failed-authentication limit.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest, onRequestAsyncHookHandler, onRequestHookHandler } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import { hashSecret, secretMatches } from '../../kernel/crypto.js';
import type { ConsoleSessions } from '../../shared-state/console-sessions.js';
import type { AuthFailureHooks } from '../auth-failures.js';
import type { EventStream } from '../sse.js';

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

/** The console's sessions as requests carry them (the cookie's token). */
export class Sessions {
  constructor(private readonly store: ConsoleSessions) {}

  get ttlMs(): number {
    return this.store.ttlMs;
  }

  /** The request's live session (its token and expiry, epoch ms), if any. */
  async of(req: FastifyRequest): Promise<{ token: string; expires: number } | undefined> {
    const token = cookieValue(req.headers.cookie, CONSOLE_COOKIE);
    if (!token) return undefined;
    const session = await this.store.get(token);
    return session && { token, expires: session.expires };
  }

  create(): Promise<{ token: string; expires: number }> {
    return this.store.create();
  }

  delete(token: string): Promise<void> {
    return this.store.delete(token);
  }

  /**
   * End a live view's stream once the request's session is gone (signed out, expired, or signed out on another
   * node), checked now and every `ms`; the page hears `signed_out` first and shows the sign-in form.
   */
  endWithSession(req: FastifyRequest, stream: EventStream, ms: number): void {
    stream.every(ms, async () => {
      if (await this.of(req)) return;
      stream.send('signed_out', {});
      stream.end();
    });
  }
}

/** Same-origin and custom-header check for requests that change state: what is wrong, or null. */
function csrfProblem(req: FastifyRequest): ApiError | null {
  if (req.headers[CONSOLE_HEADER] !== '1') {
    return new ApiError('authorization', `State-changing console requests must send the ${CONSOLE_HEADER} header`);
  }
  // Host only (not the scheme): behind a proxy that terminates TLS the server sees http while the page is https.
  const origin = req.headers.origin;
  if (origin !== undefined && hostOf(origin) !== req.headers.host) return new ApiError('authorization', 'Cross-origin console request refused');
  return null;
}

/** The CSRF check as an onRequest hook. */
const checkCsrf: onRequestHookHandler = (req, _reply, done) => done(csrfProblem(req) ?? undefined);

/** onRequest hook of the console API: a live session, and the CSRF check for anything but reads. */
export function requireSession(sessions: Sessions): onRequestAsyncHookHandler {
  return async (req) => {
    if (!(await sessions.of(req))) throw new ApiError('authentication', 'Sign in to the console first');
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const problem = csrfProblem(req);
    if (problem) throw problem;
  };
}

const cookie = (req: FastifyRequest, value: string, maxAgeS: number): string =>
  `${CONSOLE_COOKIE}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${req.protocol === 'https' ? '; Secure' : ''}`;

export interface SessionOptions {
  sessions: Sessions;
  adminToken: string;
  /** The failed-authentication limit the action API enforces too (null: off). */
  authFailures: AuthFailureHooks | null;
}

/** `POST|GET|DELETE /console/api/session`: sign in, check, sign out. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionOptions> = async (app, { sessions, adminToken, authFailures: limit }) => {
  const adminDigest = hashSecret(adminToken);
  // Wrong admin tokens count against the same per-address limit as failed API authentications (AUTH_FAILURE_LIMIT).
  app.post('/console/api/session', {
    onRequest: limit ? [limit.onRequest, checkCsrf] : [checkCsrf],
    ...(limit ? { onSend: limit.onSend } : {}),
    schema: { body: Type.Object({ token: Type.String({ minLength: 1, description: 'The admin token' }) }) },
  }, async (req, reply) => {
    if (!secretMatches(req.body.token, adminDigest)) throw new ApiError('authentication', 'Wrong admin token');
    const { token, expires } = await sessions.create();
    reply.header('set-cookie', cookie(req, token, Math.floor(sessions.ttlMs / 1000)));
    return { expires_at: new Date(expires).toISOString() };
  });
  app.get('/console/api/session', async (req) => {
    const session = await sessions.of(req);
    if (!session) throw new ApiError('authentication', 'Sign in to the console first');
    return { expires_at: new Date(session.expires).toISOString() };
  });
  app.delete('/console/api/session', { onRequest: checkCsrf }, async (req, reply) => {
    const session = await sessions.of(req);
    if (session) await sessions.delete(session.token);
    reply.header('set-cookie', cookie(req, '', 0));
    return {};
  });
};
