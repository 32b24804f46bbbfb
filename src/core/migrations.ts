import type { AgentTables } from './agent-tables.js';
import type { DbAdapter, DbExecutor } from './store/db-adapter.js';

/** A schema change recorded once in `<prefix>migrations`; ids read `YYYY-MM-DD-NNN-short-name`. */
export interface Migration {
  readonly id: string;
  readonly description: string;
  up(tx: DbExecutor, ddl: (sql: string) => Promise<void>): Promise<void>;
}

export interface AppliedMigration {
  readonly id: string;
  readonly description: string;
  readonly executedAt: string;
}

export const MIGRATION_ID = /^\d{4}-\d{2}-\d{2}-\d{3}-[a-z0-9-]+$/;

/**
 * Applies the migrations not yet recorded, in id order, each in its own transaction with its
 * record. Running it again does nothing. Returns the ids applied now.
 */
export async function runMigrations(db: DbAdapter, table: string, migrations: readonly Migration[]): Promise<string[]> {
  const q = db.dialect.quote;
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${q(table)} (id VARCHAR(255) PRIMARY KEY, description TEXT NOT NULL, executed_at VARCHAR(32) NOT NULL)`,
  );
  const bad = migrations.filter((m) => !MIGRATION_ID.test(m.id)).map((m) => m.id);
  if (bad.length > 0) throw new Error(`migration ids must read YYYY-MM-DD-NNN-short-name: ${bad.join(', ')}`);
  const done = new Set((await db.all<{ id: string }>(`SELECT id FROM ${q(table)}`)).map((r) => r.id));
  const applied: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
    if (done.has(migration.id)) continue;
    await db.transaction(async (tx) => {
      await migration.up(tx, async (sql) => {
        for (const statement of splitStatements(sql)) await tx.run(statement);
      });
      await tx.run(`INSERT INTO ${q(table)} (id, description, executed_at) VALUES (?, ?, ?)`, [
        migration.id,
        migration.description,
        new Date().toISOString(),
      ]);
    });
    applied.push(migration.id);
  }
  return applied;
}

export async function listMigrations(db: DbAdapter, table: string): Promise<AppliedMigration[]> {
  const rows = await db.all<{ id: string; description: string; executed_at: string }>(
    `SELECT id, description, executed_at FROM ${db.dialect.quote(table)} ORDER BY id`,
  );
  return rows.map((r) => ({ id: r.id, description: r.description, executedAt: r.executed_at }));
}

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The agent's own tables (SQLite dialect). */
export function agentMigrations(t: AgentTables): Migration[] {
  return [
    {
      id: '2026-11-22-001-agent-tables',
      description: 'Agent tables: meta, state, outbox, rows, conflicts, runs, run logs, capture flag, sequences',
      up: (_db, ddl) =>
        ddl(`
          CREATE TABLE ${t.meta} (name TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE ${t.state} (entity TEXT PRIMARY KEY, cursor INTEGER NOT NULL DEFAULT 0, last_synced_at TEXT);
          CREATE TABLE ${t.outbox} (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, row_key TEXT NOT NULL, op TEXT NOT NULL,
            data TEXT, base_version INTEGER, created_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT, last_error TEXT, status TEXT NOT NULL DEFAULT 'pending'
          );
          CREATE INDEX ${t.outbox}_by_row ON ${t.outbox} (entity, row_key);
          CREATE TABLE ${t.rows} (
            entity TEXT NOT NULL, row_key TEXT NOT NULL, version INTEGER NOT NULL, synced_at TEXT NOT NULL,
            PRIMARY KEY (entity, row_key)
          ) WITHOUT ROWID;
          CREATE TABLE ${t.conflicts} (
            id INTEGER PRIMARY KEY AUTOINCREMENT, entity TEXT NOT NULL, row_key TEXT NOT NULL, local_data TEXT,
            remote_data TEXT, base_version INTEGER, remote_version INTEGER, strategy TEXT NOT NULL,
            status TEXT NOT NULL, resolution TEXT, created_at TEXT NOT NULL, resolved_at TEXT
          );
          CREATE TABLE ${t.runs} (
            id INTEGER PRIMARY KEY AUTOINCREMENT, trigger TEXT NOT NULL, mode TEXT NOT NULL, status TEXT NOT NULL,
            progress TEXT NOT NULL DEFAULT '{}', stats TEXT NOT NULL DEFAULT '{}', error TEXT,
            created_at TEXT NOT NULL, started_at TEXT, finished_at TEXT
          );
          CREATE TABLE ${t.runLogs} (
            id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, at TEXT NOT NULL, level TEXT NOT NULL,
            module TEXT NOT NULL, message TEXT NOT NULL, metadata TEXT
          );
          CREATE INDEX ${t.runLogs}_by_run ON ${t.runLogs} (run_id, id);
          CREATE TABLE ${t.captureOff} (flag INTEGER PRIMARY KEY);
          CREATE TABLE ${t.sequences} (name TEXT NOT NULL, day TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (name, day));
        `),
    },
    {
      id: '2026-11-22-002-conflict-bases',
      description: 'Row snapshots as last synced (three-way merge base); conflict records keep base, merged row and fields',
      up: (_db, ddl) =>
        ddl(`
          ALTER TABLE ${t.rows} ADD COLUMN data TEXT;
          ALTER TABLE ${t.conflicts} ADD COLUMN base_data TEXT;
          ALTER TABLE ${t.conflicts} ADD COLUMN merged_data TEXT;
          ALTER TABLE ${t.conflicts} ADD COLUMN fields TEXT;
          ALTER TABLE ${t.conflicts} ADD COLUMN local_at TEXT;
          ALTER TABLE ${t.conflicts} ADD COLUMN remote_at TEXT;
          CREATE INDEX ${t.conflicts}_by_status ON ${t.conflicts} (status, entity);
        `),
    },
    {
      id: '2026-11-22-003-run-owner',
      description: 'Runs record the process running them, so a live run is not taken for a crashed one',
      up: (_db, ddl) => ddl(`ALTER TABLE ${t.runs} ADD COLUMN owner TEXT`),
    },
    {
      id: '2026-11-25-001-run-progress-at',
      description: 'Runs record when their progress was last saved: a run cut short by a crash ends at that time',
      up: (_db, ddl) => ddl(`ALTER TABLE ${t.runs} ADD COLUMN updated_at TEXT`),
    },
  ];
}
