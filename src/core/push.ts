import type { PushChange, PushResult } from '../protocol/index.js';
import { backoffMs } from './backoff.js';
import type { EngineContext, ModuleReporter } from './engine-context.js';
import { SyncError, describeError } from './errors.js';
import type { OutboxEntry } from './outbox-store.js';
import { settleConflict } from './settle-conflict.js';
import type { DbExecutor } from './store/db-adapter.js';
import { recordSynced } from './synced-rows.js';

export interface PushOutcome {
  readonly pushed: number;
  readonly conflicts: number;
  readonly failed: number;
}

/**
 * Drains the outbox in batches. Transient failures postpone the batch with capped back-off and
 * end the drain with the error; a change the hub rejects is parked as `failed` and never blocks
 * the rest. `force` sends entries whose back-off has not expired (a person pressed Sync now).
 */
export async function pushOutbox(ctx: EngineContext, reporter: ModuleReporter, opts: { force: boolean }): Promise<PushOutcome> {
  let pushed = 0;
  let conflicts = 0;
  let failed = 0;
  // Each round settles every entry it sent; the bound only guards against a hub that never settles.
  for (let round = 0; round < 100_000; round++) {
    if (reporter.signal.aborted) throw new SyncError('canceled', 'run canceled');
    const batch = await ctx.outbox.due(ctx.pushBatchSize, new Date(), { force: opts.force });
    if (batch.length === 0) break;
    let results: PushResult[];
    try {
      results = await send(ctx, batch);
    } catch (error) {
      const syncError = error instanceof SyncError ? error : new SyncError('network', describeError(error), { cause: error });
      if (syncError.transient) {
        await ctx.outbox.postpone(
          batch.map((e) => e.seq),
          (attempts) =>
            new Date(Date.now() + Math.max(syncError.extra.retryAfterMs ?? 0, backoffMs(attempts, { baseMs: 1000, maxMs: ctx.maxBackoffMs }))),
          describeError(syncError),
        );
      }
      throw syncError;
    }
    const bySeq = new Map(results.map((r) => [r.seq, r]));
    const missing = batch.filter((e) => !bySeq.has(e.seq));
    if (missing.length > 0) throw new SyncError('bad_response', `hub did not answer for ${missing.length} of ${batch.length} changes`);
    await ctx.db.transaction(async (tx) => {
      for (const entry of batch) {
        const result = bySeq.get(entry.seq)!;
        if (result.status === 'applied') {
          await settleApplied(ctx, tx, entry, result.version);
          pushed++;
        } else if (result.status === 'conflict') {
          await settleConflict(ctx, tx, entry, result.remote);
          conflicts++;
        } else {
          await ctx.outbox.park(tx, entry.entity, entry.rowKey, entry.seq, `${result.error.code}: ${result.error.message}`);
          failed++;
        }
      }
    });
    reporter.progress(pushed + conflicts + failed);
  }
  return { pushed, conflicts, failed };
}

/**
 * Sends a batch. When the hub refuses the request as a whole (400/413: one malformed or oversized
 * change), the changes are sent one by one so only the bad one is rejected.
 */
async function send(ctx: EngineContext, batch: readonly OutboxEntry[]): Promise<PushResult[]> {
  try {
    return (await ctx.client.push(ctx.source, batch.map(toChange))).results;
  } catch (error) {
    if (!(error instanceof SyncError) || error.code !== 'rejected') throw error;
    if (batch.length === 1) {
      return [{ seq: batch[0]!.seq, status: 'rejected', error: { code: 'rejected', message: error.message } }];
    }
    const results: PushResult[] = [];
    for (const entry of batch) results.push(...(await send(ctx, [entry])));
    return results;
  }
}

function toChange(entry: OutboxEntry): PushChange {
  return { seq: entry.seq, entity: entry.entity, key: entry.rowKey, op: entry.op, data: entry.data, baseVersion: entry.baseVersion };
}

async function settleApplied(ctx: EngineContext, tx: DbExecutor, entry: OutboxEntry, version: number): Promise<void> {
  await ctx.outbox.acknowledge(tx, entry.entity, entry.rowKey, entry.seq);
  // The hub merges a push onto its row, so the new base is the old one with our fields on top.
  const data = entry.op === 'delete' ? null : { ...(entry.baseData ?? {}), ...(entry.data ?? {}) };
  await recordSynced(tx, ctx, entry.entity, [{ key: entry.rowKey, version, data }], new Date().toISOString());
}
