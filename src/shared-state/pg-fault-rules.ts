/**
 * Fault rules in PostgreSQL (owner of `fault_rules`, migration 0015): the same rules on every node of the database.
 * Each node keeps a copy in memory for the per-call check, replaced by its own changes at once and read again every
 * SHARED_POLL_MS (a scan of a table that is empty unless someone is testing), so a rule set or deleted on one node
 * applies on every node within a second. Applying a rule is one conditional UPDATE (rare: only calls a rule concerns
 * pay it), which consumes `count` exactly across the cluster: a rule used up elsewhere is found gone and skipped.
 */
import type { Generated } from 'kysely';
import type { Db } from '../store/store.js';
import { KnownRules, checkFaultRules, ruleApplies, type ActiveFault, type FaultRule, type FaultRules } from './fault-rules.js';
import { Poller, SHARED_POLL_MS, type ReportError } from './poller.js';

export interface FaultRulesTable {
  id: Generated<number>;
  /** The rule as set (JSON of a FaultRule). */
  rule: string;
  /** Calls left (null: until deleted); a rule at 0 is used up. */
  remaining: number | null;
  applied: Generated<number>;
}

declare module '../store/schema.js' {
  interface Database {
    fault_rules: FaultRulesTable;
  }
}

type Row = { id: number; rule: string; remaining: number | null; applied: number };

const toFault = (r: Row): ActiveFault => ({ ...(JSON.parse(r.rule) as FaultRule), id: r.id, remaining: r.remaining, applied: r.applied });

export class PgFaultRules extends KnownRules implements FaultRules {
  /** Counts this node's own changes, so a read that overlapped one does not bring older rules back. */
  private changes = 0;
  private readonly poll: Poller;

  constructor(
    private readonly db: Db,
    report: ReportError,
    private readonly random: () => number = Math.random,
  ) {
    super();
    this.poll = new Poller('reading fault rules', SHARED_POLL_MS, async () => void (await this.read()), report).start();
  }

  async take(action: string, licenseId: number | null): Promise<ActiveFault | null> {
    for (const r of this.rules) {
      if (!ruleApplies(r, action, licenseId, this.random)) continue;
      const row = await this.db
        .updateTable('fault_rules')
        .set((eb) => ({ applied: eb('applied', '+', 1), remaining: eb('remaining', '-', 1) }))
        .where('id', '=', r.id)
        .where((eb) => eb.or([eb('remaining', 'is', null), eb('remaining', '>', 0)]))
        .returning(['remaining', 'applied'])
        .executeTakeFirst();
      if (!row || row.remaining === 0) this.drop(r.id);
      if (!row) continue; // used up on another node meanwhile
      if (row.remaining === 0) await this.db.deleteFrom('fault_rules').where('id', '=', r.id).where('remaining', '=', 0).execute();
      return { ...r, remaining: row.remaining, applied: row.applied };
    }
    return null;
  }

  async set(rules: FaultRule[]): Promise<ActiveFault[]> {
    checkFaultRules(rules);
    const rows = await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('fault_rules').execute();
      if (rules.length === 0) return [];
      return trx
        .insertInto('fault_rules')
        .values(rules.map((r) => ({ rule: JSON.stringify(r), remaining: r.count ?? null })))
        .returning(['id', 'rule', 'remaining', 'applied'])
        .execute();
    });
    this.replace(rows.map(toFault));
    return this.rules.map((r) => ({ ...r }));
  }

  async clear(): Promise<void> {
    await this.db.deleteFrom('fault_rules').execute();
    this.replace([]);
  }

  /** The rules as the database has them now (with every node's `applied`). */
  async list(): Promise<ActiveFault[]> {
    return (await this.read()).map((r) => ({ ...r }));
  }

  async close(): Promise<void> {
    await this.poll.stop();
  }

  /** Read the rules; they become this node's copy unless it changed them meanwhile. */
  private async read(): Promise<ActiveFault[]> {
    const seen = this.changes;
    const rows = await this.db
      .selectFrom('fault_rules')
      .select(['id', 'rule', 'remaining', 'applied'])
      .where((eb) => eb.or([eb('remaining', 'is', null), eb('remaining', '>', 0)]))
      .orderBy('id')
      .execute();
    const rules = rows.map(toFault);
    if (this.changes === seen) this.rules = rules;
    return rules;
  }

  private replace(rules: ActiveFault[]): void {
    this.changes++;
    this.rules = rules;
  }

  private drop(id: number): void {
    this.replace(this.rules.filter((r) => r.id !== id));
  }
}
