/** How the CLI writes numbers, durations and times for people (`--json` keeps raw values). */

const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** 50001 → "50,001" (in the machine's locale). */
export function count(n: number): string {
  return numbers.format(n);
}

/** 850 → "850 ms", 1042 → "1.0 s", 125000 → "2 min 5 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO time as local "21:24" when it is today, "tomorrow 00:00", else "2026-11-24 21:24". */
export function localTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return 'never';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const clock = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  if (day(at) === day(now)) return clock;
  if (day(at) === day(tomorrow)) return `tomorrow ${clock}`;
  return `${day(at)} ${clock}`;
}

/** "21:24 (3 min ago)" / "21:30 (in 5 min)". */
export function localTimeAgo(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return 'never';
  const delta = Date.parse(iso) - now.getTime();
  if (Number.isNaN(delta)) return iso;
  const span = duration(Math.abs(delta)).replace(/\.\d s$/, ' s');
  return `${localTime(iso, now)} (${Math.abs(delta) < 1000 ? 'just now' : delta < 0 ? `${span} ago` : `in ${span}`})`;
}
