import type { AgentTables } from './agent-tables.js';
import { OWNER, ownerAlive } from './process-owner.js';
import type { DbAdapter } from './store/db-adapter.js';

export type RunTrigger = 'manual' | 'schedule' | 'live' | 'startup' | 'local-write';
export type RunMode = 'incremental' | 'full' | 'period';
export type RunStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED' | 'CANCELED';

export interface ModuleProgress {
  readonly status: 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'canceled';
  readonly processed: number;
  readonly errors: number;
  readonly message?: string;
}

export interface RunStats {
  readonly pushed: number;
  readonly pulled: number;
  readonly conflicts: number;
  readonly failed: number;
  readonly errors: number;
}

export interface RunRecord {
  readonly id: number;
  readonly trigger: RunTrigger;
  readonly mode: RunMode;
  readonly status: RunStatus;
  readonly progress: Readonly<Record<string, ModuleProgress>>;
  readonly stats: RunStats;
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface RunLog {
  readonly at: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly module: string;
  readonly message: string;
  readonly metadata: unknown;
}

interface RunRow {
  id: number;
  trigger: RunTrigger;
  mode: RunMode;
  status: RunStatus;
  progress: string;
  stats: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at?: string | null;
  owner?: string | null;
}

/** Sync runs and their logs (seed 004): every cycle is recorded with per-module progress. */
export class RunStore {
  constructor(
    private readonly db: DbAdapter,
    private readonly t: AgentTables,
    private readonly keep = 500,
  ) {}

  async start(trigger: RunTrigger, mode: RunMode, modules: readonly string[]): Promise<number> {
    const now = new Date().toISOString();
    const progress = Object.fromEntries(modules.map((m) => [m, { status: 'pending', processed: 0, errors: 0 }]));
    const result = await this.db.run(
      `INSERT INTO ${this.t.runs} (${this.db.dialect.quote('trigger')}, mode, status, progress, stats, created_at, started_at, owner)
       VALUES (?, ?, 'RUNNING', ?, '{}', ?, ?, ?)`,
      [trigger, mode, JSON.stringify(progress), now, now, OWNER],
    );
    return Number(result.lastInsertId);
  }

  /** Saves a run's progress while it runs, so a run cut short keeps what it did. */
  async progress(id: number, progress: Readonly<Record<string, ModuleProgress>>, stats: RunStats): Promise<void> {
    await this.db.run(`UPDATE ${this.t.runs} SET progress = ?, stats = ?, updated_at = ? WHERE id = ? AND status = 'RUNNING'`, [
      JSON.stringify(progress),
      JSON.stringify(stats),
      new Date().toISOString(),
      id,
    ]);
  }

  async finish(
    id: number,
    outcome: { status: RunStatus; progress: Readonly<Record<string, ModuleProgress>>; stats: RunStats; error?: string },
  ): Promise<void> {
    const now = new Date().toISOString();
    await this.db.run(
      `UPDATE ${this.t.runs} SET status = ?, progress = ?, stats = ?, error = ?, finished_at = ?, updated_at = ? WHERE id = ?`,
      [outcome.status, JSON.stringify(outcome.progress), JSON.stringify(outcome.stats), outcome.error ?? null, now, now, id],
    );
    await this.prune();
  }

  async log(id: number, level: RunLog['level'], module: string, message: string, metadata?: unknown): Promise<void> {
    await this.db.run(`INSERT INTO ${this.t.runLogs} (run_id, at, level, module, message, metadata) VALUES (?, ?, ?, ?, ?, ?)`, [
      id,
      new Date().toISOString(),
      level,
      module,
      message,
      metadata === undefined ? null : JSON.stringify(metadata),
    ]);
  }

  /**
   * Runs left RUNNING by a process that is gone (a crash, a kill, a power cut) become FAILED,
   * ending when their progress was last saved, with that progress; returns how many.
   */
  async failInterrupted(): Promise<number> {
    const open = await this.db.all<{ id: number; owner: string | null }>(
      `SELECT id, owner FROM ${this.t.runs} WHERE status IN ('RUNNING', 'QUEUED')`,
    );
    let failed = 0;
    for (const run of open) {
      if (run.owner && ownerAlive(run.owner)) continue;
      failed += (
        await this.db.run(
          `UPDATE ${this.t.runs} SET status = 'FAILED',
             error = ?, finished_at = COALESCE(updated_at, started_at, ?) WHERE id = ? AND status IN ('RUNNING', 'QUEUED')`,
          [INTERRUPTED, new Date().toISOString(), run.id],
        )
      ).changes;
    }
    return failed;
  }

  async list(limit = 20): Promise<RunRecord[]> {
    const rows = await this.db.all<RunRow>(`SELECT * FROM ${this.t.runs} ORDER BY id DESC LIMIT ?`, [limit]);
    return rows.map(toRecord);
  }

  async get(id: number): Promise<{ run: RunRecord; logs: RunLog[] } | null> {
    const [row] = await this.db.all<RunRow>(`SELECT * FROM ${this.t.runs} WHERE id = ?`, [id]);
    if (!row) return null;
    const logs = await this.db.all<{ at: string; level: RunLog['level']; module: string; message: string; metadata: string | null }>(
      `SELECT at, level, module, message, metadata FROM ${this.t.runLogs} WHERE run_id = ? ORDER BY id`,
      [id],
    );
    return {
      run: toRecord(row),
      logs: logs.map((l) => ({ ...l, metadata: l.metadata === null ? null : (JSON.parse(l.metadata) as unknown) })),
    };
  }

  /** Keeps the newest `keep` runs and their logs. */
  private async prune(): Promise<void> {
    const [row] = await this.db.all<{ id: number | null }>(`SELECT id FROM ${this.t.runs} ORDER BY id DESC LIMIT 1 OFFSET ?`, [this.keep]);
    if (!row?.id) return;
    await this.db.run(`DELETE FROM ${this.t.runLogs} WHERE run_id <= ?`, [row.id]);
    await this.db.run(`DELETE FROM ${this.t.runs} WHERE id <= ?`, [row.id]);
  }
}

const INTERRUPTED = 'interrupted: the process running it ended without finishing it (crash, kill or power cut); progress as last saved';


/** A run whose process is gone reads as what the next sync will record it as. */
function toRecord(row: RunRow): RunRecord {
  const orphan = (row.status === 'RUNNING' || row.status === 'QUEUED') && !(row.owner && ownerAlive(row.owner));
  if (orphan) {
    return {
      ...toRecord({ ...row, status: 'FAILED', owner: null }),
      error: INTERRUPTED,
      finishedAt: row.updated_at ?? row.started_at,
    };
  }
  return {
    id: Number(row.id),
    trigger: row.trigger,
    mode: row.mode,
    status: row.status,
    progress: JSON.parse(row.progress) as Record<string, ModuleProgress>,
    stats: { pushed: 0, pulled: 0, conflicts: 0, failed: 0, errors: 0, ...(JSON.parse(row.stats) as Partial<RunStats>) },
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
