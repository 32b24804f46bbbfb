/** Capped exponential back-off with full jitter between half and all of the step. */
export function backoffMs(attempt: number, opts: { baseMs: number; maxMs: number; random?: () => number }): number {
  const step = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  const random = opts.random ?? Math.random;
  return Math.round(step / 2 + (step / 2) * random());
}

/** Parses an HTTP Retry-After value (seconds or a date) into milliseconds, or undefined. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
