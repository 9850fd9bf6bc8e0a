/**
 * `config-api serve` as OS processes for tests that need several servers (one database, several nodes) or a server
 * that must survive what would kill a process: spawned from the code under test, output collected, stopped with
 * SIGTERM (SIGKILL after 10 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, cliCommand, freePort } from './processes.js';

/** A signing key every test server shares (servers of one database must share keys; none is written to disk). */
export const TEST_SIGNING_KEY = 'test-signing-key-0123456789abcdef0123456789';

export function spawnServer(databaseUrl: string, log: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [...cliCommand('tested'), 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Servers of one database share a key; none is generated into the checkout's ./data.
      TOKEN_SIGNING_KEY: TEST_SIGNING_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => log.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
  return child;
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** A server process on a port of its own, answering HTTP. */
export class ServerProcess {
  readonly log: string[] = [];
  child?: ChildProcess;
  base = '';

  constructor(
    private readonly databaseUrl: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Start and wait until `/healthz` answers (at most `timeoutMs`). */
  async start(timeoutMs = 30_000): Promise<this> {
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    this.child = spawnServer(this.databaseUrl, this.log, { TOKEN_SIGNING_KEY: TEST_SIGNING_KEY, ...this.env, PORT: String(port) });
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) throw new Error(`server exited (${this.child.exitCode ?? this.child.signalCode}): ${this.output().slice(-800)}`);
      try {
        if ((await fetch(`${this.base}/healthz`)).ok) return this;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > until) throw new Error(`server did not answer within ${timeoutMs} ms: ${this.output().slice(-800)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.log.join('');
  }

  /** The JSON log lines written so far (pino), parsed; other output is skipped. */
  logLines(): Array<Record<string, any>> {
    const out: Array<Record<string, any>> = [];
    for (const line of this.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        /* a line cut by the pipe's chunking */
      }
    }
    return out;
  }

  /** POST an action with a bearer token; the answer's status and parsed body. */
  async call(token: string, action: string, body: unknown = {}, version = '3.5'): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(`${this.base}/v${version}/configuration/action/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* kept as text: a test that expects JSON fails on it */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async stop(): Promise<void> {
    if (this.child) await stopServer(this.child);
  }
}
