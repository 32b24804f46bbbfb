import Database from 'better-sqlite3';

export interface OutboxRow {
  readonly seq: number;
  readonly entity: string;
  readonly row_key: string;
  readonly op: string;
  readonly data: string | null;
  readonly created_at: string;
  readonly attempts: number;
  readonly next_attempt_at: string | null;
  readonly last_error: string | null;
  readonly status: string;
}

/** A second connection to the agent's database, as the shop's POS application would open it. */
export function openPos(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  return db;
}

export function outboxRows(db: Database.Database, entity?: string): OutboxRow[] {
  const sql = `SELECT seq, entity, row_key, op, data, created_at, attempts, next_attempt_at, last_error, status FROM sync_outbox
    ${entity ? 'WHERE entity = ?' : ''} ORDER BY seq`;
  return db.prepare(sql).all(...(entity ? [entity] : [])) as OutboxRow[];
}

export function cursorOf(db: Database.Database, entity: string): number | undefined {
  const row = db.prepare('SELECT cursor FROM sync_state WHERE entity = ?').get(entity) as { cursor: number } | undefined;
  return row?.cursor;
}

export function count(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
}

/** Writes a row on the hub through its admin API, as a backend service would. */
export async function adminPut(url: string, adminKey: string, entity: string, key: string, data: Record<string, unknown>, scope = 'shop-1'): Promise<number> {
  const response = await fetch(`${url}/v1/admin/scopes/${scope}/entities/${entity}/rows/${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
    body: JSON.stringify({ data }),
  });
  if (response.status !== 200) throw new Error(`admin PUT ${entity}/${key}: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { version: number }).version;
}
