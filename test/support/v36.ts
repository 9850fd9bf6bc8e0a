/**
 * The actions new in v3.6 (src/areas-v36.ts) are served through /v3.6 (src/versions/v3.6.ts). Suites testing them
 * reach them through `V36_PATH`; test/support/response-check.ts checks their answers against v3.6's schemas.
 */
import { describeStores, type CallOptions, type CallResult, type Harness } from './harness.js';

export const V36_PATH = 'v3.6';

/** A suite on both stores of the default app (which serves v3.6); extra start options, e.g. `env`, merged in. */
export function describeV36(name: string, fn: (h: () => Harness) => void, start: Parameters<Harness['start']>[0] = {}): void {
  describeStores(name, fn, start);
}

/** Call a v3.6 action through the real server (as the bootstrap owner unless `opts` says otherwise). */
export function call36<T = any>(h: Harness, action: string, body?: unknown, opts: CallOptions = {}): Promise<CallResult<T>> {
  return h.call<T>(action, body, { version: V36_PATH, ...opts });
}

/** Call and assert 200; returns the body. */
export function ok36<T = any>(h: Harness, action: string, body?: unknown, opts: CallOptions = {}): Promise<T> {
  return h.ok<T>(action, body, { version: V36_PATH, ...opts });
}

/** A valid create_greeting body (the reference's example with its table-conforming rich message). */
export const greetingBody = (o: Record<string, unknown> = {}) => ({
  type: 'normal',
  active: true,
  active_from: '2024-01-01T00:00:00Z',
  active_until: '2024-12-31T23:59:59Z',
  name: 'Welcome greeting',
  group: 0,
  rules: [
    { condition: 'and', type: 'url_current', operator: 'contains', value: 'checkout' },
    { condition: 'or', type: 'visit_time_site', operator: 'greater_than', value: '30' },
  ],
  properties: { addon: 'chat_widget', is_exit_intent: 'false' },
  rich_message: {
    template_id: 'cards',
    elements: [
      {
        title: 'Welcome to our website!',
        subtitle: 'How can we help you today?',
        image: { url: 'https://example.com/welcome.png', alternative_text: 'Welcome' },
        buttons: [
          { text: 'Get Support', type: 'message', value: 'I need support', postback_id: 'support_request', button_id: '20ff0b3f-fbed-49f4-b13f-788c9ec66f03' },
          { text: 'Pricing', type: 'url', value: 'https://example.com/pricing', postback_id: 'pricing', role: 'primary' },
        ],
      },
    ],
  },
  ...o,
});

