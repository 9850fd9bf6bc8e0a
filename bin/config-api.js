#!/usr/bin/env node
// Runs the compiled CLI (npm run build / npm pack build it); in a checkout without dist/, runs the TypeScript sources via tsx.
import { existsSync, readFileSync } from 'node:fs';

if (process.argv[2] === '--version' || process.argv[2] === '-V') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
  process.exit(0);
}
const dist = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const tsx = await import('tsx/esm/api').catch(() => null);
  if (!tsx) {
    process.stderr.write('config-api: dist/ is missing and tsx is not installed: run `npm install && npm run build` first\n');
    process.exit(1);
  }
  tsx.register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
