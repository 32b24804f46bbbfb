import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const liveDirs = new Set<string>();

/** A fresh directory under the OS temp dir; `remove()` deletes it (idempotent). */
export function tempDir(label: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `dovetail-bench-${label}-`));
  liveDirs.add(path);
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
      liveDirs.delete(path);
    },
  };
}

/** Removes temp dirs still around (interrupted run). */
export function removeLeftoverDirs(): void {
  for (const path of liveDirs) rmSync(path, { recursive: true, force: true });
  liveDirs.clear();
}

/** Milliseconds since some fixed point, sub-millisecond resolution. */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = now();
  const value = await fn();
  return { ms: now() - start, value };
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rejects after `ms` with a message naming `what`; the timer does not keep the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Throws a loud, specific error when a benchmark's result is not what it should be. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`verification failed: ${message}`);
}

/** Progress lines go to stderr so stdout holds only the table and the JSON lines. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * Runs `fn`; with BENCH_CPU_PROF=<dir> set, the agent process's CPU is profiled for exactly that
 * span and written to `<dir>/<name>.cpuprofile` (open in Chrome DevTools or speedscope).
 */
export async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return fn();
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const value = await fn();
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.cpuprofile`);
    writeFileSync(path, JSON.stringify(profile));
    progress(`CPU profile of ${name} written to ${path}`);
    return value;
  } finally {
    session.disconnect();
  }
}

/** An integer setting from the environment, checked against its range. */
export function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}: expected an integer in ${min}..${max}, got "${raw}"`);
  return value;
}
