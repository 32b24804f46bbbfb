import type { InstanceStatusView } from '../../src/contract/dto.js';
import type { Formats } from './format.js';
import type { Translate } from './i18n/i18n.js';

export type Tone = 'ok' | 'busy' | 'attention' | 'problem';

/**
 * The one sentence that says whether anything needs the person, most urgent first: a refused
 * key, conflicts, unsent changes, offline, paused, syncing, a failed last run, up to date.
 */
export function headline(s: InstanceStatusView, t: Translate, f: Formats): { text: string; tone: Tone } {
  if (s.state === 'auth-error') return { text: t('headline.authError'), tone: 'problem' };
  if (s.conflicts > 0) return { text: t('headline.conflicts', { count: s.conflicts }), tone: 'attention' };
  if (s.failed > 0) return { text: t('headline.failed', { count: s.failed }), tone: 'attention' };
  if (s.state === 'offline') {
    const count = s.pending;
    if (!s.nextRetryAt) return { text: t('headline.offlineNoRetry', { count }), tone: 'problem' };
    const next = f.time(s.nextRetryAt);
    if (!s.lastSuccessAt) return { text: t('headline.offlineNoSince', { count, next }), tone: 'problem' };
    return { text: t('headline.offline', { count, since: f.time(s.lastSuccessAt), next }), tone: 'problem' };
  }
  if (s.state === 'paused') {
    return { text: s.pausedUntil ? t('headline.pausedUntil', { time: f.time(s.pausedUntil) }) : t('headline.paused'), tone: 'attention' };
  }
  if (s.running) return { text: t('headline.syncing'), tone: 'busy' };
  // The hub answered but the last run failed (a refused request, a database error): not up to date.
  if (s.lastError) return { text: t('headline.lastFailed', { error: s.lastError }), tone: 'problem' };
  if (!s.lastSuccessAt) return { text: t('headline.neverSynced'), tone: 'busy' };
  return { text: t('headline.upToDate', { time: f.time(s.lastSuccessAt) }), tone: 'ok' };
}
