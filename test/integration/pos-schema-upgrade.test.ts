import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { toWireRow } from '../../src/core/row-codec.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { Agent } from '../../src/core/agent.js';
import { startHub, test, waitFor, type RunningHub } from '../helpers/fixtures.js';
import { MYSQL } from '../helpers/local-store.js';
import { dovetail } from '../helpers/cli.js';
import { openLocalStore, type LocalStore } from '../helpers/local-store.js';

/** A table the POS owns (no `create`): Dovetail only captures it. */
const ITEMS = { name: 'items', direction: 'push' };
const CUSTOMERS = { name: 'customers', direction: 'push' };

function open(local: LocalStore, hub: RunningHub, apiKey: string, entities: unknown[] = [ITEMS, CUSTOMERS]): Promise<SyncEngine> {
  const config = parseConfig({ hub: { url: hub.url, apiKey, timeoutMs: 20_000 }, database: local.database, entities }, { baseDir: '/', env: {} });
  return SyncEngine.open(config.instances[0]!, { logger: silentLogger(), lockWaitSeconds: 5 });
}

/**
 * The POS's own connection for its schema migrations: SQLite, a second connection to the file;
 * MariaDB, a second session (the POS's updater is a separate process from the till).
 */
async function migrator(local: LocalStore): Promise<{ run(sql: string): Promise<void>; close(): Promise<void> }> {
  if (local.kind === 'sqlite') {
    const db = new Database(String(local.database.path));
    db.pragma('busy_timeout = 5000');
    return {
      run: (sql) => {
        db.exec(sql);
        return Promise.resolve();
      },
      close: () => Promise.resolve(void db.close()),
    };
  }
  const connection = await mysql.createConnection({ ...MYSQL, database: String(local.database.database) });
  return { run: async (sql) => void (await connection.query(sql)), close: () => connection.end() };
}

/** Every item row as the agent reads it for the hub, by key. */
async function localItems(engine: SyncEngine): Promise<Map<string, Record<string, unknown>>> {
  const rows = await engine.db.readExact('SELECT * FROM items');
  return new Map(rows.map((r) => [r.id as string, toWireRow(r)]));
}

async function hubItems(hub: RunningHub): Promise<Map<string, Record<string, unknown>>> {
  const rows = await hub.store.adminList('shop-1', 'items', { since: 0, limit: 100_000, includeDeleted: false });
  return new Map(rows.map((r) => [r.key, r.data ?? {}]));
}

/** Every local row is on the hub with each of its current columns equal; the hub has no other live row. */
async function expectHubHoldsTheTable(engine: SyncEngine, hub: RunningHub): Promise<void> {
  const local = await localItems(engine);
  const remote = await hubItems(hub);
  expect([...remote.keys()].sort()).toEqual([...local.keys()].sort());
  for (const [key, row] of local) expect(remote.get(key), `item ${key}`).toMatchObject(row);
}

