/** This package's name and version, read once from its package.json (found above this module, in src/ or dist/src/). */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as Partial<PackageInfo>;
      if (pkg.name && pkg.version) return (cached = { name: pkg.name, version: pkg.version });
    }
    const up = dirname(dir);
    if (up === dir) return (cached = { name: 'config-api', version: '0.0.0' });
    dir = up;
  }
}
