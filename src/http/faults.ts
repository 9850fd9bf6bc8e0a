/**
 * Fault injection of the control plane (PUT/DELETE /admin/faults): make the next N calls, or a share of the calls,
 * of an action (optionally of one licence) answer a given error in the documented format, or wait first, so that
 * integrators can test their retry and timeout handling. Rules live in this app instance's memory.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';
import { ApiError, ERROR_TYPES, type ErrorType } from '../kernel/errors.js';

export interface FaultRule {
  /** An action or batch endpoint name, or "*" for every action. */
  action: string;
  license_id?: number;
  /** Error type to answer (README's table); absent: only the latency. */
  error?: ErrorType;
  message?: string;
  /** Retry-After (seconds) sent with too_many_requests (default 1). */
  retry_after_s?: number;
  /** Wait this long before answering (the error, or the real answer). */
  latency_ms?: number;
  /** Apply to this many matching calls, then the rule is removed (default: until deleted). */
  count?: number;
  /** Apply to this share of matching calls, 0..1 (default 1). */
  share?: number;
}

export interface ActiveFault extends FaultRule {
  id: number;
  /** Remaining calls (null: unlimited). */
  remaining: number | null;
  applied: number;
}

export class FaultInjector {
  private rules: ActiveFault[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  /** Replace every rule. */
  set(rules: FaultRule[]): ActiveFault[] {
    for (const r of rules) {
      if (r.error === undefined && !r.latency_ms) throw new ApiError('validation', `A fault needs an error or a latency_ms (action ${r.action})`);
      if (r.error !== undefined && !(r.error in ERROR_TYPES)) throw new ApiError('validation', `Unknown error type: ${r.error}`);
    }
    this.rules = rules.map((r) => ({ ...r, id: this.nextId++, remaining: r.count ?? null, applied: 0 }));
    return this.list();
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /** Whether some rule concerns `action`. */
  concerns(action: string): boolean {
    return this.rules.some((r) => r.action === action || r.action === '*');
  }

  /** The rule to apply to one call (consumed), or null. */
  take(action: string, licenseId: number | null): ActiveFault | null {
    for (const r of this.rules) {
      if (r.action !== action && r.action !== '*') continue;
      if (r.license_id !== undefined && r.license_id !== licenseId) continue;
      if (r.share !== undefined && this.random() >= r.share) continue;
      r.applied++;
      if (r.remaining !== null && --r.remaining <= 0) this.rules = this.rules.filter((x) => x !== r);
      return r;
    }
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The action pipeline's preHandler applying the rules, after authentication and before its refusal is answered: a
 * rule without a licence applies to unauthenticated calls too; a licence's rule to calls authenticated for it.
 */
export function faultsHook(faults: FaultInjector): preHandlerAsyncHookHandler {
  return async (req, reply) => {
    const call = req.call;
    if (!faults.active || !call || !faults.concerns(call.name)) return;
    const rule = faults.take(call.name, req.caller?.licenseId ?? null);
    if (!rule) return;
    if (rule.latency_ms) await sleep(rule.latency_ms);
    if (rule.error === undefined) return;
    if (rule.error === 'too_many_requests') reply.header('retry-after', String(rule.retry_after_s ?? 1));
    throw new ApiError(rule.error, rule.message ?? `${ERROR_TYPES[rule.error].message} (injected by the control plane)`);
  };
}
