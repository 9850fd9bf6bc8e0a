/** turnEnd: answers ready within a turn are released together in its check phase, in arrival order. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { turnEnd } from '../../src/kernel/turn-end.js';

describe('turnEnd', () => {
  it('releases every waiter of a turn together, in order, after the turn’s synchronous work and microtasks', async () => {
    const leave = turnEnd();
    const order: string[] = [];
    const waits = [1, 2, 3].map((n) => leave().then(() => order.push(`answer ${n}`)));
    queueMicrotask(() => order.push('microtask'));
    order.push('sync');
    await Promise.all(waits);
    assert.deepEqual(order, ['sync', 'microtask', 'answer 1', 'answer 2', 'answer 3']);
  });

  it('schedules one setImmediate per turn however many wait, and a new one for the next turn', async () => {
    const leave = turnEnd();
    const real = globalThis.setImmediate;
    let scheduled = 0;
    globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
      scheduled++;
      return real(fn, ...args);
    }) as typeof setImmediate;
    try {
      await Promise.all(Array.from({ length: 50 }, () => leave()));
      assert.equal(scheduled, 1);
      await Promise.all([leave(), leave()]);
      assert.equal(scheduled, 2);
    } finally {
      globalThis.setImmediate = real;
    }
  });

  it('waits for I/O callbacks of the same poll phase: an answer waits for requests read after it', async () => {
    const leave = turnEnd();
    const order: string[] = [];
    // Two timers of the same turn stand for two requests read in one poll phase: the first's answer leaves after the
    // second was handled.
    await new Promise<void>((done) => {
      setTimeout(() => {
        order.push('request 1');
        void leave().then(() => {
          order.push('answer 1');
          done();
        });
      }, 0);
      setTimeout(() => order.push('request 2'), 0);
    });
    assert.deepEqual(order, ['request 1', 'request 2', 'answer 1']);
  });
});
