/**
 * This package's root directory and its name and version, found by walking up from this module to the nearest
 * package.json: the same answer from src/ (tsx), dist/src/ (production) and a test build.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** The nearest directory at or above `from` holding package.json. */
export function packageRoot(from = HERE): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as Partial<PackageInfo>;
    if (pkg.name && pkg.version) return (cached = { name: pkg.name, version: pkg.version });
  } catch {
    /* no readable package.json: the defaults below */
  }
  return (cached = { name: 'config-api', version: '0.0.0' });
}
