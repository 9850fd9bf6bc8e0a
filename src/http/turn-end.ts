/**
 * Answers written together at the end of the event loop's turn instead of one by one as each is ready.
 *
 * An action's answer is often ready within the turn that read its request (a cached answer, any SQLite call: the
 * driver is synchronous), and Node then writes it at once, before reading the next request. Each such write wakes the
 * client when it is asleep, and on loopback (tests, SDKs and sidecars on the same host; the bench) that wake-up is
 * paid by the writer, inside `writev`: on a 2-vCPU VM it is most of a cached answer's cost. Held until the turn's
 * check phase (`setImmediate`, right after the poll phase that read the requests), the answers of every request read
 * in that turn go out back to back, and the client, woken by the first, is already running for the others. One
 * `setImmediate` per turn, however many answers wait; the delay is the rest of the current turn (microseconds when the
 * server is idle). docs/performance.md step 13 has the numbers.
 */
export function turnEnd(): () => Promise<void> {
  let waiting: Array<() => void> = [];
  const release = () => {
    const ready = waiting;
    waiting = [];
    for (const resolve of ready) resolve();
  };
  return () =>
    new Promise<void>((resolve) => {
      if (waiting.push(resolve) === 1) setImmediate(release);
    });
}
