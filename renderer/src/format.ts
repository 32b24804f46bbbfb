import type { Language, Translate } from './i18n/i18n.js';

/** Dates, ages and numbers in the UI language and the machine's own time zone. */
export interface Formats {
  /** HH:MM, local time. */
  time(iso: string): string;
  /** Date and time, local. */
  dateTime(iso: string): string;
  /** A duration in the largest fitting unit: "3 min", "2 h". */
  duration(ms: number): string;
  /** "3 min ago", "just now". */
  ago(iso: string): string;
  number(n: number): string;
  /** A database value as text: null → (empty), objects as JSON. */
  value(v: unknown): string;
}

export function formats(language: Language, t: Translate, now: () => number = Date.now): Formats {
  const time = new Intl.DateTimeFormat(language, { hour: '2-digit', minute: '2-digit' });
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' });
  const number = new Intl.NumberFormat(language);
  const unit = (u: 'second' | 'minute' | 'hour' | 'day') => new Intl.NumberFormat(language, { style: 'unit', unit: u, unitDisplay: 'short' });
  const duration = (ms: number) => {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return unit('second').format(s);
    if (s < 3600) return unit('minute').format(Math.floor(s / 60));
    if (s < 86_400) return unit('hour').format(Math.floor(s / 3600));
    return unit('day').format(Math.floor(s / 86_400));
  };
  return {
    time: (iso) => time.format(new Date(iso)),
    dateTime: (iso) => dateTime.format(new Date(iso)),
    duration,
    ago: (iso) => {
      const ms = now() - Date.parse(iso);
      return ms < 10_000 ? t('time.justNow') : t('time.ago', { age: duration(ms) });
    },
    number: (n) => number.format(n),
    value: (v) => (v === null || v === undefined ? t('detail.empty') : typeof v === 'string' ? v : JSON.stringify(v)),
  };
}
