import { ensureRendererBuilt } from '../../src/console/renderer-build.js';

/** Builds the console windows once per test run when they are missing or stale (the browser tests serve them). */
export default async function setup(): Promise<void> {
  await ensureRendererBuilt((line) => process.stderr.write(`${line}\n`));
}
