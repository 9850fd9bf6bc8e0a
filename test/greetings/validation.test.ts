/**
 * Greetings' validation (v3.6 reference, Create Greeting's tables and footnotes): required fields, enums, limits,
 * each rule type's parameters, RFC 3339 dates, properties' keys, the rich message's structure; every refusal is
 * `validation` (400) naming the field, and nothing is stored.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { expectError } from '../support/harness.js';
import { call36, describeV36, greetingBody, ok36 } from '../support/v36.js';

const rule = (o: Record<string, unknown>) => ({ condition: 'and', ...o });
const urls = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `https://example.com/${i}`, operator: 'equals' }));
const image = { url: 'https://example.com/i.png' };
const element = (o: Record<string, unknown> = {}) => ({ title: 'T', subtitle: 'S', image, ...o });
const button = (o: Record<string, unknown> = {}) => ({ text: 'B', type: 'message', value: 'v', postback_id: 'p', ...o });

/** Each rule type with the parameters it needs, as the rule table lists them. */
const VALID_RULES = [
  rule({ type: 'visit_time_site', operator: 'greater_than', value: '0' }),
  rule({ type: 'visit_time_page', operator: 'lower_or_equal', value: '900' }),
  rule({ type: 'url_current', operator: 'contains', value: 'checkout' }),
  rule({ type: 'url_visited', operator: 'doesnt_contain', value: '/pricing' }),
  rule({ type: 'url_funnel', urls: urls(10) }),
  rule({ type: 'url_funnel', operator: 'equals', urls: urls(1) }),
  rule({ type: 'pages_view_number', operator: 'greater_or_equal', value: '3' }),
  rule({ type: 'url_referrer', operator: 'doesnt_equal', value: 'google.com' }),
  rule({ type: 'geolocation', operator: 'equals', value: 'PL' }),
  rule({ type: 'visits_number', operator: 'lower_than', value: '2147483647', condition: 'or' }),
  rule({ type: 'search_keyword', operator: 'contains', value: 'chat' }),
  rule({ type: 'custom_variable', session_field: { plan: 'x'.repeat(255) } }),
  rule({ type: 'custom_variable', operator: 'equals', session_field: { ['k'.repeat(255)]: '' } }),
  ...['microsoft', 'facebook', 'google', 'twitter', 'yahoo'].map((k) => rule({ type: 'ads_traffic', session_field: { [k]: 'campaign' } })),
  rule({ type: 'url_match_page_view_number', operator: 'greater_than', value: '2', urls: urls(3) }),
];

