/** Parsing of environment settings: one rule and one message per kind, for the server, the CLI and the worker. */

/** An integer setting ≥ `min`; unset or empty → `def`. */
export function intEnv(env: NodeJS.ProcessEnv, name: string, def: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return v;
}

/** An on/off setting (on|true|1, off|false|0, any case); unset or empty → `def`. */
export function onOff(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.toLowerCase();
  if (['on', 'true', '1'].includes(v)) return true;
  if (['off', 'false', '0'].includes(v)) return false;
  throw new Error(`${name} must be "on" or "off", got "${raw}"`);
}
