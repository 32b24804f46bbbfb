import type { RowData } from '../protocol/index.js';
import type { AgentTables } from './agent-tables.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';

/** A row as the hub last confirmed it: its version and fields (the base of the next three-way merge). */
export interface SyncedRow {
  readonly key: string;
  readonly version: number;
  /** null for a deleted row. */
  readonly data: RowData | null;
}

/** Records hub versions and snapshots of rows in `<prefix>rows`, in the caller's transaction. */
export async function recordSynced(
  tx: DbExecutor,
  ctx: { readonly db: DbAdapter; readonly t: AgentTables },
  entity: string,
  rows: readonly SyncedRow[],
  at: string,
): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < rows.length; i += chunk) {
    const slice = rows.slice(i, i + chunk);
    await tx.run(
      ctx.db.dialect.upsert(ctx.t.rows, ['entity', 'row_key', 'version', 'synced_at', 'data'], ['entity', 'row_key'], slice.length),
      slice.flatMap((r) => [entity, r.key, r.version, at, r.data === null ? null : JSON.stringify(r.data)]),
    );
  }
}
