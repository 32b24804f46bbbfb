import type { ConflictDetailView, ConflictSummaryView, InstanceStatusView, RunView } from '../contract/dto.js';
import type { AgentStatus } from '../core/connection-state.js';
import type { ConflictRecord } from '../core/conflict-store.js';
import type { ConflictView } from '../core/conflict-resolver.js';
import type { RunRecord } from '../core/run-store.js';
import type { EntityState } from '../core/state-store.js';

/** Engine records → contract views (pure functions). */

export function statusView(status: AgentStatus, cursors: readonly EntityState[]): InstanceStatusView {
  return {
    ...status,
    currentRun: status.currentRun ? { id: status.currentRun.id, progress: { ...status.currentRun.progress } } : null,
    cursors: cursors.map((c) => ({ entity: c.entity, cursor: Number(c.cursor), lastSyncedAt: c.lastSyncedAt })),
  };
}

export function runView(run: RunRecord): RunView {
  return { ...run, progress: { ...run.progress }, stats: { ...run.stats } };
}

export function conflictSummaryView(c: ConflictRecord): ConflictSummaryView {
  return {
    id: c.id,
    entity: c.entity,
    rowKey: c.rowKey,
    fields: c.fields.filter((f) => f.conflicting).map((f) => f.field),
    strategy: c.strategy,
    status: c.status,
    createdAt: c.createdAt,
    deletedOn: c.localData === null ? 'shop' : c.remoteData === null ? 'online' : null,
  };
}

export function conflictDetailView(view: ConflictView): ConflictDetailView {
  const summary = conflictSummaryView(view.conflict);
  const deletedOn = view.conflict.status === 'open' && view.local === null ? 'shop' : summary.deletedOn;
  return {
    ...summary,
    fields: view.fields.filter((f) => f.conflicting).map((f) => f.field),
    deletedOn,
    diff: view.fields.map((f) => ({ ...f })),
  };
}
