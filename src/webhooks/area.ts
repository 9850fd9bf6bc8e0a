/** The webhooks area: the registry and licence-state actions (events are recorded by outbox.ts, sent by the worker). */
import type { Area } from '../kernel/area.js';
import { disableLicenseWebhooks, enableLicenseWebhooks, getLicenseWebhooksState, listWebhookNames, listWebhooks, registerWebhook, unregisterWebhook } from './actions.js';

export const webhooksArea: Area = {
  name: 'webhooks',
  actions: [
  registerWebhook,
  listWebhooks,
  unregisterWebhook,
  listWebhookNames,
  enableLicenseWebhooks,
  disableLicenseWebhooks,
  getLicenseWebhooksState,
],
};
