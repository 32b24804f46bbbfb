import type { AgentTables } from './agent-tables.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';

/** A pulled change the agent refused to apply (its data names another row than its key). */
export interface RefusedChange {
  readonly entity: string;
  readonly key: string;
  readonly reason: string;
  readonly at: string;
}

/** Every refusal counted, the latest kept (newest last), in `meta` under `refused_changes`. */
export interface RefusedChanges {
  readonly count: number;
  readonly last: readonly RefusedChange[];
}

const REFUSED = 'refused_changes';
const KEEP_REFUSED = 20;

export interface EntityState {
  readonly entity: string;
  readonly cursor: number;
  readonly lastSyncedAt: string | null;
}

/** Per-entity pull cursors and the agent's identity (`meta`). */
export class StateStore {
  constructor(
    private readonly db: DbAdapter,
    private readonly t: AgentTables,
  ) {}

  async cursor(entity: string): Promise<number> {
    const [row] = await this.db.all<{ cursor: number }>(`SELECT ${this.db.dialect.quote('cursor')} FROM ${this.t.state} WHERE entity = ?`, [entity]);
    return Number(row?.cursor ?? 0);
  }

  /** Moves an entity's cursor; called inside the transaction that applied the page. */
  async advance(tx: DbExecutor, entity: string, cursor: number, at: string): Promise<void> {
    await tx.run(this.db.dialect.upsert(this.t.state, ['entity', 'cursor', 'last_synced_at'], ['entity'], 1), [entity, cursor, at]);
  }

  async all(): Promise<EntityState[]> {
    const rows = await this.db.all<{ entity: string; cursor: number; last_synced_at: string | null }>(
      `SELECT entity, ${this.db.dialect.quote('cursor')}, last_synced_at FROM ${this.t.state} ORDER BY entity`,
    );
    return rows.map((r) => ({ entity: r.entity, cursor: Number(r.cursor), lastSyncedAt: r.last_synced_at }));
  }

  /** Forgets cursors so the next pull starts from the beginning; local rows and the outbox are kept. */
  async reset(entities: readonly string[]): Promise<number> {
    if (entities.length === 0) return 0;
    const result = await this.db.run(
      `UPDATE ${this.t.state} SET ${this.db.dialect.quote('cursor')} = 0 WHERE entity IN (${entities.map(() => '?').join(', ')})`,
      entities,
    );
    return result.changes;
  }

  /**
   * Adds refused changes to the persistent record, in the caller's transaction (the one that
   * advances the cursor past them), so they stay visible in status after the run.
   */
  async recordRefused(tx: DbExecutor, refused: readonly RefusedChange[]): Promise<void> {
    if (refused.length === 0) return;
    const [row] = await tx.all<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE name = ?`, [REFUSED]);
    const known = parseRefused(row?.value);
    const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 299)}…` : text);
    const next: RefusedChanges = {
      count: known.count + refused.length,
      last: [...known.last, ...refused.map((r) => ({ ...r, key: clip(r.key), reason: clip(r.reason) }))].slice(-KEEP_REFUSED),
    };
    await tx.run(this.db.dialect.upsert(this.t.meta, ['name', 'value'], ['name'], 1), [REFUSED, JSON.stringify(next)]);
  }

  /** Changes refused so far (count, and the latest few). */
  async refused(): Promise<RefusedChanges> {
    const [row] = await this.db.all<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE name = ?`, [REFUSED]);
    return parseRefused(row?.value);
  }

  /** Replaces a `meta` value. */
  async setMeta(name: string, value: string): Promise<void> {
    await this.db.run(this.db.dialect.upsert(this.t.meta, ['name', 'value'], ['name'], 1), [name, value]);
  }

  /** A value kept in `meta`, or null. */
  async getMeta(name: string): Promise<string | null> {
    const [row] = await this.db.all<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE name = ?`, [name]);
    return row?.value ?? null;
  }

  /** A value kept in `meta`, created by `init` the first time it is asked for. */
  async meta(name: string, init: () => string): Promise<string> {
    const [row] = await this.db.all<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE name = ?`, [name]);
    if (row) return row.value;
    const value = init();
    await this.db.run(this.db.dialect.insertIgnore(this.t.meta, ['name', 'value']), [name, value]);
    const [stored] = await this.db.all<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE name = ?`, [name]);
    return stored!.value;
  }
}

/** The stored record, read defensively: a damaged value counts as none rather than failing status. */
function parseRefused(text: string | undefined): RefusedChanges {
  if (!text) return { count: 0, last: [] };
  try {
    const value = JSON.parse(text) as { count?: unknown; last?: unknown };
    const last = Array.isArray(value.last)
      ? value.last.filter(
          (r): r is RefusedChange =>
            typeof r === 'object' && r !== null && ['entity', 'key', 'reason', 'at'].every((f) => typeof (r as Record<string, unknown>)[f] === 'string'),
        )
      : [];
    return { count: typeof value.count === 'number' && value.count >= last.length ? value.count : last.length, last };
  } catch {
    return { count: 0, last: [] };
  }
}
