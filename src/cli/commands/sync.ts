import type { SyncSummary } from '../../core/sync-engine.js';
import { acquireEngineLock, describeHolder } from '../../core/engine-lock.js';
import { SyncError } from '../../core/errors.js';
import type { SyncEngine } from '../../core/sync-engine.js';
import { callAgent } from '../control/control-client.js';
import { configPath, withEngines } from '../load.js';
import { count, duration } from '../format.js';
import { ProgressPrinter } from '../progress.js';
import { UsageError, list, parse } from '../usage.js';

const options = {
  config: { type: 'string' },
  instance: { type: 'string' },
  only: { type: 'string' },
  skip: { type: 'string' },
  direction: { type: 'string' },
  full: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-wait': { type: 'boolean' },
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
  // A running agent owns the loop: every sync is handed to it, so two runs never overlap.
  const viaAgent = await callAgent<(SyncSummary & { instance: string })[]>(configPath(values.config), 'POST', '/sync', {
    instance: values.instance,
    full,
    direction,
    only: list(values.only),
    skip: list(values.skip),
  });
  if (viaAgent) {
    if (values.json) console.log(JSON.stringify(viaAgent, null, 2));
    else viaAgent.forEach((s) => console.log(`${summaryLine(s.instance, s, 0)} (by the running agent)`));
    return viaAgent.some((s) => s.status !== 'DONE') ? 1 : 0;
  }
  // Ctrl-C or SIGTERM cancels between batches: the run is recorded CANCELED with what it did.
  // A second signal exits at once (the next command marks that run FAILED, interrupted).
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(130);
    console.error(`\n${signal}: canceling after the current batch (again to quit at once)`);
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await syncEngines(values, direction, full, stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function syncEngines(
  values: { config?: string; instance?: string; only?: string; skip?: string; json?: boolean; 'no-wait'?: boolean },
  direction: 'push' | 'pull' | 'both',
  full: boolean,
  signal: AbortSignal,
): Promise<number> {
  const summaries = await withEngines(values, async (engine) => {
    if (signal.aborted) return null;
    // One sync engine per database: wait for another one-shot sync, never for a running agent.
    const lock = await acquireEngineLock(engine.db, engine.tables, 'dovetail sync', {
      wait: !values['no-wait'],
      signal,
      onWait: (holder) => {
        if (holder.what === 'dovetail run') throw new SyncError('busy', `${describeHolder(holder)}: use its control API (same --config) or stop it`);
        console.error(`[${engine.config.name}] waiting: ${describeHolder(holder)}`);
      },
    });
    try {
      return await syncOne(engine, values, direction, full, signal);
    } finally {
      await lock.release();
    }
  }, { schema: 'prepare' });
  const ran = summaries.filter((s) => s !== null);
  if (values.json) console.log(JSON.stringify(ran, null, 2));
  return signal.aborted ? 130 : ran.some((s) => s.status !== 'DONE') ? 1 : 0;
}

async function syncOne(
  engine: SyncEngine,
  values: { only?: string; skip?: string; json?: boolean },
  direction: 'push' | 'pull' | 'both',
  full: boolean,
  signal: AbortSignal,
) {
  const started = Date.now();
  const printer = values.json ? null : new ProgressPrinter(process.stdout, `[${engine.config.name}]`, await totals(engine));
  if (!values.json) console.log(`[${engine.config.name}] ${full ? 'full resync' : 'sync'} with ${engine.client.url}`);
  const summary = await engine.sync({
    trigger: 'manual',
    direction,
    only: list(values.only),
    skip: list(values.skip),
    full,
    force: true,
    signal,
    onProgress: printer ? (progress) => printer.update(progress) : undefined,
  });
  printer?.update(summary.modules, true);
  if (!values.json) console.log(summaryLine(engine.config.name, summary, Date.now() - started));
  return { instance: engine.config.name, ...summary };
}

/**
 * What each module has to do, for percent and ETA: the pending outbox, and for an entity's first
 * load the rows the hub holds, from the /v1/status the run itself asks first (no extra request;
 * later pulls have no known total).
 */
async function totals(engine: SyncEngine): Promise<() => Record<string, number>> {
  const pending = (await engine.outbox.counts()).pending;
  const pulledBefore = new Set((await engine.state.all()).filter((c) => c.cursor > 0).map((c) => c.entity));
  return () => {
    const out: Record<string, number> = { push: pending };
    for (const e of engine.hubStatus?.entities ?? []) if (!pulledBefore.has(e.entity)) out[`pull:${e.entity}`] = e.rows;
    return out;
  };
}

/** The closing lines, like npm's: what was done, how long it took, and the cause of a failure once. */
function summaryLine(instance: string, s: SyncSummary, ms: number): string {
  const { pushed, pulled, conflicts, failed } = s.stats;
  // Seed 000's closing line: "Resumo: 1523 contatos, 847 setores, 342 chats".
  const perEntity = Object.entries(s.modules)
    .filter(([module]) => module.startsWith('pull:'))
    .map(([module, p]) => `${count(p.processed)} ${module.slice(5)}`);
  const took = ms ? ` in ${duration(ms)}` : '';
  return [
    `[${instance}] ${s.status}${took} (run #${s.runId}): pushed ${count(pushed)}, pulled ${count(pulled)}, conflicts ${count(conflicts)}, rejected ${count(failed)}`,
    ...(perEntity.length ? [`[${instance}] summary: ${perEntity.join(', ')}`] : []),
    // The cause is printed once: on its module's line, or here when no module line carries it.
    ...(s.error && !Object.values(s.modules).some((m) => m.message === s.error) ? [`[${instance}] cause: ${s.error}`] : []),
  ].join('\n');
}
