/** The API version this server speaks (issue 22 adds v3.4 and v3.6, each registered as its own action API). */
export const API_VERSION = 'v3.5';
