import type { StatusSnapshot } from '../../contract/dto.js';
import { TRAY_MESSAGES, intlTag, type TrayLocale } from './messages.js';

export type NotificationKind = 'conflict' | 'auth' | 'offline' | 'stalled';

export interface NotificationModel {
  readonly kind: NotificationKind;
  readonly instance: string;
  readonly title: string;
  readonly body: string;
  /** The window a click opens. */
  readonly opens: 'conflicts' | 'status';
}

/** Per instance: which episodes are under way and whether they were announced. */
interface InstanceEpisodes {
  readonly conflicts: boolean;
  readonly auth: boolean;
  /** When the instance was first seen offline in this episode (ISO), and whether announced. */
  readonly offlineSince: string | null;
  readonly offlineNotified: boolean;
  readonly stalled: boolean;
}

export type PolicyState = Readonly<Record<string, InstanceEpisodes>>;
export const INITIAL_POLICY_STATE: PolicyState = {};

export interface PolicyOptions {
  /** Switched off: episodes are still tracked (turning it on does not announce old ones). */
  readonly enabled: boolean;
  /** Offline longer than this is announced (default 15). */
  readonly offlineAfterMinutes: number;
  readonly locale: TrayLocale;
}

/**
 * Notifications only when a person must act, each at most once per episode: an episode starts
 * when its condition becomes true (open manual conflicts, key refused, offline for
 * `offlineAfterMinutes`, outbox stalled) and ends when it is false again. Pure: call it on every
 * status and on a timer (offline ripens with time), keep the returned state.
 */
export function notificationsFor(
  previous: PolicyState,
  snapshot: StatusSnapshot,
  now: string,
  opts: PolicyOptions,
): { readonly state: PolicyState; readonly notifications: readonly NotificationModel[] } {
  const m = TRAY_MESSAGES[opts.locale];
  const n = new Intl.NumberFormat(intlTag(opts.locale));
  const state: Record<string, InstanceEpisodes> = {};
  const out: NotificationModel[] = [];
  for (const i of snapshot.instances) {
    const before = previous[i.instance] ?? { conflicts: false, auth: false, offlineSince: null, offlineNotified: false, stalled: false };
    const auth = i.state === 'auth-error' || i.lastErrorCode === 'auth' || i.lastErrorCode === 'forbidden';
    const conflicts = i.conflicts > 0;
    const offline = i.state === 'offline';
    const offlineSince = offline ? (before.offlineSince ?? now) : null;
    const ripe = offlineSince !== null && Date.parse(now) - Date.parse(offlineSince) >= opts.offlineAfterMinutes * 60_000;
    const offlineNotified = offline && (before.offlineNotified || ripe);
    const stalled = i.stalled;
    state[i.instance] = { conflicts, auth, offlineSince, offlineNotified, stalled };

    if (conflicts && !before.conflicts) {
      out.push({ kind: 'conflict', instance: i.instance, title: m.notifyConflictTitle, body: m.notifyConflictBody(i.conflicts, n.format(i.conflicts), i.instance), opens: 'conflicts' });
    }
    if (auth && !before.auth) out.push({ kind: 'auth', instance: i.instance, title: m.notifyAuthTitle, body: m.notifyAuthBody(i.instance), opens: 'status' });
    if (offlineNotified && !before.offlineNotified) {
      out.push({
        kind: 'offline',
        instance: i.instance,
        title: m.notifyOfflineTitle,
        body: m.notifyOfflineBody(opts.offlineAfterMinutes, i.pending, n.format(i.pending)),
        opens: 'status',
      });
    }
    if (stalled && !before.stalled) out.push({ kind: 'stalled', instance: i.instance, title: m.notifyStalledTitle, body: m.notifyStalledBody(i.instance), opens: 'status' });
  }
  return { state, notifications: opts.enabled ? out : [] };
}
