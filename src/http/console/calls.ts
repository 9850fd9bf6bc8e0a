/** Console: the request journal (list with filters, live, one call with its bodies). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../../kernel/errors.js';
import type { JournalEntry } from '../../shared-state/journal.js';
import { LicenseId, Limit } from '../schemas.js';
import { LIVE_POLL_MS, type ConsoleDeps } from './deps.js';

const Text = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }));

/** The list and the live view leave bodies out (they can be large); a call opened alone has them. */
const summary = ({ request_body: _q, response_body: _r, ...rest }: JournalEntry) => rest;

export const callRoutes: FastifyPluginAsyncTypebox<ConsoleDeps> = async (app, { journal, streams, sessions }) => {
  app.get('/console/api/calls', {
    schema: {
      querystring: Type.Object({
        license_id: Type.Optional(LicenseId),
        action: Text,
        status: Type.Optional(Type.String({ pattern: '^([1-5]xx|[1-5][0-9][0-9])$', description: 'An HTTP status (404) or a class (4xx)' })),
        error_type: Text,
        limit: Limit(200, 5000),
      }),
    },
  }, async ({ query: q }) => ({
    calls: (await journal.list({ licenseId: q.license_id, action: q.action, status: q.status, errorType: q.error_type, limit: q.limit })).map(summary),
  }));

  // Each call as it is recorded; the session is checked every LIVE_POLL_MS.
  app.get('/console/api/calls/live', (req, reply) => {
    const stream = streams.open(req, reply, { retryMs: 2000 });
    stream.onClose(journal.subscribe((e) => stream.send('call', summary(e))));
    sessions.endWithSession(req, stream, LIVE_POLL_MS);
  });

  app.get('/console/api/calls/:rid', { schema: { params: Type.Object({ rid: Type.String() }) } }, async ({ params: { rid } }) => {
    const e = await journal.find(rid);
    if (!e) throw new ApiError('not_found', `Call ${rid} is not in the journal (it keeps the most recent calls only)`);
    return e;
  });
};
