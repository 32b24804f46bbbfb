import type { RunTrigger } from './run-store.js';

/** What a trigger asks of the single-flight loop. Requests that meet while a run is busy merge. */
export interface SyncRequest {
  readonly trigger: RunTrigger;
  readonly push: boolean;
  /** Entities to pull: all pulled entities, or these. */
  readonly pull: 'all' | readonly string[];
  readonly full?: boolean;
  /** Ignore per-entry back-off (a person asked). */
  readonly force?: boolean;
}

const TRIGGER_RANK: Readonly<Record<RunTrigger, number>> = { manual: 4, startup: 3, schedule: 2, live: 1, 'local-write': 0 };

/** The smallest request that covers both: union of work, the most significant trigger. */
export function mergeRequests(a: SyncRequest, b: SyncRequest): SyncRequest {
  const pull = a.pull === 'all' || b.pull === 'all' ? 'all' : [...new Set([...a.pull, ...b.pull])];
  return {
    trigger: TRIGGER_RANK[a.trigger] >= TRIGGER_RANK[b.trigger] ? a.trigger : b.trigger,
    push: a.push || b.push,
    pull,
    full: Boolean(a.full || b.full),
    force: Boolean(a.force || b.force),
  };
}
