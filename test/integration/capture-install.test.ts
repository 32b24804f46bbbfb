import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { expect } from 'vitest';
import { agentTables } from '../../src/core/agent-tables.js';
import { ensureCapture, inspectCapture } from '../../src/core/capture.js';
import { silentLogger } from '../../src/core/logger.js';
import { MySqlAdapter } from '../../src/core/store/mysql-adapter.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { spawnTsx } from '../helpers/child.js';
import { dovetail } from '../helpers/cli.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { count, openPos } from '../helpers/local-db.js';
import { openLocalStore, PORTABLE_ENTITIES, type LocalStore } from '../helpers/local-store.js';
import { parseConfig } from '../../src/core/config.js';

const schemaVersion = (db: Database.Database) => db.pragma('schema_version', { simple: true }) as number;
const triggerSql = (db: Database.Database) => db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all();

/** Rewrites the products insert trigger with an older-looking (still working) definition, atomically. */
function makeOutdated(pos: Database.Database): void {
  const [row] = pos.prepare("SELECT sql FROM sqlite_master WHERE name = 'sync_outbox_products_insert'").all() as { sql: string }[];
  pos.transaction(() => {
    pos.exec('DROP TRIGGER "sync_outbox_products_insert"');
    pos.exec(row!.sql.replace(' WHEN ', ' WHEN 1 AND '));
  })();
}

test('read-only commands leave the schema alone; sync replaces nothing that is current; a missing trigger is an error in status', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({ hub: { url: hub.url, apiKey: await hub.nodeKey() }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }),
    );
    const fresh = await dovetail(['status'], { cwd: dir });
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/shop\.db does not exist/);
    expect(existsSync(join(dir, 'shop.db'))).toBe(false);

    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
    const pos = openPos(join(dir, 'shop.db'));
    try {
      const version = schemaVersion(pos);
      const triggers = triggerSql(pos);
      expect(triggers).toHaveLength(8);
      for (const args of [['status'], ['runs'], ['outbox', 'failed'], ['conflicts', 'list'], ['sync']]) {
        const result = await dovetail(args, { cwd: dir });
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        expect(schemaVersion(pos), `dovetail ${args.join(' ')} changed the schema`).toBe(version);
      }
      expect(triggerSql(pos)).toEqual(triggers);
      expect((await dovetail(['status'], { cwd: dir })).stdout).toMatch(/capture: +ok \(2 pushed tables\)/);

      pos.exec('DROP TRIGGER "sync_outbox_customers_delete"');
      const broken = await dovetail(['status'], { cwd: dir });
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/customers +ERROR incomplete: sync_outbox_customers_delete not installed/);
      expect(schemaVersion(pos)).toBe(version + 1);

      makeOutdated(pos);
      expect((await dovetail(['status'], { cwd: dir })).stdout).toMatch(/products +outdated: still capturing/);
      expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
      expect(triggerSql(pos)).toEqual(triggers);
      expect((await dovetail(['status'], { cwd: dir })).code).toBe(0);
    } finally {
      pos.close();
    }
  } finally {
    await hub.stop();
  }
}, 120_000);

test('a POS committing continuously while commands come and go and capture is upgraded: every committed row reaches the hub', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const config = instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES });
  await (await openEngine(config)).close();
  const pos = spawnTsx('./pos-child.ts', [dbPath, 'products']);
  const admin = openPos(dbPath);
  try {
    await waitFor(() => pos.lines.includes('started'), 10_000, 'the POS to commit its first row');
    for (let i = 0; i < 30; i++) {
      // Every other open finds the capture outdated and replaces it while the POS writes.
      if (i % 2 === 0) makeOutdated(admin);
      const engine = await SyncEngine.open(config, { logger: silentLogger(), schema: i % 3 === 2 ? 'check' : 'prepare' });
      await engine.status();
      await engine.close();
    }
    pos.process.stdin.end();
    expect(await pos.exited).toBe(0);
    const written = Number(/done (\d+)/.exec(pos.lines.join('\n'))?.[1]);
    expect(written).toBeGreaterThan(100);
    expect(count(admin, 'products')).toBe(written);
    const engine = await openEngine(config);
    try {
      expect((await engine.captureHealth()).map((c) => c.state)).toEqual(['ok', 'ok']);
      const summary = await engine.sync();
      expect(summary.status).toBe('DONE');
      expect(summary.stats.pushed).toBe(written);
    } finally {
      await engine.close();
    }
    expect((await hub.store.status('shop-1')).entities.find((e) => e.entity === 'products')?.rows).toBe(written);
  } finally {
    pos.process.kill();
    admin.close();
    await hub.stop();
  }
});

