import type { RowData } from '../protocol/index.js';
import type { AgentTables } from './agent-tables.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';

export interface ConflictRecord {
  readonly id: number;
  readonly entity: string;
  readonly rowKey: string;
  readonly localData: RowData | null;
  readonly remoteData: RowData | null;
  readonly baseVersion: number | null;
  readonly remoteVersion: number | null;
  readonly strategy: string;
  readonly status: 'open' | 'resolved';
  readonly resolution: string | null;
  readonly createdAt: string;
  readonly resolvedAt: string | null;
}

/** Every conflict, automatic ones included, with both sides kept: nothing is lost silently. */
export class ConflictStore {
  constructor(
    private readonly db: DbAdapter,
    private readonly t: AgentTables,
  ) {}

  async record(
    tx: DbExecutor,
    c: Omit<ConflictRecord, 'id' | 'createdAt' | 'resolvedAt'>,
  ): Promise<void> {
    const now = new Date().toISOString();
    await tx.run(
      `INSERT INTO ${this.t.conflicts} (entity, row_key, local_data, remote_data, base_version, remote_version, strategy,
       status, resolution, created_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        c.entity,
        c.rowKey,
        c.localData === null ? null : JSON.stringify(c.localData),
        c.remoteData === null ? null : JSON.stringify(c.remoteData),
        c.baseVersion,
        c.remoteVersion,
        c.strategy,
        c.status,
        c.resolution,
        now,
        c.status === 'resolved' ? now : null,
      ],
    );
  }

  async list(opts: { status?: 'open' | 'resolved'; limit?: number } = {}): Promise<ConflictRecord[]> {
    const rows = await this.db.all<{
      id: number;
      entity: string;
      row_key: string;
      local_data: string | null;
      remote_data: string | null;
      base_version: number | null;
      remote_version: number | null;
      strategy: string;
      status: 'open' | 'resolved';
      resolution: string | null;
      created_at: string;
      resolved_at: string | null;
    }>(
      `SELECT * FROM ${this.t.conflicts} ${opts.status ? 'WHERE status = ?' : ''} ORDER BY id DESC LIMIT ?`,
      opts.status ? [opts.status, opts.limit ?? 100] : [opts.limit ?? 100],
    );
    const parse = (s: string | null) => (s === null ? null : (JSON.parse(s) as RowData));
    return rows.map((r) => ({
      id: Number(r.id),
      entity: r.entity,
      rowKey: r.row_key,
      localData: parse(r.local_data),
      remoteData: parse(r.remote_data),
      baseVersion: r.base_version,
      remoteVersion: r.remote_version,
      strategy: r.strategy,
      status: r.status,
      resolution: r.resolution,
      createdAt: r.created_at,
      resolvedAt: r.resolved_at,
    }));
  }

  async countOpen(): Promise<number> {
    const [row] = await this.db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.t.conflicts} WHERE status = 'open'`);
    return Number(row?.n ?? 0);
  }
}
