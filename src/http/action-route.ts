/** The one route of the API's actions and the API version this server speaks. */
export const API_VERSION = 'v3.5';
export const ACTION_ROUTE = `/:version/configuration/action/:action`;
