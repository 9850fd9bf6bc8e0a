/**
 * What the greeting schemas cannot say: each rule type's parameters (footnote 1 of Create Greeting), the activity
 * window's dates, and the rich message's button ids (kept when given, generated otherwise, unique in a greeting).
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../kernel/errors.js';
import { normalizeRfc3339 } from '../kernel/rfc3339.js';
import { refusedCharacters } from '../kernel/schema.js';
import { INT32_MAX } from '../kernel/validation.js';
import {
  ADS_SOURCES,
  DATE_TIME_ERROR,
  SESSION_FIELD_MAX,
  type GreetingRule,
  type RichMessageInput,
  type RichMessageStored,
  type RuleType,
} from './schemas.js';

interface TypeNeeds {
  /** `value`: required, or not used by the type (refused). */
  value: 'required' | 'refused';
  /** `operator`: required, or optional (the reference: "Not required for `url_funnel`, `custom_variable`, `ads_traffic`"). */
  operator: 'required' | 'optional';
  urls: boolean;
  sessionField: boolean;
  /** `value` holds an integer from 0 to this. */
  max?: number;
}

const VALUE: TypeNeeds = { value: 'required', operator: 'required', urls: false, sessionField: false };
const COUNT: TypeNeeds = { ...VALUE, max: INT32_MAX };
const SECONDS: TypeNeeds = { ...VALUE, max: 900 };
const SESSION: TypeNeeds = { value: 'refused', operator: 'optional', urls: false, sessionField: true };

const NEEDS: Record<RuleType, TypeNeeds> = {
  visit_time_site: SECONDS,
  visit_time_page: SECONDS,
  url_current: VALUE,
  url_visited: VALUE,
  url_funnel: { value: 'refused', operator: 'optional', urls: true, sessionField: false },
  pages_view_number: COUNT,
  url_referrer: VALUE,
  geolocation: VALUE,
  visits_number: COUNT,
  search_keyword: VALUE,
  custom_variable: SESSION,
  ads_traffic: SESSION,
  url_match_page_view_number: { ...COUNT, urls: true },
};

const invalid = (message: string) => new ApiError('validation', message);

/** Throws `validation` naming the first rule parameter its type requires, refuses or limits. */
export function checkRules(rules: readonly GreetingRule[]): void {
  rules.forEach((rule, i) => checkRule(rule, `rules[${i}]`));
}

function checkRule(rule: GreetingRule, at: string): void {
  const needs = NEEDS[rule.type];
  const field = (name: string) => `\`${at}.${name}\``;
  const required = (name: string) => invalid(`${field(name)} is required for the \`${rule.type}\` rule type`);
  const refused = (name: string) => invalid(`${field(name)} is not used by the \`${rule.type}\` rule type`);

  if (needs.operator === 'required' && rule.operator === undefined) throw required('operator');
  if (needs.value === 'refused') {
    if (rule.value !== undefined) throw refused('value');
  } else if (rule.value === undefined) {
    throw required('value');
  } else if (needs.max !== undefined) {
    if (!/^\d{1,10}$/.test(rule.value) || Number(rule.value) > needs.max) {
      throw invalid(`${field('value')} should be an integer from 0 to ${needs.max} written as a string, e.g. "30" (the \`${rule.type}\` rule type)`);
    }
  } else if (rule.value === '') {
    throw invalid(`${field('value')} should not be empty`);
  }
  if (needs.urls && rule.urls === undefined) throw required('urls');
  if (!needs.urls && rule.urls !== undefined) throw refused('urls');
  if (!needs.sessionField) {
    if (rule.session_field !== undefined) throw refused('session_field');
    return;
  }
  if (rule.session_field === undefined) throw required('session_field');
  const [key, value] = Object.entries(rule.session_field)[0]!; // the schema allows exactly one pair
  const keyField = `\`${at}.session_field.${key}\``;
  if (rule.type === 'ads_traffic' && !(ADS_SOURCES as readonly string[]).includes(key)) {
    throw invalid(`${field('session_field')} of the \`ads_traffic\` rule type should have one key of: ${ADS_SOURCES.join(', ')}`);
  }
  if (key.length === 0 || key.length > SESSION_FIELD_MAX) {
    throw invalid(`${field('session_field')} keys should be 1 to ${SESSION_FIELD_MAX} characters long`);
  }
  const refusedChars = refusedCharacters(key);
  if (refusedChars) throw invalid(`${field('session_field')} keys must not contain ${refusedChars}`);
  if (value.length > SESSION_FIELD_MAX) throw invalid(`${keyField} should be at most ${SESSION_FIELD_MAX} characters long`);
}

/** The normal form of a date-time the schema let through (its format only), or `validation` for a date not in the calendar. */
export function checkedDate(value: string, field: string): string {
  const normal = normalizeRfc3339(value);
  if (normal === null) throw invalid(`\`${field}\` ${DATE_TIME_ERROR}`);
  return normal;
}

/** Both dates valid, and the window not ending before it starts. */
export function checkWindow(from: string | null, until: string | null): void {
  const start = from === null ? null : checkedDate(from, 'active_from');
  const end = until === null ? null : checkedDate(until, 'active_until');
  if (start !== null && end !== null && start > end) throw invalid('`active_from` should not be after `active_until`');
}

/** The rich message to store: every button with its id (a given one kept, otherwise a new UUID); given ids unique. */
export function withButtonIds(message: RichMessageInput): RichMessageStored {
  const seen = new Set<string>();
  const elements = message.elements?.map((element, i) => {
    const { buttons: given, ...rest } = element;
    if (!given) return rest;
    const buttons = given.map((button, j) => {
      if (button.button_id !== undefined) {
        if (seen.has(button.button_id)) {
          throw invalid(`\`rich_message.elements[${i}].buttons[${j}].button_id\` is the id of another button of the greeting`);
        }
        seen.add(button.button_id);
      }
      return { ...button, button_id: button.button_id ?? randomUUID() };
    });
    return { ...rest, buttons };
  });
  return elements ? { template_id: message.template_id, elements } : { template_id: message.template_id };
}
