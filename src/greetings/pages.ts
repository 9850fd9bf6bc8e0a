/**
 * list_greetings' `page_id`: opaque to clients, it carries what the first call asked for (the groups filter and the
 * page size) and where the next page starts (greetings after this id), as base64url JSON. A page id this server did
 * not write (altered, truncated, made up) answers `validation`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ApiError } from '../kernel/errors.js';
import { INT32_MAX, MAX_COLLECTION } from '../kernel/validation.js';
import { MAX_PAGE_SIZE } from './schemas.js';

const PageSchema = Type.Object(
  {
    v: Type.Literal(1),
    /** The groups filter (null: every group). */
    g: Type.Union([Type.Null(), Type.Array(Type.Integer({ minimum: 0, maximum: INT32_MAX }), { minItems: 1, maxItems: MAX_COLLECTION })]),
    /** Page size. */
    l: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE }),
    /** The last greeting id of the previous page. */
    a: Type.Integer({ minimum: 1, maximum: INT32_MAX }),
  },
  { additionalProperties: false },
);
export type Page = Static<typeof PageSchema>;

let check: ReturnType<typeof TypeCompiler.Compile<typeof PageSchema>> | undefined;

export const encodePage = (page: Page): string => Buffer.from(JSON.stringify(page)).toString('base64url');

export function decodePage(pageId: string): Page {
  let page: unknown;
  try {
    page = JSON.parse(Buffer.from(pageId, 'base64url').toString('utf8'));
  } catch {
    page = undefined;
  }
  check ??= TypeCompiler.Compile(PageSchema);
  // Only the exact text this server writes: base64url decoding skips characters it does not know.
  if (!check.Check(page) || encodePage(page) !== pageId) {
    throw new ApiError('validation', '`page_id` is not a page id list_greetings answered');
  }
  return page;
}