async function drain(engine: SyncEngine): Promise<void> {
  for (let i = 0; i < 5 && (await engine.outbox.counts()).pending > 0; i++) expect((await engine.sync()).status).toBe('DONE');
  expect(await engine.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
}

describe.each(['sqlite', 'mysql'] as const)('the POS upgrades its own database (%s)', (kind) => {
  test('add, drop and rename columns while the agent syncs and while it is stopped: no POS statement fails, every row reaches the hub in the new shape', { timeout: 90_000 }, async ({ dir }) => {
    const hub = await startHub(dir, { rateLimit: false });
    const local = await openLocalStore(kind, dir);
    const ddl = await migrator(local);
    const decimal = kind === 'mysql' ? 'DECIMAL(10,2)' : 'NUMERIC';
    try {
      await local.run(`CREATE TABLE items (id VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR(200), price ${decimal}, legacy_code VARCHAR(20))`);
      await local.run('CREATE TABLE customers (id VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR(200))');
      // Rows the shop had before Dovetail: they are part of the table the hub must hold.
      for (let i = 0; i < 20; i++) await local.run('INSERT INTO items (id, name, price, legacy_code) VALUES (?, ?, ?, ?)', [`old${i}`, `Old ${i}`, i + 0.5, `L${i}`]);
      const apiKey = await hub.nodeKey();
      let engine = await open(local, hub, apiKey);

      // The till sells throughout; at sale 120 its updater migrates the table, and from then on
      // the till writes the new columns. The agent syncs all the while.
      const failures: string[] = [];
      let upgraded = false;
      let done = false;
      const pos = async (sql: string, params: unknown[]) => {
        try {
          await local.run(sql, params);
        } catch (error) {
          failures.push(`${sql}: ${(error as Error).message}`);
        }
      };
      const runs: string[] = [];
      let migratedAtRun = 0;
      const till = (async () => {
        for (let n = 0; n < 300; n++) {
          // Syncs happen before, during and after the upgrade, whatever the machine's speed.
          if (n === 120) await waitFor(() => runs.length >= 1, 20_000, 'a run before the upgrade');
          if (n === 200) await waitFor(() => runs.length > migratedAtRun, 20_000, 'a run after the upgrade');
          if (n === 120) {
            migratedAtRun = runs.length;
            await ddl.run("ALTER TABLE items ADD COLUMN category VARCHAR(32) NOT NULL DEFAULT 'misc'");
            await ddl.run('ALTER TABLE items DROP COLUMN legacy_code');
            await ddl.run('ALTER TABLE items RENAME COLUMN price TO unit_price');
            upgraded = true;
          }
          if (upgraded) {
            await pos('INSERT INTO items (id, name, unit_price, category) VALUES (?, ?, ?, ?)', [`s${n}`, `Pão de queijo ${n}`, n + 0.25, n % 2 ? 'bakery' : 'drinks']);
            await pos('UPDATE items SET unit_price = unit_price + 1 WHERE id = ?', [`s${n - 7}`]);
          } else {
            await pos('INSERT INTO items (id, name, price, legacy_code) VALUES (?, ?, ?, ?)', [`s${n}`, `Café ${n}`, n + 0.25, `C${n}`]);
            await pos('UPDATE items SET price = price + 1 WHERE id = ?', [`s${n - 7}`]);
          }
          if (n % 25 === 0) await pos('DELETE FROM items WHERE id = ?', [`s${n - 3}`]);
          await pos('INSERT INTO customers (id, name) VALUES (?, ?)', [`c${n}`, `Cliente ${n}`]);
          await new Promise((resolve) => setImmediate(resolve));
        }
        done = true;
      })();
      while (!done) runs.push((await engine.sync()).status);
      await till;
      expect(failures).toEqual([]);
      // The last run may have started while the updater was still at work: one more sees it all.
      expect((await engine.sync()).status).toBe('DONE');
      await drain(engine);
      expect(runs.length).toBeGreaterThan(1);
      expect(runs.every((s) => s === 'DONE')).toBe(true);
      await expectHubHoldsTheTable(engine, hub);
      expect((await hubItems(hub)).get('s130')).toMatchObject({ name: 'Pão de queijo 130', category: 'drinks' });
      // A row that existed before the upgrade got the new column's value too (the table was queued again).
      expect((await hubItems(hub)).get('old3')).toMatchObject({ category: 'misc', unit_price: 3.5 });
      // Noticed in one step or several (a run may fall between the updater's statements).
      const changes = (await engine.status()).schemaChanges;
      expect(new Set(changes.map((c) => c.entity))).toEqual(new Set(['items']));
      expect(changes.flatMap((c) => c.added).sort()).toEqual(['category', 'unit_price']);
      expect(changes.flatMap((c) => c.dropped).sort()).toEqual(['legacy_code', 'price']);
      expect((await hub.store.adminList('shop-1', 'customers', { since: 0, limit: 1000, includeDeleted: false })).length).toBe(300);

      // Now while the agent is stopped: the POS upgrades again and sells.
      await engine.close();
      await ddl.run('ALTER TABLE items ADD COLUMN note TEXT');
      await ddl.run('ALTER TABLE items DROP COLUMN category');
      for (let n = 300; n < 340; n++) await pos('INSERT INTO items (id, name, unit_price, note) VALUES (?, ?, ?, ?)', [`s${n}`, `Empada ${n}`, n, 'sem glúten 🌽']);
      expect(failures).toEqual([]);
      engine = await open(local, hub, apiKey);
      await drain(engine);
      await expectHubHoldsTheTable(engine, hub);
      expect((await hubItems(hub)).get('s333')).toMatchObject({ name: 'Empada 333', note: 'sem glúten 🌽', unit_price: 333 });
      expect((await engine.status()).schemaChanges.at(-1)).toMatchObject({ entity: 'items', added: ['note'], dropped: ['category'] });
      await engine.close();
    } finally {
      await ddl.close();
      await local.close();
      await hub.stop();
    }
  });

  test('a key column renamed: the entity stops loudly, its capture goes so the POS keeps selling, the others sync; it resumes when the key is back', { timeout: 60_000 }, async ({ dir }) => {
    const hub = await startHub(dir);
    const local = await openLocalStore(kind, dir);
    const ddl = await migrator(local);
    try {
      await local.run('CREATE TABLE items (id VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR(200))');
      await local.run('CREATE TABLE customers (id VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR(200))');
      await local.run("INSERT INTO items (id, name) VALUES ('i1', 'Café')");
      let engine = await open(local, hub, await hub.nodeKey());
      expect((await engine.sync()).stats.pushed).toBe(1);

      await ddl.run('ALTER TABLE items RENAME COLUMN id TO item_id');
      await local.run("INSERT INTO customers (id, name) VALUES ('c1', 'Ana')");
      const summary = await engine.sync();
      expect(summary.status).toBe('FAILED');
      expect(summary.errorCode).toBe('schema');
      expect(summary.error).toMatch(/entity "items" stopped: key column "id" no longer in table "items" \(dropped or renamed\)/);
      expect(summary.modules.push).toMatchObject({ status: 'done' });
      expect(summary.stats.pushed).toBe(1);
      expect((await engine.status()).stopped).toEqual([{ entity: 'items', reason: expect.stringMatching(/^entity "items" stopped/) as unknown }]);
      expect((await engine.captureHealth()).find((c) => c.entity === 'items')?.state).toBe('missing');

      // The POS sells with its new key column: nothing of ours is in its way.
      await local.run("INSERT INTO items (item_id, name) VALUES ('i2', 'Pão de queijo')");
      await local.run("UPDATE items SET name = 'Café com leite' WHERE item_id = 'i1'");
      await engine.close();
      // A restart keeps it stopped (and says why) instead of refusing to start.
      engine = await open(local, hub, await hub.nodeKey('shop-1', 'again'));
      expect((await engine.sync()).error).toMatch(/entity "items" stopped/);

      await ddl.run('ALTER TABLE items RENAME COLUMN item_id TO id');
      const resumed = await engine.sync();
      expect(resumed.status).toBe('DONE');
      expect(resumed.stats.pushed).toBe(2);
      expect((await hubItems(hub)).get('i1')).toMatchObject({ name: 'Café com leite' });
      expect((await hubItems(hub)).get('i2')).toMatchObject({ name: 'Pão de queijo' });
      expect((await engine.captureHealth()).every((c) => c.state === 'ok')).toBe(true);
      await engine.close();
    } finally {
      await ddl.close();
      await local.close();
      await hub.stop();
    }
  });
});

test('MariaDB: a POS sells accented text and binary BLOBs into a captured table; every statement succeeds and every byte reaches the hub', async ({ dir }) => {
  const hub = await startHub(dir);
  const local = await openLocalStore('mysql', dir);
  try {
    await local.run('CREATE TABLE t (id VARCHAR(64) PRIMARY KEY, note VARCHAR(64), b BLOB)');
    const engine = await open(local, hub, await hub.nodeKey(), [{ name: 't', direction: 'push' }]);
    await local.run("INSERT INTO t VALUES ('1', 'plain', NULL)");
    await local.run("INSERT INTO t VALUES ('2', 'café', NULL)");
    await local.run("INSERT INTO t VALUES ('3', 'Pão de queijo', X'00FF')");
    await local.run("INSERT INTO t VALUES ('4', 'ñandú 🍕', X'C3A9FFFE00')");
    expect((await engine.sync()).stats.pushed).toBe(4);
    const rows = await hub.store.adminList('shop-1', 't', { since: 0, limit: 10, includeDeleted: false });
    expect(Object.fromEntries(rows.map((r) => [r.key, r.data]))).toEqual({
      '1': { id: '1', note: 'plain', b: null },
      '2': { id: '2', note: 'café', b: null },
      '3': { id: '3', note: 'Pão de queijo', b: { $base64: Buffer.from([0x00, 0xff]).toString('base64') } },
      '4': { id: '4', note: 'ñandú 🍕', b: { $base64: Buffer.from([0xc3, 0xa9, 0xff, 0xfe, 0x00]).toString('base64') } },
    });
    await engine.close();
  } finally {
    await local.close();
    await hub.stop();
  }
});

test('MariaDB, the running agent: a key column renamed by the POS is noticed within seconds, without any write, and the POS sells again', { timeout: 60_000 }, async ({ dir }) => {
  const hub = await startHub(dir);
  const local = await openLocalStore('mysql', dir);
  const ddl = await migrator(local);
  await local.run('CREATE TABLE items (id VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR(200))');
  await local.run('CREATE TABLE customers (id VARCHAR(64) NOT NULL PRIMARY KEY, name VARCHAR(200))');
  const engine = await open(local, hub, await hub.nodeKey());
  // Polling every 24 h: only the agent's own watch of the tables can notice the change.
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 24 * 60 });
  try {
    await agent.start();
    await waitFor(() => agent.status().state === 'online', 10_000, 'online');
    await agent.idle();
    await ddl.run('ALTER TABLE items RENAME COLUMN id TO item_id');
    await waitFor(() => agent.status().lastErrorCode === 'schema', 10_000, 'the entity stopped in status');
    expect(agent.status().lastError).toMatch(/entity "items" stopped: key column "id" no longer in table "items"/);
    await local.run("INSERT INTO items (item_id, name) VALUES ('i1', 'Pão de queijo')");
    await local.run("INSERT INTO customers (id, name) VALUES ('c1', 'Ana')");
    await waitFor(async () => (await hub.store.adminGet('shop-1', 'customers', 'c1'))?.data?.name === 'Ana', 10_000, 'the other entity still syncing');
  } finally {
    await agent.stop();
    await engine.close();
    await ddl.close();
    await local.close();
    await hub.stop();
  }
});

