/** The environment variables of the configuration schema (src/config.ts), as listed in `config-api --help`. */
import { environmentVariables } from '../config.js';

export function environmentHelp(): string {
  const vars = environmentVariables();
  const width = Math.max(...vars.map((v) => v.name.length));
  const lines = vars.map((v) => `  ${v.name.padEnd(width)}  ${v.description}${v.default === '' ? '' : ` (default ${v.default})`}`);
  return ['Environment:', ...lines].join('\n');
}
