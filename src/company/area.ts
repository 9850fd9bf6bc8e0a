/** The company details area (v3.6, the spec's "Other" section). */
import type { Area } from '../kernel/area.js';
import { getCompanyDetails, updateCompanyDetails } from './actions.js';

export const companyArea: Area = { name: 'company', actions: [updateCompanyDetails, getCompanyDetails] };
