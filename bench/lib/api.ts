/** A small client for the API under test (seeding, probes, the webhook scenario). */
export interface ApiResult {
  status: number;
  body: any;
}

export class NotAvailable extends Error {
  constructor(readonly action: string) {
    super(`n/a (action not available): ${action}`);
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
    /** The API version called (`--api-version`; seeding always uses the base version, 3.5). */
    readonly version = '3.5',
  ) {}

  path(action: string): string {
    return `/v${this.version}/configuration/action/${action}`;
  }

  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' };
  }

  async call(action: string, body: unknown = {}): Promise<ApiResult> {
    const res = await fetch(this.baseUrl + this.path(action), {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      /* keep the text */
    }
    return { status: res.status, body: parsed };
  }

  /**
   * Call and expect 200. The server's answer to an action it does not serve (`not_found` "Unknown action") becomes
   * `NotAvailable`, so callers can skip what other branches have not delivered yet; anything else is an error.
   */
  async ok(action: string, body: unknown = {}): Promise<any> {
    const res = await this.call(action, body);
    if (res.status === 200) return res.body;
    if (isUnknownAction(res)) throw new NotAvailable(action);
    throw new Error(`${action} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  }
}

export function isUnknownAction(res: ApiResult): boolean {
  const err = res.body?.error;
  return res.status === 404 && err?.type === 'not_found' && /^Unknown action/i.test(String(err?.message ?? ''));
}
