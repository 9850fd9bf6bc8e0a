/**
 * The other nodes' changes, heard through PostgreSQL's LISTEN (the sending side is src/store/notify.ts): one dedicated
 * connection per app, outside the pool (a pooled connection would be handed to a transaction, and the pool's error
 * listener is off while a connection is checked out), each change handed to the app as its own commits are.
 *
 * The connection is watched (its `error` and `end` events, and a `SELECT 1` every HEARTBEAT_MS that must answer
 * within the connection time-out, for a network that drops packets silently) and opened again after a loss with a
 * capped, jittered backoff (pg-boss's `Db.listen`, graphile-worker's `listenForChanges`). Every time it starts
 * listening — the first time included — it calls `sink.stale()`: whatever was sent while no one listened is lost,
 * so cached token lookups are dropped, the delivery worker looks for work and licence views reload. One log line when
 * the connection is lost, one when listening again (never one per attempt).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AGENTS_CHANNEL, CHANGE_CHANNEL, decodeChange, type Change } from '../store/notify.js';
import { atTurnEnd } from '../kernel/turn-end.js';

/** First retry after a loss; each further one waits twice as long, up to RETRY_MAX_MS (±20 % jitter). */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 2_000;
/** How often the connection is checked (a `SELECT 1` that must answer within the connection time-out). */
export const HEARTBEAT_MS = 5_000;
/** How PostgreSQL lists the connection (`pg_stat_activity.application_name`). */
export const LISTENER_APPLICATION_NAME = 'config-api change listener';

export interface ListenerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Where the changes heard go (the app: the same handling as its own commits). */
export interface ChangeSink {
  /** The app's own id in the messages its commits send (`core.origin`): those are skipped, the app had them first. */
  origin: string;
  /** Another process committed this change. */
  changed(change: Change): void;
  /** Changes may have been missed (nothing listened for a while): anything may have changed. */
  stale(): void;
  /**
   * A transaction of any process (any writer: the database's triggers send it) changed the agents of `licenseId`
   * (`*`: of any licence, e.g. a TRUNCATE).
   */
  agentsChanged?(licenseId: number | '*'): void;
}

export interface ListenerStats {
  /** Listening now. */
  listening: boolean;
  /** Times it started listening again after a loss. */
  reconnects: number;
  /** Changes of other nodes received. */
  received: number;
  /** Barriers sent (see `barrier`): each one served every read cache lookup that waited for it. */
  barriers: number;
}

