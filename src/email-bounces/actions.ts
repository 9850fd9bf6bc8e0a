/**
 * reactivate_email (v3.6, "Other"): an agent's bounced e-mail address is usable again. The bounce record is removed
 * (bounces.ts); an agent without one answers `{}` as well (nothing to reactivate). Deleting an agent forgets its bounce.
 */
import { Type } from '@sinclair/typebox';
import { defineAction } from '../kernel/registry.js';
import { EmptyResponse } from '../kernel/responses.js';
import { identifier } from '../kernel/schema.js';
import type { Tx } from '../store/transaction.js';
import { agentIdOrThrow } from './bounces.js';
import { deleteBounce } from './repo.js';

export const reactivateEmail = defineAction({
  name: 'reactivate_email',
  area: 'other',
  summary: 'Reactivates email if it has been bounced.',
  description:
    "Clears the agent's e-mail bounce (recorded by the platform's mailer; here by provisioning). An agent whose address " +
    'has not bounced answers `{}` too; an unknown agent or a bot → `not_found`.',
  schema: Type.Object({ agent_id: identifier({ minLength: 1 }) }, { additionalProperties: false }),
  response: EmptyResponse,
  scopes: ['agents--all:rw'],
  async handler(ctx, input) {
    const { licenseId } = ctx.caller;
    await ctx.tx(async (tx) => {
      await deleteBounce(tx.db, licenseId, await agentIdOrThrow(tx.db, licenseId, input.agent_id));
    });
    return {};
  },
});

export async function agentDeleted(tx: Tx, licenseId: number, agentId: string): Promise<void> {
  await deleteBounce(tx.db, licenseId, agentId);
}
