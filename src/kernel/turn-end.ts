/**
 * Work done once at the end of the event loop's turn for every caller that asked during it.
 *
 * `atTurnEnd(work)` gives a function whose calls within one turn share one run of `work`, in the turn's check phase
 * (`setImmediate`, right after the poll phase that read the requests of the turn): each call resolves with its result
 * (or rejects with its error). One `setImmediate` per turn however many callers; the delay is the rest of the current
 * turn (microseconds when the process is idle). Used where a per-request cost can be paid once per turn:
 *
 * - answers (`turnEnd`, the action plugin): an answer is often ready within the turn that read its request (a cached
 *   answer, any SQLite call), and Node would write it at once, waking a sleeping client per answer — on loopback a
 *   wake-up paid by the writer inside `writev`, most of a cached answer's cost on a 2-vCPU VM; held to the check
 *   phase, the turn's answers go out back to back (docs/performance.md step 13);
 * - SQLite's change token (kernel/read-cache.ts): one reading of the WAL index for the turn's cached reads, taken
 *   after all of them arrived (step 14);
 * - PostgreSQL read barriers (shared-state/pg-change-listener.ts): one barrier for every read of the turn (step 14).
 */
export function atTurnEnd<T>(work: () => T): () => Promise<T> {
  let waiting: Array<{ resolve: (value: T) => void; reject: (err: unknown) => void }> = [];
  const run = () => {
    const callers = waiting;
    waiting = [];
    let value: T;
    try {
      value = work();
    } catch (err) {
      for (const c of callers) c.reject(err);
      return;
    }
    for (const c of callers) c.resolve(value);
  };
  return () =>
    new Promise<T>((resolve, reject) => {
      if (waiting.push({ resolve, reject }) === 1) setImmediate(run);
    });
}

/** Resolves at the end of the turn, together with every other call of the turn (answers leaving together). */
export function turnEnd(): () => Promise<void> {
  return atTurnEnd(() => undefined);
}
