import { join } from 'node:path';
import { expect } from 'vitest';
import { agentTables } from '../../../src/core/agent-tables.js';
import { MIGRATION_ID, agentMigrations, listMigrations, runMigrations, type Migration } from '../../../src/core/migrations.js';
import { SqliteAdapter } from '../../../src/core/store/sqlite-adapter.js';
import { test } from '../../helpers/fixtures.js';

const replica = (id: string, sql: string, description = `replica change ${id}`): Migration => ({
  id,
  description,
  up: (_tx, ddl) => ddl(sql),
});

test("the agent's migrations apply once; a second run applies nothing and the record keeps id, description and time", async ({ dir }) => {
  const db = new SqliteAdapter(join(dir, 'shop.db'));
  try {
    const t = agentTables('sync_');
    const before = Date.now();
    const first = await runMigrations(db, t.migrations, agentMigrations(t));
    expect(first).toEqual(agentMigrations(t).map((m) => m.id));
    expect(first.length).toBeGreaterThan(0);
    for (const id of first) expect(id).toMatch(MIGRATION_ID);

    const second = await runMigrations(db, t.migrations, agentMigrations(t));
    expect(second).toEqual([]);

    const recorded = await listMigrations(db, t.migrations);
    expect(recorded.map((m) => m.id)).toEqual(first);
    for (const m of recorded) {
      expect(m.description.length).toBeGreaterThan(0);
      expect(Date.parse(m.executedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(m.executedAt)).toBeLessThanOrEqual(Date.now() + 1000);
    }
    for (const table of [t.state, t.outbox, t.rows, t.conflicts, t.runs, t.runLogs, t.meta, t.captureOff, t.sequences]) {
      expect(await db.columns(table), table).not.toEqual([]);
    }
  } finally {
    await db.close();
  }
});

test('replica migrations run in id order, each once, and a later one added afterwards runs alone', async ({ dir }) => {
  const db = new SqliteAdapter(join(dir, 'shop.db'));
  try {
    const one = replica('2026-01-05-001-menu', 'CREATE TABLE menu (id TEXT PRIMARY KEY);\nINSERT INTO menu (id) VALUES (\'a\');');
    const two = replica('2026-01-06-001-menu-price', 'ALTER TABLE menu ADD COLUMN price REAL');
    // Listed out of order on purpose: the ALTER needs the CREATE first.
    expect(await runMigrations(db, 'app_migrations', [two, one])).toEqual([one.id, two.id]);
    expect(await db.columns('menu')).toEqual(['id', 'price']);
    const three = replica('2026-02-01-001-menu-note', 'ALTER TABLE menu ADD COLUMN note TEXT');
    expect(await runMigrations(db, 'app_migrations', [one, two, three])).toEqual([three.id]);
    expect(await runMigrations(db, 'app_migrations', [one, two, three])).toEqual([]);
    expect(await db.all('SELECT id FROM menu')).toEqual([{ id: 'a' }]);
    expect((await listMigrations(db, 'app_migrations')).map((m) => [m.id, m.description])).toEqual([
      [one.id, one.description],
      [two.id, two.description],
      [three.id, three.description],
    ]);
  } finally {
    await db.close();
  }
});

test('a migration that fails leaves neither its changes nor its record', async ({ dir }) => {
  const db = new SqliteAdapter(join(dir, 'shop.db'));
  try {
    const broken = replica('2026-01-05-001-broken', 'CREATE TABLE half (id TEXT);\nINSERT INTO nowhere VALUES (1);');
    await expect(runMigrations(db, 'app_migrations', [broken])).rejects.toThrow(/nowhere/);
    expect(await db.columns('half')).toEqual([]);
    expect(await listMigrations(db, 'app_migrations')).toEqual([]);
  } finally {
    await db.close();
  }
});

for (const id of ['2026-1-05-001-x', 'add-menu', '2026-01-05-001-Upper', '2026-01-05-001-', '2026-01-05-1-menu', '2026-01-05-001-menu; DROP']) {
  test(`a malformed migration id "${id}" is refused`, async ({ dir }) => {
    const db = new SqliteAdapter(join(dir, 'shop.db'));
    try {
      await expect(runMigrations(db, 'app_migrations', [replica(id, 'CREATE TABLE bad_table (id TEXT)')])).rejects.toThrow(id);
      expect(await db.columns('bad_table')).toEqual([]);
      expect(await listMigrations(db, 'app_migrations')).toEqual([]);
    } finally {
      await db.close();
    }
  });
}

test('a list holding a malformed id is refused as a whole, not half applied', async ({ dir }) => {
  const db = new SqliteAdapter(join(dir, 'shop.db'));
  try {
    const good = replica('2026-01-01-001-first', 'CREATE TABLE first_table (id TEXT)');
    const bad = replica('2026-01-05-add-menu', 'CREATE TABLE bad_table (id TEXT)');
    await expect(runMigrations(db, 'app_migrations', [good, bad])).rejects.toThrow('2026-01-05-add-menu');
    expect(await db.columns('bad_table')).toEqual([]);
    expect(await listMigrations(db, 'app_migrations')).toEqual([]);
    expect(await db.columns('first_table')).toEqual([]);
  } finally {
    await db.close();
  }
});
