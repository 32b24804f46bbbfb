import type { AgentTables } from './agent-tables.js';
import type { Migration } from './migrations.js';
import type { DbExecutor } from './store/db-adapter.js';

/** MySQL DDL commits on its own: each step checks first, so an interrupted migration can run again. */
async function addColumn(tx: DbExecutor, table: string, column: string, type: string): Promise<void> {
  const found = await tx.all(
    'SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?',
    [table, column],
  );
  if (found.length === 0) await tx.run(`ALTER TABLE \`${table}\` ADD COLUMN \`${column}\` ${type}`);
}

async function addIndex(tx: DbExecutor, table: string, index: string, columns: string): Promise<void> {
  const found = await tx.all('SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?', [
    table,
    index,
  ]);
  if (found.length === 0) await tx.run(`CREATE INDEX \`${index}\` ON \`${table}\` (${columns})`);
}

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

/** The agent's own tables on MySQL 5.7.7+ / MariaDB 10.3+ (same ids and shape as on SQLite). */
export function mysqlAgentMigrations(t: AgentTables): Migration[] {
  return [
    {
      id: '2026-11-22-001-agent-tables',
      description: 'Agent tables: meta, state, outbox, rows, conflicts, runs, run logs, sequences',
      up: async (tx) => {
        const statements = [
          `CREATE TABLE IF NOT EXISTS \`${t.meta}\` (name VARCHAR(191) NOT NULL PRIMARY KEY, value TEXT NOT NULL) ${TABLE}`,
          `CREATE TABLE IF NOT EXISTS \`${t.state}\` (entity VARCHAR(64) NOT NULL PRIMARY KEY, \`cursor\` BIGINT NOT NULL DEFAULT 0,
            last_synced_at VARCHAR(32)) ${TABLE}`,
          `CREATE TABLE IF NOT EXISTS \`${t.outbox}\` (
            seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, entity VARCHAR(64) NOT NULL, row_key VARCHAR(512) NOT NULL,
            op VARCHAR(8) NOT NULL, data LONGTEXT, base_version BIGINT, created_at VARCHAR(32) NOT NULL,
            attempts INT NOT NULL DEFAULT 0, next_attempt_at VARCHAR(32), last_error TEXT,
            status VARCHAR(16) NOT NULL DEFAULT 'pending', KEY \`${t.outbox}_by_row\` (entity, row_key)) ${TABLE}`,
          `CREATE TABLE IF NOT EXISTS \`${t.rows}\` (entity VARCHAR(64) NOT NULL, row_key VARCHAR(512) NOT NULL,
            version BIGINT NOT NULL, synced_at VARCHAR(32) NOT NULL, PRIMARY KEY (entity, row_key)) ${TABLE}`,
          `CREATE TABLE IF NOT EXISTS \`${t.conflicts}\` (
            id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, entity VARCHAR(64) NOT NULL, row_key VARCHAR(512) NOT NULL,
            local_data LONGTEXT, remote_data LONGTEXT, base_version BIGINT, remote_version BIGINT, strategy VARCHAR(64) NOT NULL,
            status VARCHAR(16) NOT NULL, resolution TEXT, created_at VARCHAR(32) NOT NULL, resolved_at VARCHAR(32)) ${TABLE}`,
          `CREATE TABLE IF NOT EXISTS \`${t.runs}\` (
            id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \`trigger\` VARCHAR(16) NOT NULL, mode VARCHAR(16) NOT NULL,
            status VARCHAR(16) NOT NULL, progress LONGTEXT NOT NULL, stats TEXT NOT NULL, error TEXT,
            created_at VARCHAR(32) NOT NULL, started_at VARCHAR(32), finished_at VARCHAR(32)) ${TABLE}`,
          `CREATE TABLE IF NOT EXISTS \`${t.runLogs}\` (
            id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, run_id BIGINT NOT NULL, at VARCHAR(32) NOT NULL, level VARCHAR(8) NOT NULL,
            module VARCHAR(96) NOT NULL, message TEXT NOT NULL, metadata TEXT, KEY \`${t.runLogs}_by_run\` (run_id, id)) ${TABLE}`,
          `CREATE TABLE IF NOT EXISTS \`${t.sequences}\` (name VARCHAR(128) NOT NULL, day VARCHAR(10) NOT NULL, value BIGINT NOT NULL,
            PRIMARY KEY (name, day)) ${TABLE}`,
        ];
        for (const statement of statements) await tx.run(statement);
      },
    },
    {
      id: '2026-11-22-002-conflict-bases',
      description: 'Row snapshots as last synced (three-way merge base); conflict records keep base, merged row and fields',
      up: async (tx) => {
        await addColumn(tx, t.rows, 'data', 'LONGTEXT');
        for (const column of ['base_data', 'merged_data', 'fields']) await addColumn(tx, t.conflicts, column, 'LONGTEXT');
        await addColumn(tx, t.conflicts, 'local_at', 'VARCHAR(32)');
        await addColumn(tx, t.conflicts, 'remote_at', 'VARCHAR(32)');
        await addIndex(tx, t.conflicts, `${t.conflicts}_by_status`, 'status, entity');
      },
    },
    {
      id: '2026-11-22-003-run-owner',
      description: 'Runs record the process running them, so a live run is not taken for a crashed one',
      up: (tx) => addColumn(tx, t.runs, 'owner', 'VARCHAR(160)'),
    },
    {
      id: '2026-11-25-001-run-progress-at',
      description: 'Runs record when their progress was last saved: a run cut short by a crash ends at that time',
      up: (tx) => addColumn(tx, t.runs, 'updated_at', 'VARCHAR(32)'),
    },
  ];
}
