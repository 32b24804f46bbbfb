import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Fast tier (inside `npm test`, small counts) or full tier (`npm run test:faults`, the issue's
 * counts): FAULTS_TIER=full picks the second.
 */
export const FULL = process.env.FAULTS_TIER === 'full';

/** `fast` in the fast tier, `full` in the full one. */
export function tier<T>(fast: T, full: T): T {
  return FULL ? full : fast;
}

/** Per-test time limit: generous in the full tier, where counts are 10–100× larger. */
export const TIMEOUT = tier(60_000, 900_000);

/** Seeded PRNG (mulberry32): FAULTS_SEED reproduces a run's kill moments; a fixed seed, a property test. */
export function seeded(seed = Number(process.env.FAULTS_SEED ?? Date.now() % 1_000_000)) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { seed, next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]! };
}

/** Where the full tier collects its figures for test/faults/report.ts (FAULTS_RESULTS overrides). */
export const RESULTS_PATH = process.env.FAULTS_RESULTS ?? join(tmpdir(), 'dovetail-faults-results.jsonl');

/** Appends one scenario's measured figures to RESULTS_PATH (JSON lines): always in the full tier, in the fast one when FAULTS_RESULTS is set. */
export function record(scenario: string, figures: Record<string, unknown>): void {
  if (!FULL && !process.env.FAULTS_RESULTS) return;
  const path = RESULTS_PATH;
  appendFileSync(path, `${JSON.stringify({ scenario, tier: FULL ? 'full' : 'fast', at: new Date().toISOString(), ...figures })}\n`);
}
