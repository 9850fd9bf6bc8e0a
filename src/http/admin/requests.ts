/** Control plane: the request journal, as a list and as a live stream (server-sent events). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { eventStreams } from '../sse.js';
import type { AdminDeps } from './deps.js';
import { LicenseId, Limit } from '../schemas.js';
import { JournalEntrySchema } from './schemas.js';

export const requestRoutes: FastifyPluginAsyncTypebox<AdminDeps> = async (admin, { journal }) => {
  admin.get('/admin/requests', {
    schema: {
      operationId: 'adminListRequests',
      summary: 'Recent API calls (of every node on PostgreSQL, of this process on SQLite), newest first',
      querystring: Type.Object({ license_id: Type.Optional(LicenseId), action: Type.Optional(Type.String({ minLength: 1 })), limit: Limit(100, 10_000) }),
      response: { 200: Type.Object({ requests: Type.Array(JournalEntrySchema) }) },
    },
  }, async ({ query: q }) => ({ requests: await journal.list({ licenseId: q.license_id, action: q.action, limit: q.limit }) }));

  // Live: one `data:` line of JSON per API call, as it is recorded.
  const streams = eventStreams(admin);
  admin.get('/admin/requests/stream', { schema: { hide: true } }, (req, reply) => {
    const stream = streams.open(req, reply);
    stream.onClose(journal.subscribe((e) => stream.send(null, e, e.seq)));
  });
};
