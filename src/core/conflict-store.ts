import type { RowData } from '../protocol/index.js';
import type { AgentTables } from './agent-tables.js';
import type { FieldDiff } from './merge.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';

export interface ConflictRecord {
  readonly id: number;
  readonly entity: string;
  readonly rowKey: string;
  /** The row as last synced; null when the shop never had it (insert/insert). */
  readonly baseData: RowData | null;
  /** null = deleted on that side. */
  readonly localData: RowData | null;
  readonly remoteData: RowData | null;
  /** What both sides hold after the resolution (null = deleted); null while open. */
  readonly mergedData: RowData | null;
  readonly fields: readonly FieldDiff[];
  readonly baseVersion: number | null;
  readonly remoteVersion: number | null;
  readonly localAt: string | null;
  readonly remoteAt: string | null;
  readonly strategy: string;
  readonly status: 'open' | 'resolved';
  /** How it was settled: `merged`, `remote`, `local`, or a JSON of per-field choices. */
  readonly resolution: string | null;
  readonly createdAt: string;
  readonly resolvedAt: string | null;
}

export type NewConflict = Omit<ConflictRecord, 'id' | 'createdAt' | 'resolvedAt'>;

interface ConflictRow {
  id: number;
  entity: string;
  row_key: string;
  base_data: string | null;
  local_data: string | null;
  remote_data: string | null;
  merged_data: string | null;
  fields: string | null;
  base_version: number | null;
  remote_version: number | null;
  local_at: string | null;
  remote_at: string | null;
  strategy: string;
  status: 'open' | 'resolved';
  resolution: string | null;
  created_at: string;
  resolved_at: string | null;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

/** Every conflict, automatic ones included, with base, both sides and the outcome: nothing is lost silently. */
export class ConflictStore {
  constructor(
    private readonly db: DbAdapter,
    private readonly t: AgentTables,
  ) {}

  async record(tx: DbExecutor, c: NewConflict): Promise<void> {
    const now = new Date().toISOString();
    await tx.run(
      `INSERT INTO ${this.t.conflicts} (entity, row_key, base_data, local_data, remote_data, merged_data, fields, base_version,
       remote_version, local_at, remote_at, strategy, status, resolution, created_at, resolved_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        c.entity,
        c.rowKey,
        json(c.baseData),
        json(c.localData),
        json(c.remoteData),
        json(c.mergedData),
        json(c.fields),
        c.baseVersion,
        c.remoteVersion,
        c.localAt,
        c.remoteAt,
        c.strategy,
        c.status,
        c.resolution,
        now,
        c.status === 'resolved' ? now : null,
      ],
    );
  }

  async list(opts: { status?: 'open' | 'resolved'; entity?: string; limit?: number } = {}): Promise<ConflictRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.status) {
      where.push('status = ?');
      params.push(opts.status);
    }
    if (opts.entity) {
      where.push('entity = ?');
      params.push(opts.entity);
    }
    const rows = await this.db.all<ConflictRow>(
      `SELECT * FROM ${this.t.conflicts} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, opts.limit ?? 100],
    );
    return rows.map(toRecord);
  }

  async get(id: number, tx: DbExecutor = this.db): Promise<ConflictRecord | null> {
    const [row] = await tx.all<ConflictRow>(`SELECT * FROM ${this.t.conflicts} WHERE id = ?`, [id]);
    return row ? toRecord(row) : null;
  }

  async markResolved(tx: DbExecutor, id: number, resolution: string, merged: RowData | null): Promise<void> {
    await tx.run(`UPDATE ${this.t.conflicts} SET status = 'resolved', resolution = ?, merged_data = ?, resolved_at = ? WHERE id = ?`, [
      resolution,
      json(merged),
      new Date().toISOString(),
      id,
    ]);
  }

  async countOpen(): Promise<number> {
    const [row] = await this.db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.t.conflicts} WHERE status = 'open'`);
    return Number(row?.n ?? 0);
  }
}

function toRecord(r: ConflictRow): ConflictRecord {
  return {
    id: Number(r.id),
    entity: r.entity,
    rowKey: r.row_key,
    baseData: parse<RowData>(r.base_data),
    localData: parse<RowData>(r.local_data),
    remoteData: parse<RowData>(r.remote_data),
    mergedData: parse<RowData>(r.merged_data),
    fields: parse<FieldDiff[]>(r.fields) ?? [],
    baseVersion: r.base_version,
    remoteVersion: r.remote_version,
    localAt: r.local_at,
    remoteAt: r.remote_at,
    strategy: r.strategy,
    status: r.status,
    resolution: r.resolution,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
  };
}
