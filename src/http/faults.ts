/**
 * Fault injection of the control plane (PUT/DELETE /admin/faults): the action pipeline's hook applying the app's fault
 * rules (src/shared-state/fault-rules.ts: this process's memory, or PostgreSQL for every node of the database), so
 * that integrators can test their retry and timeout handling against errors in the documented format and latency.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';
import { ApiError, ERROR_TYPES } from '../kernel/errors.js';
import type { FaultRules } from '../shared-state/fault-rules.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The action pipeline's preHandler applying the rules, after authentication and before its refusal is answered: a
 * rule without a licence applies to unauthenticated calls too; a licence's rule to calls authenticated for it.
 * Nothing is read while no rule concerns the call.
 */
export function faultsHook(faults: FaultRules): preHandlerAsyncHookHandler {
  return async (req, reply) => {
    const call = req.call;
    if (!faults.active || !call || !faults.concerns(call.name)) return;
    const rule = await faults.take(call.name, req.caller?.licenseId ?? null);
    if (!rule) return;
    if (rule.latency_ms) await sleep(rule.latency_ms);
    if (rule.error === undefined) return;
    if (rule.error === 'too_many_requests') reply.header('retry-after', String(rule.retry_after_s ?? 1));
    throw new ApiError(rule.error, rule.message ?? `${ERROR_TYPES[rule.error].message} (injected by the control plane)`);
  };
}
