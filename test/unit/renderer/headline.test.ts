import { describe, expect, test } from 'vitest';
import type { InstanceStatusView } from '../../../src/contract/dto.js';
import { formats } from '../../../renderer/src/format.js';
import { headline } from '../../../renderer/src/headline.js';
import { translator } from '../../../renderer/src/i18n/i18n.js';

const t = translator('en');
const f = formats('en', t, () => Date.parse('2026-03-02T15:10:00Z'));
const time = (iso: string) => f.time(iso);

const base: InstanceStatusView = {
  instance: 'shop',
  state: 'online',
  liveConnected: true,
  nextRetryAt: null,
  pausedUntil: null,
  lastSuccessAt: '2026-03-02T15:03:00Z',
  lastAttemptAt: '2026-03-02T15:03:00Z',
  lastError: null,
  lastErrorCode: null,
  pending: 0,
  failed: 0,
  oldestPendingAgeMs: null,
  stalled: false,
  conflicts: 0,
  running: false,
  currentRun: null,
  cursors: [],
};
const say = (changes: Partial<InstanceStatusView>) => headline({ ...base, ...changes }, t, f);

/** The status headline: the most urgent thing, in words, with the right tone. */
describe('headline', () => {
  test('up to date, syncing, never synced', () => {
    expect(say({})).toEqual({ text: `Everything is up to date · synced ${time(base.lastSuccessAt!)}`, tone: 'ok' });
    expect(say({ running: true }).text).toBe('Syncing now…');
    expect(say({ lastSuccessAt: null }).text).toBe('Not synced yet');
  });

  test('offline says since when, how many changes wait, and the next try', () => {
    const next = '2026-03-02T15:15:00Z';
    expect(say({ state: 'offline', pending: 37, nextRetryAt: next })).toEqual({
      text: `Offline since ${time(base.lastSuccessAt!)} — 37 changes waiting, next try ${time(next)}`,
      tone: 'problem',
    });
    expect(say({ state: 'offline', pending: 1, nextRetryAt: next, lastSuccessAt: null }).text).toBe(`Offline — 1 change waiting, next try ${time(next)}`);
  });

  test('what needs a person comes first: key, conflicts, refused changes, a failed run, pause', () => {
    expect(say({ state: 'auth-error', conflicts: 2 }).tone).toBe('problem');
    expect(say({ conflicts: 2, failed: 1, state: 'offline' }).text).toBe('2 conflicts need you');
    expect(say({ failed: 1 }).text).toBe('1 change could not be sent — see below');
    expect(say({ lastError: 'protocol: bad' }).text).toBe('The last sync failed: protocol: bad');
    expect(say({ state: 'paused' }).text).toBe('Paused until you resume');
    expect(say({ state: 'paused', pausedUntil: '2026-03-02T15:25:00Z' }).text).toBe(`Paused until ${time('2026-03-02T15:25:00Z')}`);
  });

  test('ages and values', () => {
    expect(f.ago('2026-03-02T15:07:00Z')).toBe('3 min ago');
    expect(f.ago('2026-03-02T15:09:55Z')).toBe('just now');
    expect(f.value(null)).toBe('(empty)');
    expect(f.value({ a: 1 })).toBe('{"a":1}');
  });
});
