/** The customer bans area (v3.6): listing and lifting bans. */
import type { Area } from '../kernel/area.js';
import { listCustomerBans, unbanCustomer } from './actions.js';

export const customerBansArea: Area = { name: 'customer_bans', actions: [listCustomerBans, unbanCustomer] };
