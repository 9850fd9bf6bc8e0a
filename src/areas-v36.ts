/**
 * The areas new in v3.6 (greetings, customer bans, and the "Other" section's reactivate_email and company details):
 * their actions exist from v3.6 on (src/versions/v3.6.ts adds them), v3.5 and v3.4 answer them `not_found`. Apps serve
 * `ALL_AREAS`; the areas' cascades run after those of AREAS (deleting a group deletes its greetings; deleting an agent
 * forgets its e-mail bounce).
 */
import type { Area } from './kernel/area.js';
import { AREAS } from './areas.js';
import { V34_AREAS } from './areas-v34.js';
import { greetingsArea } from './greetings/area.js';
import { customerBansArea } from './bans/area.js';
import { emailBouncesArea } from './email-bounces/area.js';
import { companyArea } from './company/area.js';

export const V36_AREAS: readonly Area[] = [greetingsArea, customerBansArea, emailBouncesArea, companyArea];

/** Every area an app serves by default: those of v3.5, v3.4's own methods (src/areas-v34.ts), those new in v3.6. */
export const ALL_AREAS: readonly Area[] = [...AREAS, ...V34_AREAS, ...V36_AREAS];

/** The OpenAPI tags of the new v3.6 areas, from the reference's introductions (their other actions are tagged `other`). */
export const V36_AREA_DOCS: Record<string, { title: string; description: string }> = {
  greetings: { title: 'Greetings', description: 'Greetings let you manage your campaigns.' },
  customer_bans: {
    title: 'Customer bans',
    description:
      "Customers can be banned for a specific period of time. During the ban, they can't connect to or interact with the " +
      'Customer Chat API. Banning is only possible via the Agent Chat API.',
  },
};
