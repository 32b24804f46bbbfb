#!/usr/bin/env node
import { existsSync } from 'node:fs';

// Installed packages run the compiled build; a source checkout runs through tsx.
const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
