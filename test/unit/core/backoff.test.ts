import { describe, expect, test } from 'vitest';
import { backoffMs, parseRetryAfter } from '../../../src/core/backoff.js';

describe('backoffMs', () => {
  test('doubles from the base each attempt and stops at the cap', () => {
    const top = (attempt: number) => backoffMs(attempt, { baseMs: 1000, maxMs: 60_000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50, 5000].map(top)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  test('jitter stays between half and all of the step', () => {
    const opts = { baseMs: 1000, maxMs: 300_000 };
    expect(backoffMs(3, { ...opts, random: () => 0 })).toBe(2000);
    expect(backoffMs(3, { ...opts, random: () => 0.5 })).toBe(3000);
    expect(backoffMs(3, { ...opts, random: () => 0.999999 })).toBe(4000);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const step = Math.min(300_000, 1000 * 2 ** (attempt - 1));
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) {
        const ms = backoffMs(attempt, opts);
        expect(Number.isInteger(ms)).toBe(true);
        expect(ms).toBeGreaterThanOrEqual(step / 2);
        expect(ms).toBeLessThanOrEqual(step);
        seen.add(ms);
      }
      // Really jittered: two hundred draws do not all land on one value.
      expect(seen.size).toBeGreaterThan(1);
    }
  });

  test('attempt 0 or below waits like the first attempt; never more than the cap', () => {
    expect(backoffMs(0, { baseMs: 250, maxMs: 5000, random: () => 1 })).toBe(250);
    expect(backoffMs(-3, { baseMs: 250, maxMs: 5000, random: () => 1 })).toBe(250);
    expect(backoffMs(1, { baseMs: 10_000, maxMs: 5000, random: () => 1 })).toBe(5000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');

  test('seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
  });

  test('an HTTP date, relative to now; a date in the past means now', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 11:59:00 GMT', now)).toBe(0);
  });

  test('garbage and absent values give undefined', () => {
    for (const value of [undefined, null, '', 'soon', 'tomorrow-ish', 'NaN', {}, ['1']]) {
      expect(parseRetryAfter(value, now), JSON.stringify(value)).toBeUndefined();
    }
  });

  test('a negative number of seconds never means "wait a negative time"', () => {
    const ms = parseRetryAfter('-5', now);
    expect(ms === undefined || ms === 0).toBe(true);
  });
});
