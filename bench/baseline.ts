/**
 * Baseline for `npm run bench`: a bare Fastify server (the same fastify the API uses, no logger, no hooks) answering
 * `POST /:version/configuration/action/:action` with a constant JSON body. Its req/s is what the framework can do on
 * this machine; every scenario is reported as a ratio of it.
 *
 * Usage: node bench/baseline.ts <port> <body-json>   (prints "listening" when ready)
 */
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const body = process.argv[3] ?? '{}';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
// Same body handling as the API: every body is read as a string and parsed as JSON.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'string' }, (_req, text, done) => {
  try {
    done(null, text === '' ? {} : JSON.parse(text as string));
  } catch (err) {
    done(err as Error, undefined);
  }
});
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/:version/configuration/action/:action', (_req, reply) => {
  reply.header('content-type', 'application/json; charset=utf-8').send(body);
});

await app.listen({ port, host: '127.0.0.1' });
process.stdout.write('listening\n');
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
