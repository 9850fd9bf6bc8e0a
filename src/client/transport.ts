/**
 * The transport of the typed client (`config-api/client`): options, the error class, and `ClientCore`, which the
 * generated client of each API version (actions.generated.ts) extends. Runtime dependencies: none beyond Node's (or
 * the browser's) `fetch`.
 */

export interface PatCredentials {
  /** Account id (UUID) of the agent the Personal Access Token belongs to. */
  accountId: string;
  pat: string;
}

export interface ConfigurationApiOptions {
  /** Origin of the API, e.g. `http://127.0.0.1:8080` or `https://api.livechatinc.com` (a path prefix is kept). */
  baseUrl: string;
  /** A bearer token `<region>:<opaque>`; its region is sent as `X-Region`. */
  token?: string;
  /** A Personal Access Token, sent with HTTP Basic authentication. */
  pat?: PatCredentials;
  /** `X-Region` to send (default: the bearer token's region prefix; none for a PAT). */
  region?: string;
  /** Retries of `too_many_requests` answers, waiting `Retry-After` (default 0: no retry). */
  retries?: number;
  /** Upper bound of one wait between retries, in ms (default 30 000). */
  maxRetryDelayMs?: number;
  /** API version (`3.6` or `v3.6`; default `3.6`, the platform's stable version and its SDK's default). */
  version?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
}

/** An error answer of the API (`{"error":{"type","message","data"?}}`), or an answer that is not the API's. */
export class ConfigApiError extends Error {
  override readonly name = 'ConfigApiError';
  constructor(
    /** The spec's error type (`validation`, `not_found`, `too_many_requests`, …); `unexpected_response` otherwise. */
    readonly type: string,
    message: string,
    /** HTTP status of the answer. */
    readonly status: number,
    /** The error's `data`, when the API gave one. */
    readonly data: Record<string, unknown> | undefined,
    /** The `X-Request-Id` response header, when present. */
    readonly requestId: string | undefined,
    /** The action called. */
    readonly action: string,
    /** Seconds the server asked to wait (`Retry-After`), when given. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `Retry-After` as seconds (a number of seconds or an HTTP date); undefined when absent or unreadable. */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * What every version's client does (the generated ConfigurationApiV34/V35/V36 extend it with one method per action):
 * the endpoint of its version, authentication, retries of `too_many_requests`, errors as ConfigApiError.
 */
export abstract class ClientCore {
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly retries: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  /** The API version this client calls (`3.6`). */
  readonly version: string;

  /** `path`: the version's path segment (`v3.6`), given by the generated client of that version. */
  constructor(opts: ConfigurationApiOptions, path: string) {
    if (!opts.token === !opts.pat) throw new TypeError('ConfigurationApi: give exactly one of `token` or `pat`');
    this.endpoint = `${opts.baseUrl.replace(/\/+$/, '')}/${path}/configuration/action/`;
    this.version = path.slice(1);
    const region = opts.region ?? (opts.token && opts.token.includes(':') ? opts.token.slice(0, opts.token.indexOf(':')) : undefined);
    const authorization = opts.token
      ? `Bearer ${opts.token}`
      : `Basic ${btoa(`${opts.pat!.accountId}:${opts.pat!.pat}`)}`;
    this.headers = {
      ...opts.headers,
      'content-type': 'application/json',
      accept: 'application/json',
      authorization,
      ...(region ? { 'x-region': region } : {}),
    };
    this.retries = opts.retries ?? 0;
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 30_000;
    const f = opts.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('ConfigurationApi: no fetch implementation available');
    this.fetchImpl = f;
  }

  /** One call of `action` with `body`, retried on `too_many_requests` as the options say. */
  protected async request(action: string, body: unknown = {}): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(action, body);
      } catch (err) {
        if (!(err instanceof ConfigApiError) || err.type !== 'too_many_requests' || attempt >= this.retries) throw err;
        const waitMs = err.retryAfter !== undefined ? err.retryAfter * 1000 : Math.min(2 ** attempt, 30) * 1000;
        await sleep(Math.min(waitMs, this.maxRetryDelayMs));
      }
    }
  }

  private async once(action: string, body: unknown): Promise<unknown> {
    const res = await this.fetchImpl(this.endpoint + encodeURIComponent(action), {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify(body ?? {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (res.ok && parsed !== undefined) return parsed;
    const requestId = res.headers.get('x-request-id') ?? undefined;
    const retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
    const error = (parsed as { error?: { type?: unknown; message?: unknown; data?: unknown } } | undefined)?.error;
    if (error && typeof error.type === 'string') {
      const data = error.data && typeof error.data === 'object' ? (error.data as Record<string, unknown>) : undefined;
      throw new ConfigApiError(error.type, String(error.message ?? error.type), res.status, data, requestId, action, retryAfter);
    }
    throw new ConfigApiError(
      'unexpected_response',
      `${action}: HTTP ${res.status} without an API error body: ${text.slice(0, 200)}`,
      res.status,
      undefined,
      requestId,
      action,
      retryAfter,
    );
  }
}
