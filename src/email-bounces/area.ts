/** The e-mail bounces area (v3.6, the spec's "Other" section): reactivate_email, and bounces forgotten with their agent (cascade). */
import type { Area } from '../kernel/area.js';
import { agentDeleted, reactivateEmail } from './actions.js';

export const emailBouncesArea: Area = { name: 'email_bounces', actions: [reactivateEmail], agentDeleted };