export class PgChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private failures = 0;
  /** Epoch ms the connection was lost (null: never lost, or listening again). */
  private lostAt: number | null = null;
  /** This listener's own barrier channel (see `barrier`), lower-case letters and digits: no quoting needed. */
  private readonly barrierChannel = `config_api_barrier_${randomBytes(8).toString('hex')}`;
  /** Barriers sent so far (each one's payload is its number); one is on its way at a time. */
  private barriersSent = 0;
  private barrierOnItsWay = false;
  private barrierTimer?: NodeJS.Timeout;
  /** Calls of `barrier` waiting, each for the first barrier numbered `need` or more. */
  private waiting: Array<{ need: number; resolve: (heard: boolean) => void }> = [];
  readonly stats: ListenerStats = { listening: false, reconnects: 0, received: 0, barriers: 0 };

  constructor(
    private readonly url: string,
    private readonly sink: ChangeSink,
    private readonly log: ListenerLog,
    private readonly opts: { connectTimeoutMs?: number; heartbeatMs?: number } = {},
  ) {}

  /** Resolves once the first attempt to listen has settled (listening, or retrying in the background). */
  async start(): Promise<this> {
    await this.connect();
    return this;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = null;
    this.stats.listening = false;
    this.settleBarriers(false);
    if (client) await this.end(client);
  }

  /**
   * Resolves true once this listener has heard every notification of every transaction that committed before the
   * call: it sends a notification of its own (a *barrier*) and waits to hear it back, and notifications arrive in
   * commit order. A barrier already on its way was sent before the call, so the call waits for the next one, which
   * every call made meanwhile shares (one round trip for all of them). A barrier leaves at the end of the event loop's
   * turn in which it was first needed (or in which the previous one came back), so the calls of every request read in
   * that turn share it: under load, fewer barriers (each a small transaction and two wake-ups) serve as many reads.
   * False when not listening (or the connection is lost before the barrier is heard): the caller must then not trust
   * what it heard.
   */
  barrier(): Promise<boolean> {
    if (!this.stats.listening || !this.client) return Promise.resolve(false);
    // The next barrier to be sent: one on its way now was sent before this call.
    const need = this.barriersSent + 1;
    const heard = new Promise<boolean>((resolve) => this.waiting.push({ need, resolve }));
    if (!this.barrierOnItsWay) void this.nextBarrier();
    return heard;
  }

  private sendBarrier(): void {
    const client = this.client;
    if (!client || !this.stats.listening) return this.settleBarriers(false);
    this.barrierOnItsWay = true;
    const n = ++this.barriersSent;
    this.stats.barriers++;
    // Its own transaction on this connection, committed without waiting for the disk (it carries no data). NOTIFY
    // itself rather than `SELECT pg_notify(…)`: no query to plan (pgbench: 30–40 % more of them per second).
    client.query(`NOTIFY ${this.barrierChannel}, '${n}'`).catch(() => this.settleBarriers(false));
    // Not heard in time (a connection gone silent): the waiting calls do without; the heartbeat finds the loss.
    clearTimeout(this.barrierTimer);
    this.barrierTimer = setTimeout(() => {
      if (this.barrierOnItsWay && this.barriersSent === n) this.settleBarriers(false);
    }, this.opts.connectTimeoutMs ?? 3_000).unref();
  }

  /** Barrier `n` came back: every call waiting for it (or an earlier one) may go; the others get the next one. */
  private barrierHeard(n: number): void {
    if (n !== this.barriersSent) return; // one given up on (timed out) before it came back
    clearTimeout(this.barrierTimer);
    this.barrierOnItsWay = false;
    const ready = this.waiting.filter((w) => w.need <= n);
    this.waiting = this.waiting.filter((w) => w.need > n);
    for (const w of ready) w.resolve(true);
    if (this.waiting.length > 0) void this.nextBarrier();
  }

  /** Send the next barrier at the end of this turn (its check phase), if some call still waits then. */
  private readonly nextBarrier = atTurnEnd(() => {
    if (!this.barrierOnItsWay && this.waiting.length > 0) this.sendBarrier();
  });

  /** Every call waiting gets `heard` (false: the connection was lost or a barrier did not come back in time). */
  private settleBarriers(heard: boolean): void {
    clearTimeout(this.barrierTimer);
    this.barrierOnItsWay = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.resolve(heard);
  }

  /**
   * End a client, forcibly once `connectTimeoutMs` has passed: on a network gone silent the polite goodbye never gets
   * its answer, and would hold the socket (and a closing app) forever.
   */
  private async end(client: pg.Client): Promise<void> {
    const timer = setTimeout(() => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy(), this.opts.connectTimeoutMs ?? 3_000);
    await client.end().catch(() => {});
    clearTimeout(timer);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.opts.connectTimeoutMs ?? 3_000,
      query_timeout: this.opts.connectTimeoutMs ?? 3_000,
      keepAlive: true,
      application_name: LISTENER_APPLICATION_NAME,
    });
    this.client = client;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      client.removeAllListeners('notification'); // late messages of a lost connection are not this listener's any more
      void this.end(client);
      this.lost(client, err);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => this.received(msg));
    try {
      await client.connect();
      // Barriers are this session's only commits: they need not wait for the disk.
      await client.query(`SET synchronous_commit = off; LISTEN ${CHANGE_CHANNEL}; LISTEN ${AGENTS_CHANNEL}; LISTEN ${this.barrierChannel}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (lost || this.closed) return;
    this.listening();
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => void client.query('SELECT 1').catch((err: Error) => onLost(err)), this.opts.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private received(msg: pg.Notification): void {
    if (msg.channel === this.barrierChannel) return this.barrierHeard(Number(msg.payload));
    if (msg.channel === AGENTS_CHANNEL) {
      const id = msg.payload === '*' ? '*' : Number(msg.payload);
      if (id === '*' || Number.isSafeInteger(id)) this.sink.agentsChanged?.(id);
      return;
    }
    if (msg.channel !== CHANGE_CHANNEL || !msg.payload) return;
    const decoded = decodeChange(msg.payload);
    if (!decoded || decoded.origin === this.sink.origin) return; // this app's own commits were handled already
    this.stats.received++;
    this.sink.changed(decoded.change);
  }

  private listening(): void {
    const lostAt = this.lostAt;
    this.failures = 0;
    this.lostAt = null;
    this.stats.listening = true;
    if (lostAt !== null) {
      this.stats.reconnects++;
      this.log.info({ down_ms: Date.now() - lostAt }, 'change signals: listening again (cached lookups dropped)');
    }
    this.sink.stale();
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.closed || this.client !== client) return;
    clearInterval(this.heartbeat);
    this.client = null;
    this.stats.listening = false;
    this.settleBarriers(false);
    if (this.lostAt === null) {
      this.lostAt = Date.now();
      const e = err as (Error & { code?: string }) | undefined;
      this.log.warn({ cause: e ? [e.code, e.message].filter(Boolean).join(': ').slice(0, 200) : 'connection ended' }, 'change signals: connection lost, reconnecting');
    }
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.failures++) * (0.8 + Math.random() * 0.4);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}