describeV36('greetings validation', (h) => {
  const count = async () => (await ok36(h(), 'list_greetings', {})).found_greetings as number;

  async function refused(action: string, body: unknown, message: RegExp): Promise<void> {
    const res = await call36(h(), action, body);
    expectError(res, 'validation', 400);
    assert.match(res.body.error.message, message, `${action} ${JSON.stringify(body).slice(0, 300)}`);
  }

  it('accepts every rule type with the parameters its row lists (and the optional operator where "not required")', async () => {
    for (let i = 0; i < VALID_RULES.length; i += 10) {
      const rules = VALID_RULES.slice(i, i + 10);
      const { id } = await ok36(h(), 'create_greeting', greetingBody({ rules }));
      assert.deepEqual((await ok36(h(), 'get_greeting', { id })).rules, rules);
    }
  });

  it('refuses missing required fields, wrong types, bad enums and limits on create', async () => {
    const before = await count();
    const without = (key: string) => {
      const b: Record<string, unknown> = greetingBody();
      delete b[key];
      return b;
    };
    const cases: [unknown, RegExp][] = [
      ...['type', 'active', 'name', 'group', 'rules'].map((k): [unknown, RegExp] => [without(k), new RegExp(`\`${k}\` is required`)]),
      [greetingBody({ type: 'popup' }), /`type` should be one of: "normal", "announcement"/],
      [greetingBody({ active: 'yes' }), /`active` should be bool/],
      [greetingBody({ name: '' }), /`name` should not be empty/],
      [greetingBody({ name: 'x'.repeat(256) }), /`name` should be at most 255 characters/],
      [greetingBody({ group: -1 }), /`group` should be at least 0/],
      [greetingBody({ group: 1.5 }), /`group` should be int/],
      [greetingBody({ group: '0' }), /`group` should be int/],
      [greetingBody({ rules: [] }), /`rules` should have at least 1 item/],
      [greetingBody({ rules: Array(11).fill(VALID_RULES[2]) }), /`rules` should have at most 10 item/],
      [greetingBody({ rules: VALID_RULES[2] }), /`rules` should be array/],
      [greetingBody({ id: 5 }), /`id` is not a supported parameter/],
      [greetingBody({ rules: [{ type: 'url_current', operator: 'contains', value: 'x' }] }), /`rules\[0\].condition` is required/],
      [greetingBody({ rules: [rule({ condition: 'xor', type: 'url_current', operator: 'contains', value: 'x' })] }), /`rules\[0\].condition` should be one of: "and", "or"/],
      [greetingBody({ rules: [rule({ operator: 'contains', value: 'x' })] }), /`rules\[0\].type` is required/],
      [greetingBody({ rules: [rule({ type: 'url_previous', operator: 'contains', value: 'x' })] }), /`rules\[0\].type` should be one of: "visit_time_site"/],
      [greetingBody({ rules: [rule({ type: 'url_current', operator: 'like', value: 'x' })] }), /`rules\[0\].operator` should be one of: "equals", "doesnt_equal", "lower_than", "lower_or_equal", "greater_than", "greater_or_equal", "contains", "doesnt_contain"/],
      [greetingBody({ rules: [rule({ type: 'url_current', operator: 'contains', value: 5 })] }), /`rules\[0\].value` should be string/],
      [greetingBody({ rules: [rule({ type: 'url_current', operator: 'contains', value: 'x', extra: 1 })] }), /`rules\[0\].extra` is not a supported parameter/],
    ];
    for (const [body, message] of cases) await refused('create_greeting', body, message);
    assert.equal(await count(), before);
  });

  it("refuses what each rule type's row does not allow: missing value/operator/urls/session_field, parameters of other types", async () => {
    const at = (r: Record<string, unknown>) => greetingBody({ rules: [VALID_RULES[2], rule(r)] });
    const valueTypes = ['visit_time_site', 'visit_time_page', 'url_current', 'url_visited', 'pages_view_number', 'url_referrer', 'geolocation', 'visits_number', 'search_keyword'];
    for (const type of valueTypes) {
      await refused('create_greeting', at({ type, operator: 'equals' }), new RegExp(`\`rules\\[1\\].value\` is required for the \`${type}\` rule type`));
      await refused('create_greeting', at({ type, value: '5' }), new RegExp(`\`rules\\[1\\].operator\` is required for the \`${type}\` rule type`));
      await refused('create_greeting', at({ type, operator: 'equals', value: '5', urls: urls(1) }), new RegExp(`\`rules\\[1\\].urls\` is not used by the \`${type}\` rule type`));
      await refused('create_greeting', at({ type, operator: 'equals', value: '5', session_field: { a: 'b' } }), /`rules\[1\].session_field` is not used/);
    }
    for (const type of ['custom_variable', 'ads_traffic']) {
      await refused('create_greeting', at({ type }), new RegExp(`\`rules\\[1\\].session_field\` is required for the \`${type}\` rule type`));
      await refused('create_greeting', at({ type, session_field: { google: 'x' }, value: 'x' }), /`rules\[1\].value` is not used/);
      await refused('create_greeting', at({ type, session_field: { google: 'x' }, urls: urls(1) }), /`rules\[1\].urls` is not used/);
      await refused('create_greeting', at({ type, session_field: {} }), /`rules\[1\].session_field` should not be empty/);
      await refused('create_greeting', at({ type, session_field: { google: 'x', yahoo: 'y' } }), /`rules\[1\].session_field` should have at most 1 entries/);
      await refused('create_greeting', at({ type, session_field: { google: 'x'.repeat(256) } }), /`rules\[1\].session_field.google` should be at most 255 characters/);
      await refused('create_greeting', at({ type, session_field: { google: 5 } }), /`rules\[1\].session_field.google` should be string/);
    }
    await refused('create_greeting', at({ type: 'custom_variable', session_field: { ['k'.repeat(256)]: 'v' } }), /`rules\[1\].session_field` keys should be 1 to 255 characters/);
    await refused('create_greeting', at({ type: 'custom_variable', session_field: { '': 'v' } }), /`rules\[1\].session_field` keys should be 1 to 255 characters/);
    await refused('create_greeting', at({ type: 'custom_variable', session_field: { 'a\u0007': 'v' } }), /keys must not contain control characters/);
    await refused('create_greeting', at({ type: 'custom_variable', session_field: { 'a\u{10FFFF}': 'v' } }), /keys must not contain Unicode noncharacters/);
    await refused('create_greeting', at({ type: 'ads_traffic', session_field: { bing: 'x' } }), /`rules\[1\].session_field` of the `ads_traffic` rule type should have one key of: microsoft, facebook, google, twitter, yahoo/);
    for (const type of ['url_funnel', 'url_match_page_view_number']) {
      const base = type === 'url_funnel' ? { type } : { type, operator: 'equals', value: '1' };
      await refused('create_greeting', at(base), new RegExp(`\`rules\\[1\\].urls\` is required for the \`${type}\` rule type`));
      await refused('create_greeting', at({ ...base, urls: [] }), /`rules\[1\].urls` should have at least 1 item/);
      await refused('create_greeting', at({ ...base, urls: urls(11) }), /`rules\[1\].urls` should have at most 10 item/);
      await refused('create_greeting', at({ ...base, urls: [{ operator: 'equals' }] }), /`rules\[1\].urls\[0\].url` is required/);
      await refused('create_greeting', at({ ...base, urls: [{ url: 'https://x' }] }), /`rules\[1\].urls\[0\].operator` is required/);
      await refused('create_greeting', at({ ...base, urls: [{ url: 'https://x', operator: 'matches' }] }), /`rules\[1\].urls\[0\].operator` should be one of/);
      await refused('create_greeting', at({ ...base, urls: [{ url: '', operator: 'equals' }] }), /`rules\[1\].urls\[0\].url` should not be empty/);
      await refused('create_greeting', at({ ...base, urls: urls(1), session_field: { a: 'b' } }), /`rules\[1\].session_field` is not used/);
    }
    await refused('create_greeting', at({ type: 'url_funnel', urls: urls(1), value: '1' }), /`rules\[1\].value` is not used by the `url_funnel` rule type/);
    await refused('create_greeting', at({ type: 'url_match_page_view_number', urls: urls(1), value: '1' }), /`rules\[1\].operator` is required/);
    await refused('create_greeting', at({ type: 'url_match_page_view_number', urls: urls(1), operator: 'equals' }), /`rules\[1\].value` is required/);
    await refused('create_greeting', at({ type: 'url_current', operator: 'equals', value: '' }), /`rules\[1\].value` should not be empty/);
  });

  it('refuses values out of range for the numeric rule types', async () => {
    const at = (type: string, value: string) => greetingBody({ rules: [rule({ type, operator: 'equals', value, ...(type === 'url_match_page_view_number' ? { urls: urls(1) } : {}) })] });
    for (const type of ['visit_time_site', 'visit_time_page']) {
      for (const value of ['901', '-1', '1.5', 'ten', '', ' 5', '1e2']) {
        await refused('create_greeting', at(type, value), new RegExp(`\`rules\\[0\\].value\` should be an integer from 0 to 900 .*\`${type}\``));
      }
    }
    for (const type of ['pages_view_number', 'visits_number', 'url_match_page_view_number']) {
      for (const value of ['2147483648', '-3', 'many', '12345678901']) {
        await refused('create_greeting', at(type, value), /`rules\[0\].value` should be an integer from 0 to 2147483647/);
      }
    }
  });

  it('refuses dates that are not RFC 3339 and a window ending before it starts', async () => {
    for (const field of ['active_from', 'active_until']) {
      for (const value of ['tomorrow', '2024-01-01', '2024-01-01T00:00:00', '2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T10:00:60Z', '2024-01-01T00:00:00+25:00', '']) {
        await refused('create_greeting', greetingBody({ [field]: value }), new RegExp(`\`${field}\` should be an RFC 3339 date-time`));
      }
    }
    await refused('create_greeting', greetingBody({ active_from: '2024-06-01T00:00:00Z', active_until: '2024-05-01T00:00:00Z' }), /`active_from` should not be after `active_until`/);
    await refused('create_greeting', greetingBody({ active_from: '2024-06-01T00:00:00.5Z', active_until: '2024-06-01T02:00:00.25+02:00' }), /`active_from` should not be after/);
    const { id } = await ok36(h(), 'create_greeting', greetingBody({ active_from: '2024-06-01T00:00:00.123456Z', active_until: '2024-06-01T00:00:00.123456Z' }));
    assert.equal((await ok36(h(), 'get_greeting', { id })).active_until, '2024-06-01T00:00:00.123456Z');
  });

  it('refuses properties keys outside the documented five and non-string values', async () => {
    await refused('create_greeting', greetingBody({ properties: { text: 'Hello!' } }), /`properties.text` is not a supported parameter/);
    await refused('create_greeting', greetingBody({ properties: { is_exit_intent: false } }), /`properties.is_exit_intent` should be string/);
    await refused('create_greeting', greetingBody({ properties: 'addon' }), /`properties` should be object/);
    const properties = { addon: 'a', is_exit_intent: 'true', 'greeting-message_text': 'Hi', 'greeting-message_json_key': 'k', 'greeting-message_phrase_key': 'p' };
    const { id } = await ok36(h(), 'create_greeting', greetingBody({ properties }));
    assert.deepEqual((await ok36(h(), 'get_greeting', { id })).properties, properties);
  });

  it("refuses a rich message outside the table: template ids, elements' and buttons' fields and limits", async () => {
    const rm = (o: Record<string, unknown>) => greetingBody({ rich_message: { template_id: 'cards', ...o } });
    const cases: [unknown, RegExp][] = [
      [greetingBody({ rich_message: { elements: [element()] } }), /`rich_message.template_id` is required/],
      [rm({ template_id: 'text' }), /`rich_message.template_id` should be one of: "cards", "sticker", "quick_replies"/],
      [rm({ elements: Array(11).fill(element()) }), /`rich_message.elements` should have at most 10 item/],
      [rm({ elements: [{ subtitle: 'S', image }] }), /`rich_message.elements\[0\].title` is required/],
      [rm({ elements: [{ title: 'T', image }] }), /`rich_message.elements\[0\].subtitle` is required/],
      [rm({ elements: [{ title: 'T', subtitle: 'S' }] }), /`rich_message.elements\[0\].image` is required/],
      [rm({ elements: [element({ image: { name: 'i.png' } })] }), /`rich_message.elements\[0\].image.url` is required/],
      [rm({ elements: [element({ image: { ...image, width: -1 } })] }), /`rich_message.elements\[0\].image.width` should be at least 0/],
      [rm({ elements: [element({ image: { ...image, colour: 'red' } })] }), /`rich_message.elements\[0\].image.colour` is not a supported parameter/],
      [rm({ elements: [element({ buttons: Array(14).fill(button()) })] }), /`rich_message.elements\[0\].buttons` should have at most 13 item/],
      ...['text', 'type', 'value', 'postback_id'].map((k): [unknown, RegExp] => {
        const b: Record<string, unknown> = button();
        delete b[k];
        return [rm({ elements: [element({ buttons: [b] })] }), new RegExp(`\`rich_message.elements\\[0\\].buttons\\[0\\].${k}\` is required`)];
      }),
      [rm({ elements: [element({ buttons: [button({ type: 'link' })] })] }), /buttons\[0\].type` should be one of: "webview", "message", "url", "phone"/],
      [rm({ elements: [element({ buttons: [button({ role: 'secondary' })] })] }), /buttons\[0\].role` should be one of: "default", "primary", "danger"/],
      [rm({ elements: [element({ buttons: [button({ button_id: 'b1' })] }), element({ buttons: [button({ button_id: 'b1' })] })] }), /`rich_message.elements\[1\].buttons\[0\].button_id` is the id of another button/],
      [rm({ elements: [element({ buttons: [button({ button_id: '' })] })] }), /button_id` should not be empty/],
    ];
    const before = await count();
    for (const [body, message] of cases) await refused('create_greeting', body, message);
    assert.equal(await count(), before);
    // Limits themselves are accepted: 10 elements of 13 buttons each.
    const full = Array.from({ length: 10 }, (_, i) => element({ buttons: Array.from({ length: 13 }, (_, j) => button({ postback_id: `p${i}-${j}` })) }));
    const { id } = await ok36(h(), 'create_greeting', rm({ template_id: 'sticker', elements: full }));
    const ids = (await ok36(h(), 'get_greeting', { id })).rich_message.elements.flatMap((e: any) => e.buttons.map((b: any) => b.button_id));
    assert.equal(new Set(ids).size, 130);
  });

  it('validates update_greeting the same way, refuses `group`, and changes nothing on refusal', async () => {
    const { id } = await ok36(h(), 'create_greeting', greetingBody());
    const stored = await ok36(h(), 'get_greeting', { id });
    const cases: [unknown, RegExp][] = [
      [{ name: 'x' }, /`id` is required/],
      [{ id: 0 }, /`id` should be at least 1/],
      [{ id: 'one' }, /`id` should be int/],
      [{ id, group: 0 }, /`group` is not a supported parameter/],
      [{ id, type: 'popup' }, /`type` should be one of/],
      [{ id, name: '' }, /`name` should not be empty/],
      [{ id, active: 1 }, /`active` should be bool/],
      [{ id, active_from: 'soon' }, /`active_from` should be an RFC 3339 date-time, e.g. 2024-01-01T00:00:00Z, or null/],
      [{ id, active_until: '2024-02-30T00:00:00Z' }, /`active_until` should be an RFC 3339 date-time/],
      [{ id, active_from: '2025-01-01T00:00:00Z' }, /`active_from` should not be after `active_until`/],
      [{ id, rules: [] }, /`rules` should have at least 1 item/],
      [{ id, rules: [rule({ type: 'visit_time_page', operator: 'equals', value: '1000' })] }, /`rules\[0\].value` should be an integer from 0 to 900/],
      [{ id, properties: { text: 'x' } }, /`properties.text` is not a supported parameter/],
      [{ id, rich_message: { template_id: 'text' } }, /`rich_message`/],
    ];
    for (const [body, message] of cases) await refused('update_greeting', body, message);
    assert.deepEqual(await ok36(h(), 'get_greeting', { id }), stored);
  });

  it('validates get_greeting and delete_greeting ids', async () => {
    for (const action of ['get_greeting', 'delete_greeting']) {
      await refused(action, {}, /`id` is required/);
      await refused(action, { id: '1' }, /`id` should be int/);
      await refused(action, { id: -5 }, /`id` should be at least 1/);
      await refused(action, { id: 1, name: 'x' }, /`name` is not a supported parameter/);
    }
  });
});
