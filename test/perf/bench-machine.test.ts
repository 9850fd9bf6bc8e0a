/** The bench's machine readings (bench/lib/machine.ts): steal from /proc/stat, the median of the rounds' ratios. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cpuTimes, median, stealPercent, withSteal } from '../../bench/lib/machine.js';

describe('bench machine readings', () => {
  it('the steal of a window is its share of the CPU time that passed', () => {
    assert.equal(stealPercent({ total: 1000, steal: 10 }, { total: 1400, steal: 110 }), 25);
    assert.equal(stealPercent({ total: 1000, steal: 10 }, { total: 1000, steal: 10 }), null, 'no time passed');
    assert.equal(stealPercent(null, { total: 1, steal: 0 }), null);
  });

  it('reads /proc/stat where there is one, and measures a window', async (t) => {
    if (!existsSync('/proc/stat')) return t.skip('no /proc/stat on this system');
    const now = cpuTimes();
    assert.ok(now && now.total > 0 && now.steal >= 0 && now.steal <= now.total, JSON.stringify(now));
    const { value, stealPct } = await withSteal(async () => {
      const until = Date.now() + 30;
      while (Date.now() < until); // some CPU time for the counters to move
      return 'done';
    });
    assert.equal(value, 'done');
    assert.ok(stealPct === null || (stealPct >= 0 && stealPct <= 100), String(stealPct));
  });

  it('the median of the rounds', () => {
    assert.equal(median([]), null);
    assert.equal(median([0.7]), 0.7);
    assert.equal(median([0.9, 0.5, 0.7]), 0.7);
    assert.equal(median([0.8, 0.5, 0.6, 0.9]), 0.7);
  });
});
