/**
 * The PostgreSQL rate-limit counters (src/shared-state/pg-rate-counters.ts) as two nodes of one database would use
 * them, in one process: requests counted in claimed blocks never let more than `max` through per window, all of it
 * when every node keeps asking, at most one block short when a node stops asking; a used-up window is refused until
 * it ends, then a new one starts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freshStore, postgresOrSkip } from '../support/stores.js';
import { BLOCK_MAX, PgRateCounters } from '../../src/shared-state/pg-rate-counters.js';
import type { Store } from '../../src/store/store.js';

const fail = (what: string, err: unknown) => {
  throw new Error(`${what}: ${String(err)}`);
};

describe('rate-limit counters claimed in blocks by two nodes of one database [postgres]', async () => {
  if (!(await postgresOrSkip())) return;
  let store: Store;
  let drop: () => Promise<void>;
  let nodes: PgRateCounters[];

  /** Statements the two nodes sent. */
  let statements = 0;

  before(async () => {
    ({ store, drop } = await freshStore('postgres', 4));
    const counted = store.db.withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    nodes = [new PgRateCounters(counted, fail), new PgRateCounters(counted, fail)];
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await drop?.();
  });

  const allowed = (counts: Array<{ count: number }>, max: number) => counts.filter((c) => c.count <= max).length;

  it('lets exactly max through when every node keeps asking, in fewer statements than requests', async (t) => {
    const max = 1000;
    const before = statements;
    const counts = await Promise.all(Array.from({ length: 3000 }, (_, i) => nodes[i % 2]!.hit('all-asking', 60_000, max)));
    assert.equal(allowed(counts, max), max);
    // Blocks of up to BLOCK_MAX, a tenth of what is left near the end, single requests at the very end; refusals free.
    const claims = statements - before;
    assert.ok(claims < 150, `${claims} statements for 3000 requests`);
    t.diagnostic(`${claims} statements for 3000 requests (max ${max})`);
    const row = await store.db.selectFrom('rate_limit_counters').selectAll().where('key', '=', 'all-asking').executeTakeFirstOrThrow();
    assert.equal(row.hits, max, 'the claims add up to max');
    const refused = counts.filter((c) => c.count > max);
    assert.ok(refused.every((c) => c.resetInMs > 50_000 && c.resetInMs <= 60_000));
  });

  it('never lets more than max through, and at most one block fewer when a node stops asking', async () => {
    const max = 1000;
    const [a, b] = nodes as [PgRateCounters, PgRateCounters];
    const onA = await Promise.all(Array.from({ length: 5 }, () => a.hit('one-stops', 60_000, max)));
    assert.equal(allowed(onA, max), 5);
    const onB = await Promise.all(Array.from({ length: 2 * max }, () => b.hit('one-stops', 60_000, max)));
    const total = 5 + allowed(onB, max);
    assert.ok(total <= max && total >= max - BLOCK_MAX, `${total} let through`);
  });

  it('refuses a used-up window until it ends, then starts a new one', async () => {
    const max = 3;
    const [a, b] = nodes as [PgRateCounters, PgRateCounters];
    const first = [await a.hit('short', 400, max), await b.hit('short', 400, max), await a.hit('short', 400, max)];
    assert.deepEqual(first.map((c) => c.count), [1, 2, 3]);
    assert.ok((await b.hit('short', 400, max)).count > max);
    assert.ok((await a.hit('short', 400, max)).count > max);
    await new Promise((r) => setTimeout(r, 450));
    assert.equal((await b.hit('short', 400, max)).count, 1);
    assert.equal((await a.hit('short', 400, max)).count, 2);
  });
});
