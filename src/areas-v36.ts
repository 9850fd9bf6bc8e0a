/**
 * The areas new in v3.6 (greetings, customer bans, and the "Other" section's reactivate_email and company details),
 * not served yet: v3.5 must not answer them. The versioned registry (issue 22) serves them at /v3.6; until then
 * tests build apps with `[...AREAS, ...V36_AREAS]`. Their cascades run after those of AREAS (deleting a group deletes
 * its greetings; deleting an agent forgets its e-mail bounce).
 */
import type { Area } from './kernel/area.js';
import { greetingsArea } from './greetings/area.js';
import { customerBansArea } from './bans/area.js';
import { emailBouncesArea } from './email-bounces/area.js';
import { companyArea } from './company/area.js';

export const V36_AREAS: readonly Area[] = [greetingsArea, customerBansArea, emailBouncesArea, companyArea];

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
