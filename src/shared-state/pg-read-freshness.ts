/**
 * PostgreSQL: when a cached agent answer (get_agent, list_agents) may be served without reading the database, exactly
 * — also right after another node's write. Each licence's agents have a version in this process, moved whenever the
 * change listener hears that a transaction changed them (the database's own triggers notify, whoever wrote:
 * migration 0018); every (re)connection of the listener starts a new epoch (what was sent meanwhile is lost). Before
 * a version is trusted for a read, the listener's *barrier* (pg-change-listener.ts) makes sure every notification of
 * every transaction committed before the read arrived has been heard: one notification of its own, sent and heard
 * back, shared by all the reads that came meanwhile. Not listening: no version, the caller reads the database.
 */
import type { ReadFreshness } from '../kernel/read-cache.js';

export interface Barrier {
  barrier(): Promise<boolean>;
}

export class PgReadFreshness implements ReadFreshness {
  private readonly versions = new Map<number, number>();
  private epoch = 0;
  private listener: Barrier | null = null;

  /** The listener whose barrier the versions rely on (until then, and while it does not listen, none is given). */
  attach(listener: Barrier | null): void {
    this.listener = listener;
  }

  /** Heard: a committed transaction changed the agents (or memberships) of `licenseId` (`*`: of any licence). */
  agentsChanged(licenseId: number | '*'): void {
    if (licenseId === '*') return this.stale();
    this.versions.set(licenseId, (this.versions.get(licenseId) ?? 0) + 1);
  }

  /** Changes may have been missed: every version before this moment is void. */
  stale(): void {
    this.epoch++;
    this.versions.clear();
  }

  current(licenseId: number): string {
    return `n${this.epoch}.${this.versions.get(licenseId) ?? 0}`;
  }

  async token(licenseId: number): Promise<string | undefined> {
    if (!this.listener || !(await this.listener.barrier())) return undefined;
    return this.current(licenseId);
  }
}
