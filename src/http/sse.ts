/**
 * Server-sent events, the one helper behind every live view (the control plane's journal stream, the console's
 * deliveries and calls), modelled on @fastify/sse's SSEContext (anchors §1) without its HTTP/2 trap:
 *
 * - the stream takes the reply over (`reply.hijack()`, so no later hook runs) and sends the headers set so far (request
 *   id, security headers) with its own;
 * - `Connection: close` on HTTP/1 only (HTTP/2 forbids connection headers): the socket closes with the stream instead
 *   of lingering idle when the server shuts down;
 * - a comment line every `HEARTBEAT_MS` keeps proxies from closing an idle stream (an unref'd timer: it never keeps the
 *   process alive);
 * - what the stream set up (timers, subscriptions: `onClose`) is released when the client goes away;
 * - every open stream is ended when the server starts closing (`preClose`), which would otherwise wait for it.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const HEARTBEAT_MS = 15_000;

export interface EventStream {
  /** One event: `event:` when named, `id:` when given, and its data as one line of JSON. */
  send(event: string | null, data: unknown, id?: number | string): void;
  /** Call `fn` once when the stream ends (client gone, `end()`, server closing). */
  onClose(fn: () => void): void;
  /** Run `fn` now and then every `ms` after it settled, until the stream ends; a failure is logged, not fatal. */
  every(ms: number, fn: () => Promise<void> | void): void;
  end(): void;
}

export interface EventStreamOptions {
  /** How long a browser's EventSource waits before reconnecting (the `retry:` field). */
  retryMs?: number;
}

export interface EventStreams {
  /** Answer `req` with a stream of events (the reply is taken over). */
  open(req: FastifyRequest, reply: FastifyReply, opts?: EventStreamOptions): EventStream;
}

/** The streams of one plugin: each is ended when the server closes. */
export function eventStreams(scope: FastifyInstance): EventStreams {
  const live = new Set<EventStream>();
  scope.addHook('preClose', (done) => {
    for (const stream of live) stream.end();
    done();
  });
  return {
    open(req, reply, opts = {}) {
      reply.hijack();
      const res = reply.raw;
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
      const headers: OutgoingHttpHeaders = {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        'x-accel-buffering': 'no',
      };
      if (req.raw.httpVersionMajor === 1) headers.connection = 'close';
      res.writeHead(200, headers);
      res.write(`${opts.retryMs ? `retry: ${opts.retryMs}\n` : ''}: connected\n\n`);

      let closed = false;
      const cleanups: Array<() => void> = [];
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        live.delete(stream);
        for (const fn of cleanups.splice(0)) fn();
      };
      const stream: EventStream = {
        send(event, data, id) {
          if (closed) return;
          res.write(`${event === null ? '' : `event: ${event}\n`}${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
        },
        onClose(fn) {
          if (closed) fn();
          else cleanups.push(fn);
        },
        every(ms, fn) {
          let timer: NodeJS.Timeout | undefined;
          const tick = async () => {
            try {
              await fn();
            } catch (err) {
              req.log.warn({ err }, 'live view: update failed');
            }
            if (!closed) timer = setTimeout(tick, ms).unref();
          };
          stream.onClose(() => clearTimeout(timer));
          void tick();
        },
        end() {
          if (closed) return;
          close();
          res.end();
        },
      };
      live.add(stream);
      req.raw.on('close', close);
      return stream;
    },
  };
}
