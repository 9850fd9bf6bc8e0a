/** Control plane: fault rules (errors or latency injected into the next calls of an action). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AdminDeps } from './deps.js';
import { FaultsBody, FaultsResponse } from './schemas.js';

export const faultRoutes: FastifyPluginAsyncTypebox<AdminDeps> = async (admin, { faults }) => {
  admin.get('/admin/faults', {
    schema: { operationId: 'adminListFaults', summary: 'Active fault rules', response: { 200: FaultsResponse } },
  }, async () => ({ faults: await faults.list() }));

  admin.put('/admin/faults', {
    schema: {
      operationId: 'adminSetFaults',
      summary: 'Replace the fault rules: errors or latency for the next N calls (or a share of calls) of an action',
      body: FaultsBody,
      response: { 200: FaultsResponse },
    },
  }, async ({ body }) => ({ faults: await faults.set(body.faults) }));

  admin.delete('/admin/faults', {
    schema: { operationId: 'adminClearFaults', summary: 'Remove every fault rule', response: { 200: FaultsResponse } },
  }, async () => {
    await faults.clear();
    return { faults: [] };
  });
};
