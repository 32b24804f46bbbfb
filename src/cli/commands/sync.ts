import type { ModuleProgress } from '../../core/run-store.js';
import type { SyncSummary } from '../../core/sync-engine.js';
import { withEngines } from '../load.js';
import { UsageError, list, parse } from '../usage.js';

const options = {
  config: { type: 'string' },
  instance: { type: 'string' },
  only: { type: 'string' },
  skip: { type: 'string' },
  direction: { type: 'string' },
  full: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** `dovetail sync` and `dovetail resync`; exit 1 when any instance's run failed. */
export async function syncCommand(args: readonly string[], opts: { full?: boolean } = {}): Promise<number> {
  const { values, positionals } = parse(args, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.only && values.skip) throw new UsageError('--only and --skip cannot be combined');
  const direction = values.direction ?? 'both';
  if (direction !== 'push' && direction !== 'pull' && direction !== 'both') {
    throw new UsageError(`--direction: expected push, pull or both, got "${direction}"`);
  }
  const full = opts.full ?? values.full ?? false;
  const summaries = await withEngines(values, async (engine) => {
    const printed = new Set<string>();
    const started = Date.now();
    if (!values.json) console.log(`[${engine.config.name}] ${full ? 'full resync' : 'sync'} with ${engine.client.url}`);
    const summary = await engine.sync({
      trigger: 'manual',
      direction,
      only: list(values.only),
      skip: list(values.skip),
      full,
      force: true,
      onProgress: values.json ? undefined : (progress) => printFinished(engine.config.name, progress, printed),
    });
    if (!values.json) console.log(summaryLine(engine.config.name, summary, Date.now() - started));
    return { instance: engine.config.name, ...summary };
  });
  if (values.json) console.log(JSON.stringify(summaries, null, 2));
  return summaries.some((s) => s.status !== 'DONE') ? 1 : 0;
}

function printFinished(instance: string, progress: Readonly<Record<string, ModuleProgress>>, printed: Set<string>): void {
  for (const [module, p] of Object.entries(progress)) {
    if (printed.has(module) || p.status === 'pending' || p.status === 'running') continue;
    printed.add(module);
    const detail = p.message ? ` — ${p.message}` : '';
    console.log(`[${instance}] ${module.padEnd(24)} ${p.status.padEnd(8)} ${String(p.processed).padStart(7)} rows${detail}`);
  }
}

function summaryLine(instance: string, s: SyncSummary, ms: number): string {
  const { pushed, pulled, conflicts, failed } = s.stats;
  return `[${instance}] ${s.status} in ${ms} ms (run #${s.runId}): ${pushed} pushed, ${pulled} pulled, ${conflicts} conflicts, ${failed} rejected${s.error ? ` — ${s.error}` : ''}`;
}
