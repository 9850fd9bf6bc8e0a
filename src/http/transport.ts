/**
 * What happens before a request reaches a route: malformed HTTP, oversized headers, malformed URLs, slow clients.
 * Node's HTTP parser and Fastify's router answer these with their own bodies by default; here every such answer is
 * in the API's error format (`{"error":{"type","message"}}`), and slow or idle connections are dropped:
 *
 * - a request whose headers have not all arrived within `headersTimeoutMs`, or that is not complete within
 *   `requestTimeoutMs`, is answered 408 (`validation`) and the connection closed (this covers connections that
 *   never send anything, and clients dribbling a byte at a time);
 * - an idle keep-alive connection is closed after `keepAliveTimeoutMs`;
 * - malformed HTTP (unknown method, bad Content-Length, Content-Length with chunked encoding, invalid header
 *   names, …) → 400 `validation`, connection closed; headers over 16 KB → 431 `validation`, connection closed;
 * - a malformed percent-escape in the path → 400 `validation`; an over-long action name → 404 `not_found`.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { HttpLimitsConfig } from '../config.js';
import { ApiError, type ErrorType } from '../kernel/errors.js';

/** Longest path parameter the router matches; longer action names or versions answer `not_found`. */
export const MAX_PARAM_LENGTH = 200;

function rawResponse(status: number, type: ErrorType, message: string): string {
  const body = JSON.stringify(new ApiError(type, message).toBody());
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Node's `clientError`: the request could not be parsed, or did not arrive in time. Answer in the error format, close. */
function clientErrorHandler(limits: HttpLimitsConfig) {
  return function onClientError(this: { log: { debug(o: object, m: string): void } }, err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let answer: string;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      answer = rawResponse(
        408,
        'validation',
        `Request not received in time (headers within ${limits.headersTimeoutMs} ms, the whole request within ${limits.requestTimeoutMs} ms)`,
      );
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      answer = rawResponse(431, 'validation', 'Request headers too large (at most 16 KB)');
    } else {
      answer = rawResponse(400, 'validation', 'Malformed HTTP request');
    }
    this.log.debug({ code: err.code }, 'client error');
    // As Node does: answer unless a response to the failing request has already started, then close.
    const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !pending?.headersSent) socket.end(answer);
    else socket.destroy();
  };
}

/** Router errors before any route runs (bad percent-encoding, over-long parameters). */
function frameworkErrors(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const e =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ApiError('not_found', `Unknown action (names are at most ${MAX_PARAM_LENGTH} characters)`)
      : err.code === 'FST_ERR_BAD_URL'
        ? new ApiError('validation', 'Malformed URL: invalid percent-encoding in the path')
        : new ApiError('validation', 'Malformed request');
  void reply.code(e.status).send(e.toBody());
}

/** Fastify options for the transport: time-outs, router limits and the error-format handlers above. */
export function transportOptions(limits: HttpLimitsConfig): FastifyServerOptions {
  return {
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks time-outs every connectionsCheckingInterval (default 30 s): check often enough to honour them.
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    // Draining is answered in the error format by lifecycle.ts, not by Fastify's own 503 body.
    return503OnClosing: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler: clientErrorHandler(limits),
  } as FastifyServerOptions;
}

/**
 * `Expect` other than `100-continue`: Node answers 417 with an empty body unless someone listens. Answer in the
 * error format instead.
 */
export function onCheckExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(new ApiError('validation', 'Unsupported Expect header (only 100-continue is supported)').toBody());
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/**
 * Shutdown: Node stops enforcing the header and request time-outs once the server closes, so a client still sending
 * its headers (or dribbling a body) would hold the server open for ever. When closing starts, connections without a
 * request being answered are closed at once (idle keep-alive ones, and ones whose request has not fully arrived);
 * connections still answering get `requestTimeoutMs` to finish, then are closed too.
 */
export function closeSlowClientsOnShutdown(app: FastifyInstance, limits: HttpLimitsConfig): void {
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let timer: NodeJS.Timeout | undefined;
  app.addHook('preClose', (done) => {
    for (const socket of sockets) {
      if (!(socket as Socket & { _httpMessage?: unknown })._httpMessage) socket.destroy();
    }
    timer = setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, limits.requestTimeoutMs);
    timer.unref();
    done();
  });
  app.addHook('onClose', (_app, done) => {
    clearTimeout(timer);
    done();
  });
}
