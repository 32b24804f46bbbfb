import type { ModuleProgress } from '../core/run-store.js';
import { count, duration } from './format.js';

const ICON: Readonly<Record<ModuleProgress['status'], string>> = {
  pending: '·',
  running: '▸',
  done: '✓',
  failed: '✗',
  skipped: '-',
  canceled: '■',
};

/** When a module started running, to tell its rate and what is left. */
export type ModuleClock = Readonly<Record<string, number>>;

/**
 * One line per module: icon, name, then with a known total a bar, counts, percent, rate and ETA
 * (while running), else the count of rows; a module's message only when it differs from the
 * previous module's (one failure, one message).
 */
export function progressLines(
  progress: Readonly<Record<string, ModuleProgress>>,
  totals: Readonly<Record<string, number>> = {},
  started: ModuleClock = {},
  now = Date.now(),
): string[] {
  let lastMessage: string | undefined;
  return Object.entries(progress).map(([module, p]) => {
    const total = totals[module];
    const since = started[module];
    const rate = since !== undefined && now > since && p.processed > 0 ? (p.processed / (now - since)) * 1000 : null;
    let detail: string;
    if (total && total > 0) {
      const done = Math.min(p.processed, total);
      detail = `[${'█'.repeat(Math.round((done / total) * 20)).padEnd(20, '░')}] ${count(p.processed)}/${count(total)} ${Math.floor((done / total) * 100)}%`;
      if (p.status === 'running' && rate) detail += ` · ${count(rate)} rows/s · ETA ${duration(((total - done) / rate) * 1000)}`;
    } else {
      detail = `${count(p.processed)} rows`;
      if (p.status === 'running' && rate) detail += ` · ${count(rate)} rows/s`;
    }
    const message = p.message && p.message !== lastMessage ? `  ${p.message}` : p.message ? '  (same)' : '';
    lastMessage = p.message ?? lastMessage;
    return `${ICON[p.status]} ${module.padEnd(24)} ${detail}${message}`;
  });
}

/** Redraws the module block in place on a TTY; elsewhere prints each module once, when it ends. */
export class ProgressPrinter {
  private drawn = 0;
  private readonly finished = new Set<string>();
  private readonly started: Record<string, number> = {};
  private lastDraw = 0;
  private lastMessage: string | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly prefix: string,
    /** Read at each draw: totals may become known during the run. */
    private readonly totals: () => Readonly<Record<string, number>> = () => ({}),
  ) {}

  update(progress: Readonly<Record<string, ModuleProgress>>, force = false): void {
    const now = Date.now();
    for (const [module, p] of Object.entries(progress)) if (p.status !== 'pending') this.started[module] ??= now;
    if (this.out.isTTY) {
      if (!force && now - this.lastDraw < 80) return;
      this.lastDraw = now;
      const lines = progressLines(progress, this.totals(), this.started, now).map((l) => `${this.prefix} ${l}`);
      if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
      this.out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      this.drawn = lines.length;
      return;
    }
    for (const [module, p] of Object.entries(progress)) {
      if (this.finished.has(module) || p.status === 'pending' || p.status === 'running') continue;
      this.finished.add(module);
      const repeated = p.message !== undefined && p.message === this.lastMessage;
      const line = progressLines({ [module]: repeated ? { ...p, message: undefined } : p }, this.totals(), this.started, now)[0]!;
      this.lastMessage = p.message ?? this.lastMessage;
      this.out.write(`${this.prefix} ${line}${repeated ? '  (same)' : ''}\n`);
    }
  }
}
