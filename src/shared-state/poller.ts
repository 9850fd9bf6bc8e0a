/**
 * Background work of the PostgreSQL implementations: reading what the other nodes changed, flushing, pruning. Each
 * runs on unref'd timers (it never keeps the process alive), never twice at once, and its failures go to a report
 * function (the app logs them; a database outage is logged once by the store's health instead).
 */

/**
 * How often a node reads what the other nodes changed (blocked addresses, fault rules): a change made on one node
 * takes effect on every other within this plus one query, well inside the promised second.
 */
export const SHARED_POLL_MS = 200;

/** Where failures of background work go: `what` names the work (e.g. "reading fault rules"). */
export type ReportError = (what: string, err: unknown) => void;

/** Runs `fn` at once and then `ms` after each run settled, until `stop()`. */
export class Poller {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly what: string,
    private readonly ms: number,
    private readonly fn: () => Promise<void>,
    private readonly report: ReportError,
  ) {}

  start(): this {
    void this.tick();
    return this;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.running = this.fn().catch((err: unknown) => this.report(this.what, err));
    await this.running;
    this.running = null;
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.ms).unref();
  }

  /** No further run; resolves once the run under way (if any) has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
