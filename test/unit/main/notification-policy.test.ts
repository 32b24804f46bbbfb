import { describe, expect, it } from 'vitest';
import type { InstanceStatusView, StatusSnapshot } from '../../../src/contract/dto.js';
import { INITIAL_POLICY_STATE, notificationsFor, type PolicyOptions, type PolicyState } from '../../../src/main/view/notification-policy.js';

const base: InstanceStatusView = {
  instance: 'default', state: 'online', liveConnected: true, nextRetryAt: null, pausedUntil: null, lastSuccessAt: null, lastAttemptAt: null,
  lastError: null, lastErrorCode: null, pending: 0, failed: 0, oldestPendingAgeMs: null, stalled: false, conflicts: 0, running: false, currentRun: null, cursors: [],
};
const snap = (...instances: Partial<InstanceStatusView>[]): StatusSnapshot => ({ at: 't', instances: instances.map((i) => ({ ...base, ...i })) });
const OPTS: PolicyOptions = { enabled: true, offlineAfterMinutes: 15, locale: 'en' };
const at = (minutes: number) => new Date(Date.UTC(2026, 2, 2, 12, minutes)).toISOString();

/** Feeds statuses in order; returns every notification kind shown. */
function replay(steps: [StatusSnapshot, string][], opts = OPTS): string[] {
  let state: PolicyState = INITIAL_POLICY_STATE;
  const shown: string[] = [];
  for (const [snapshot, now] of steps) {
    const next = notificationsFor(state, snapshot, now, opts);
    state = next.state;
    shown.push(...next.notifications.map((n) => `${n.kind}:${n.instance}`));
  }
  return shown;
}

describe('notification policy: once per episode, only when a person must act', () => {
  it('a new manual conflict: one notification, however many statuses follow', () => {
    expect(replay([[snap({}), at(0)], [snap({ conflicts: 1 }), at(1)], [snap({ conflicts: 1 }), at(2)], [snap({ conflicts: 2 }), at(3)]])).toEqual(['conflict:default']);
  });

  it('a new episode after the conflicts were resolved notifies again', () => {
    expect(replay([[snap({ conflicts: 1 }), at(0)], [snap({ conflicts: 0 }), at(1)], [snap({ conflicts: 1 }), at(2)]])).toEqual(['conflict:default', 'conflict:default']);
  });

  it('the conflict notification opens the Conflicts window and names how many', () => {
    const [n] = notificationsFor(INITIAL_POLICY_STATE, snap({ conflicts: 3 }), at(0), OPTS).notifications;
    expect(n).toMatchObject({ opens: 'conflicts', title: 'A conflict needs you' });
    expect(n!.body).toContain('3 records were changed');
  });

  it('auth failure: once while it lasts', () => {
    expect(replay([[snap({ state: 'auth-error' }), at(0)], [snap({ state: 'auth-error' }), at(1)], [snap({ lastErrorCode: 'forbidden' }), at(2)]])).toEqual(['auth:default']);
  });

  it('offline: only after N minutes, once, and again after coming back and dropping again', () => {
    const off = snap({ state: 'offline', pending: 4 });
    const on = snap({});
    expect(replay([[off, at(0)], [off, at(14)]])).toEqual([]);
    expect(replay([[off, at(0)], [off, at(15)], [off, at(40)]])).toEqual(['offline:default']);
    expect(replay([[off, at(0)], [off, at(16)], [on, at(17)], [off, at(18)], [off, at(34)]])).toEqual(['offline:default', 'offline:default']);
    expect(replay([[off, at(0)], [off, at(5)]], { ...OPTS, offlineAfterMinutes: 5 })).toEqual(['offline:default']);
  });

  it('a short blip never notifies', () => {
    expect(replay([[snap({ state: 'offline' }), at(0)], [snap({}), at(10)], [snap({ state: 'offline' }), at(11)], [snap({}), at(20)]])).toEqual([]);
  });

  it('stalled outbox: once per episode', () => {
    expect(replay([[snap({ stalled: true }), at(0)], [snap({ stalled: true }), at(5)], [snap({}), at(6)], [snap({ stalled: true }), at(7)]])).toEqual(['stalled:default', 'stalled:default']);
  });

  it('episodes are per instance', () => {
    expect(replay([[snap({ conflicts: 1 }, { instance: 'b' }), at(0)], [snap({ conflicts: 1 }, { instance: 'b', conflicts: 1 }), at(1)]])).toEqual(['conflict:default', 'conflict:b']);
  });

  it('switched off: nothing shown, and switching on later does not announce old episodes', () => {
    const off = notificationsFor(INITIAL_POLICY_STATE, snap({ conflicts: 1, state: 'auth-error' }), at(0), { ...OPTS, enabled: false });
    expect(off.notifications).toEqual([]);
    expect(notificationsFor(off.state, snap({ conflicts: 1, state: 'auth-error' }), at(1), OPTS).notifications).toEqual([]);
  });

  it('speaks the tray language', () => {
    const [n] = notificationsFor(INITIAL_POLICY_STATE, snap({ conflicts: 1 }), at(0), { ...OPTS, locale: 'pt-br' }).notifications;
    expect(n!.title).toBe('Um conflito precisa de você');
    const [o] = notificationsFor(INITIAL_POLICY_STATE, snap({ state: 'offline', pending: 2 }), at(0), { ...OPTS, locale: 'es', offlineAfterMinutes: 0 + 1 }).notifications;
    expect(o).toBeUndefined();
  });
});
