/**
 * Typed client of the Configuration API (`config-api/client`), one per API version: `new ConfigurationApi({ baseUrl,
 * token, version: '3.5' })` gives the v3.5 client, with one method per action and batch endpoint of v3.5 and their
 * request and response types, generated from the server's own schemas (actions.generated.ts); without `version`, the
 * v3.6 client (the platform's stable version, as its SDK). Runtime dependencies: none beyond Node's (or the
 * browser's) `fetch`. Works against this server and the platform alike.
 *
 *   const api = new ConfigurationApi({ baseUrl: 'http://127.0.0.1:8080', token: 'dal:…' });
 *   const agents = await api.listAgents({ fields: ['groups'] });
 */
import {
  ACTIONS_V36, CLIENTS, DEFAULT_VERSION, type ActionNameV36, type ConfigurationApiConstructor, type RequestsV36, type ResponsesV36,
} from './actions.generated.js';
import { ClientCore, type ConfigurationApiOptions } from './transport.js';

export * from './actions.generated.js';
export { ClientCore, ConfigApiError, type ConfigurationApiOptions, type PatCredentials } from './transport.js';

/** The default version's (v3.6) request and answer types and actions. */
export type Requests = RequestsV36;
export type Responses = ResponsesV36;
export type ActionName = ActionNameV36;
export const ACTIONS = ACTIONS_V36;

/** A client of any version. */
export type ConfigurationApi = InstanceType<(typeof CLIENTS)[keyof typeof CLIENTS]>;

/** The client of `opts.version` (default DEFAULT_VERSION); `instanceof ConfigurationApi` holds for every version's. */
export const ConfigurationApi = function ConfigurationApi(opts: ConfigurationApiOptions) {
  const version = (opts.version ?? DEFAULT_VERSION).replace(/^v/, '');
  const Client = (CLIENTS as Record<string, new (o: ConfigurationApiOptions) => ClientCore>)[version];
  if (!Client) throw new TypeError(`ConfigurationApi: unknown API version ${opts.version} (one of ${Object.keys(CLIENTS).join(', ')})`);
  return new Client(opts);
} as unknown as ConfigurationApiConstructor;
Object.defineProperty(ConfigurationApi, 'prototype', { value: ClientCore.prototype });