test('dovetail capture remove before a POS upgrade: the POS drops a key column freely; the next sync reinstalls capture and sends the rows written meanwhile', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const pos = new Database(dbPath);
  try {
    pos.exec('CREATE TABLE lines (order_id TEXT NOT NULL, line INTEGER NOT NULL, code TEXT, qty INTEGER, PRIMARY KEY (order_id, line))');
    pos.exec("INSERT INTO lines VALUES ('o1', 1, 'A', 1)");
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({
        hub: { url: hub.url, apiKey: await hub.nodeKey() },
        database: { type: 'sqlite', path: 'shop.db' },
        entities: [{ name: 'lines', key: ['order_id', 'line', 'code'], direction: 'push' }],
      }),
    );
    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
    // With capture on, SQLite refuses to drop a key column our triggers name.
    expect(() => pos.exec('ALTER TABLE lines DROP COLUMN code')).toThrow(/error in trigger/);
    const removed = await dovetail(['capture', 'remove', 'lines'], { cwd: dir });
    expect(removed.stdout).toMatch(/capture removed from lines/);
    pos.exec('ALTER TABLE lines DROP COLUMN code');
    pos.exec("INSERT INTO lines VALUES ('o1', 2, 5)");
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({
        hub: { url: hub.url, apiKey: await hub.nodeKey('shop-1', 'after') },
        database: { type: 'sqlite', path: 'shop.db' },
        entities: [{ name: 'lines', key: ['order_id', 'line'], direction: 'push' }],
      }),
    );
    const synced = await dovetail(['sync'], { cwd: dir });
    expect(synced.code, synced.stderr).toBe(0);
    expect((await hub.store.adminGet('shop-1', 'lines', '["o1",2]'))?.data).toEqual({ order_id: 'o1', line: 2, qty: 5 });
    expect((await hub.store.adminGet('shop-1', 'lines', '["o1",1]'))?.data).toEqual({ order_id: 'o1', line: 1, qty: 1 });
  } finally {
    pos.close();
    await hub.stop();
  }
});