function mysqlConfig(store: LocalStore, url: string, apiKey: string) {
  return parseConfig({ hub: { url, apiKey, timeoutMs: 5000 }, database: store.database, entities: PORTABLE_ENTITIES }, { baseDir: '/' }).instances[0]!;
}

test('MariaDB: a POS transaction open on a pushed table neither blocks a sync nor leaves the table partly captured', async ({ dir }) => {
  const hub = await startHub(dir);
  const store = await openLocalStore('mysql', dir);
  const config = mysqlConfig(store, hub.url, await hub.nodeKey());
  const open = (lockWaitSeconds = 1) => SyncEngine.open(config, { logger: silentLogger(), lockWaitSeconds });
  const held = await MySqlAdapter.open({ ...(config.database as Extract<typeof config.database, { type: 'mysql' }>) });
  const t = agentTables('sync_');
  const products = config.entities.find((e) => e.name === 'products')!;
  try {
    await (await open()).close();
    await store.run("INSERT INTO products (id, name, price) VALUES ('p0', 'Before', 1)");

    // The POS holds the table in an open transaction: triggers that are current are not touched.
    await store.run('BEGIN');
    await store.run("INSERT INTO products (id, name, price) VALUES ('p1', 'Held', 2)");
    let engine = await open();
    expect((await engine.sync()).stats.pushed).toBe(1);

    // Outdated triggers cannot be replaced while the POS holds the table: the sync still runs
    // and every event stays captured by the triggers in place.
    await held.run(
      "CREATE OR REPLACE TRIGGER `sync_outbox_customers_insert` AFTER INSERT ON `customers` FOR EACH ROW BEGIN IF 1 THEN INSERT INTO sync_outbox (entity, row_key, op, data, created_at) VALUES ('customers', NEW.id, 'upsert', JSON_OBJECT('id', NEW.id, 'first_name', NEW.first_name, 'email', NEW.email, 'is_deleted', NEW.is_deleted), '2026-01-01T00:00:00.000Z'); END IF; END",
    );
    await store.run("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')");
    await engine.close();
    engine = await open();
    expect((await engine.captureHealth()).map((c) => [c.entity, c.state])).toEqual([
      ['products', 'ok'],
      ['customers', 'outdated'],
      ['contact_sectors', 'ok'],
    ]);

    // With a trigger of a table missing, an open while the POS holds that table fails fast,
    // naming the table, and leaves the triggers in place as they were.
    await engine.close();
    await store.run('COMMIT');
    await held.run('DROP TRIGGER `sync_outbox_products_update`');
    await store.run('BEGIN');
    await store.run("INSERT INTO products (id, name, price) VALUES ('p2', 'Held again', 5)");
    await expect(open()).rejects.toThrow(/capture triggers of table "products": another connection kept it busy for more than 1 s/);
    await store.run('COMMIT');
    expect((await inspectCapture(held, t, products)).state).toBe('incomplete');

    engine = await open();
    expect((await engine.captureHealth()).every((c) => c.state === 'ok')).toBe(true);
    await store.run("UPDATE products SET price = 3 WHERE id = 'p1'");
    await store.run("UPDATE products SET price = 4 WHERE id = 'p0'");
    const summary = await engine.sync();
    await engine.close();
    expect(summary.status).toBe('DONE');
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toMatchObject({ price: 3 });
    expect((await hub.store.adminGet('shop-1', 'products', 'p0'))?.data).toMatchObject({ price: 4 });
    expect((await hub.store.adminGet('shop-1', 'products', 'p2'))?.data).toMatchObject({ price: 5 });
    expect((await hub.store.adminGet('shop-1', 'customers', 'c1'))?.data).toMatchObject({ first_name: 'Ana' });

    // MySQL 8's way (a twin created before the old one is dropped) works on MariaDB too.
    await held.run('CREATE OR REPLACE TRIGGER `sync_outbox_products_insert` AFTER INSERT ON `products` FOR EACH ROW BEGIN END');
    const asMysql = Object.create(held, { flavor: { value: 'mysql' } }) as MySqlAdapter;
    expect((await inspectCapture(asMysql, t, products)).state).toBe('outdated');
    expect(await ensureCapture(asMysql, t, products)).toBe(true);
    expect((await inspectCapture(asMysql, t, products)).state).toBe('ok');
    const names = await store.all<{ name: string }>(
      'SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ? ORDER BY 1',
      ['products'],
    );
    expect(names.map((n) => n.name)).toEqual(['sync_outbox_products_delete', 'sync_outbox_products_insert', 'sync_outbox_products_update']);
  } finally {
    await store.run('ROLLBACK').catch(() => undefined);
    await held.close();
    await store.close();
    await hub.stop();
  }
});
