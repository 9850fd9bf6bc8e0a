#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it); in a checkout without dist/, runs the TypeScript sources via tsx.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
