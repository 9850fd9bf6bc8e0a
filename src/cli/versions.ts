/** The served API versions, their lifecycle and their differences, as listed in `config-api --help`. */
import { loadConfig } from '../config.js';
import { BASE_VERSION, SERVED_VERSIONS, VERSION_CHANGES } from '../versions/index.js';

/** The versions, newest first, with the stages of `env` (the defaults when `env` is not a valid configuration). */
export function versionsHelp(env: Record<string, string | undefined>): string {
  let lifecycle;
  try {
    lifecycle = loadConfig(env).versions;
  } catch {
    lifecycle = loadConfig({}).versions;
  }
  const lines = [
    'API versions: POST /v<version>/configuration/action/<action> (any other version answers unsupported_version;',
    'stages and end dates from V<major>_<minor>_STAGE and V<major>_<minor>_END_DATE):',
  ];
  for (const version of [...SERVED_VERSIONS].reverse()) {
    const { stage, endDate } = lifecycle[version as keyof typeof lifecycle];
    const header = stage === 'legacy' ? 'Legacy' : stage === 'deprecated' ? 'Deprecation' : null;
    lines.push(`  v${version}  ${stage}${header ? ` until ${endDate}: every answer carries "${header}: ${endDate}"` : ''}`);
    const change = VERSION_CHANGES.find((c) => c.version === version);
    if (change) lines.push(`        Differences from v${change.neighbour}:`, ...change.summary.map((s) => `        - ${s}`));
    else lines.push(...BASE_VERSION.summary.map((s) => `        ${s}`));
  }
  return lines.join('\n');
}
