import type { ModuleProgress } from '../core/run-store.js';

const ICON: Readonly<Record<ModuleProgress['status'], string>> = {
  pending: '·',
  running: '▸',
  done: '✓',
  failed: '✗',
  skipped: '-',
  canceled: '■',
};

/** One line per module: icon, name, a bar when the total is known, processed count and message. */
export function progressLines(progress: Readonly<Record<string, ModuleProgress>>, totals: Readonly<Record<string, number>> = {}): string[] {
  return Object.entries(progress).map(([module, p]) => {
    const total = totals[module];
    const bar =
      total && total > 0
        ? `[${'█'.repeat(Math.round((Math.min(p.processed, total) / total) * 20)).padEnd(20, '░')}] ${p.processed}/${total}`
        : `${p.processed} rows`;
    return `${ICON[p.status]} ${module.padEnd(24)} ${bar}${p.message ? `  ${p.message}` : ''}`;
  });
}

/** Redraws the module block in place on a TTY; elsewhere prints each module once, when it ends. */
export class ProgressPrinter {
  private drawn = 0;
  private readonly finished = new Set<string>();
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly prefix: string,
    private readonly totals: Readonly<Record<string, number>> = {},
  ) {}

  update(progress: Readonly<Record<string, ModuleProgress>>, force = false): void {
    if (this.out.isTTY) {
      const now = Date.now();
      if (!force && now - this.lastDraw < 80) return;
      this.lastDraw = now;
      const lines = progressLines(progress, this.totals).map((l) => `${this.prefix} ${l}`);
      if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A`);
      this.out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      this.drawn = lines.length;
      return;
    }
    for (const [module, p] of Object.entries(progress)) {
      if (this.finished.has(module) || p.status === 'pending' || p.status === 'running') continue;
      this.finished.add(module);
      this.out.write(`${this.prefix} ${progressLines({ [module]: p }, this.totals)[0]}\n`);
    }
  }
}
