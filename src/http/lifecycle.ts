/**
 * The server's drain state. `serve` calls `drain()` on SIGTERM/SIGINT before closing the app; from then on /readyz
 * answers 503 (reason `draining`) and new requests on still-open connections get 503 in the error format with
 * `Connection: close`, while requests already in flight finish. Closing the app any other way drains too.
 */
import type { FastifyInstance } from 'fastify';
import { HttpStatusError } from '../kernel/errors.js';

export class Lifecycle {
  draining = false;
  /** Epoch ms by which everything must be closed (null: no deadline). Background services use it to bound their drain. */
  deadline: number | null = null;

  drain(timeoutMs?: number): void {
    this.draining = true;
    if (timeoutMs !== undefined) {
      const at = Date.now() + timeoutMs;
      this.deadline = this.deadline === null ? at : Math.min(this.deadline, at);
    }
  }
}

/** Paths that keep answering while draining: liveness, and readiness (which reports the drain itself). */
const ALWAYS = new Set(['/healthz', '/readyz']);

export function registerDrain(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.addHook('preClose', async () => lifecycle.drain());
  // Answers sent while draining (in-flight requests finishing) close their connection, so clients reconnect elsewhere.
  // Callback-style hooks: they run on every request, and an async hook costs a promise each time.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (lifecycle.draining) reply.header('connection', 'close');
    done(null, payload);
  });
  // Refused before the body is read but after every onRequest hook, so the answer carries what the route's scope adds
  // (CORS headers) and an action call is still counted as one.
  app.addHook('preParsing', (req, reply, payload, done) => {
    if (!lifecycle.draining || ALWAYS.has(req.url.split('?')[0]!)) return done(null, payload);
    reply.header('connection', 'close');
    done(new HttpStatusError(503, 'internal', 'The server is shutting down; retry on another instance', { reason: 'draining' }));
  });
}
