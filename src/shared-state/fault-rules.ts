/**
 * Fault rules of the control plane (PUT/DELETE /admin/faults): make the next N calls, or a share of the calls, of an
 * action (optionally of one licence) answer a given error, or wait first. The action pipeline asks on every call
 * whether a rule concerns it (`active`, `concerns`: from memory, nothing to pay while there are none) and takes the
 * rule to apply (`take`). `MemoryFaultRules`: one process (SQLite). `PgFaultRules` (pg-fault-rules.ts): the rules in
 * PostgreSQL, the same on every node, `count` consumed exactly across the cluster.
 */
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

export interface FaultRules {
  /** Whether some rule is known to this node (no I/O). */
  readonly active: boolean;
  /** Whether some rule concerns `action` (no I/O). */
  concerns(action: string): boolean;
  /** The rule to apply to one call (consumed), or null; rules are tried in order, the first that applies wins. */
  take(action: string, licenseId: number | null): Promise<ActiveFault | null>;
  /** Replace every rule. */
  set(rules: FaultRule[]): Promise<ActiveFault[]>;
  clear(): Promise<void>;
  list(): Promise<ActiveFault[]>;
  close(): Promise<void>;
}

/** A rule needs an error or a latency, and a known error type. */
export function checkFaultRules(rules: readonly FaultRule[]): void {
  for (const r of rules) {
    if (r.error === undefined && !r.latency_ms) throw new ApiError('validation', `A fault needs an error or a latency_ms (action ${r.action})`);
    if (r.error !== undefined && !(r.error in ERROR_TYPES)) throw new ApiError('validation', `Unknown error type: ${r.error}`);
  }
}

/** Whether `rule` is for this call (its action, its licence) and, for a share, this call is drawn. */
export function ruleApplies(rule: FaultRule, action: string, licenseId: number | null, random: () => number): boolean {
  if (rule.action !== action && rule.action !== '*') return false;
  if (rule.license_id !== undefined && rule.license_id !== licenseId) return false;
  return rule.share === undefined || random() < rule.share;
}

/** The per-call checks over the rules this node knows, in memory. */
export abstract class KnownRules {
  protected rules: ActiveFault[] = [];

  get active(): boolean {
    return this.rules.length > 0;
  }

  concerns(action: string): boolean {
    return this.rules.some((r) => r.action === action || r.action === '*');
  }
}

/** Rules of one process, in memory. */
export class MemoryFaultRules extends KnownRules implements FaultRules {
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {
    super();
  }

  async take(action: string, licenseId: number | null): Promise<ActiveFault | null> {
    for (const r of this.rules) {
      if (!ruleApplies(r, action, licenseId, this.random)) continue;
      r.applied++;
      if (r.remaining !== null && --r.remaining <= 0) this.rules = this.rules.filter((x) => x !== r);
      return { ...r };
    }
    return null;
  }

  async set(rules: FaultRule[]): Promise<ActiveFault[]> {
    checkFaultRules(rules);
    this.rules = rules.map((r) => ({ ...r, id: this.nextId++, remaining: r.count ?? null, applied: 0 }));
    return this.list();
  }

  async clear(): Promise<void> {
    this.rules = [];
  }

  async list(): Promise<ActiveFault[]> {
    return this.rules.map((r) => ({ ...r }));
  }

  async close(): Promise<void> {}
}
