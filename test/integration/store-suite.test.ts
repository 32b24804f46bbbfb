import { describe, expect } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { startHub, test, type RunningHub } from '../helpers/fixtures.js';
import { openLocalStore, PORTABLE_ENTITIES, type LocalStore } from '../helpers/local-store.js';

async function open(local: LocalStore, hub: RunningHub, apiKey: string, extra: Record<string, unknown> = {}) {
  const config = parseConfig(
    { hub: { url: hub.url, apiKey, timeoutMs: 5000 }, database: local.database, entities: PORTABLE_ENTITIES, ...extra },
    { baseDir: '/', env: {} },
  );
  return SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
}

const admin = async (hub: RunningHub, key: string, entity: string, id: string, data: Record<string, unknown> | null) => {
  const response = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/${entity}/rows/${encodeURIComponent(id)}`, {
    method: data ? 'PUT' : 'DELETE',
    headers: data ? { 'content-type': 'application/json', 'x-api-key': key } : { 'x-api-key': key },
    body: data ? JSON.stringify({ data }) : undefined,
  });
  expect(response.status).toBe(200);
};

// One suite, both engines: what the agent promises must hold on SQLite and on MariaDB alike.
describe.each(['sqlite', 'mysql'] as const)('local store on %s', (kind) => {
  test('migrations run once; opening again applies nothing and keeps the outbox identity', async ({ dir }) => {
    const hub = await startHub(dir);
    const local = await openLocalStore(kind, dir);
    try {
      const key = await hub.nodeKey();
      const first = await open(local, hub, key);
      const source = await first.state.meta('outbox_source', () => 'never');
      const ids = (await first.status()).migrations.map((m) => m.id);
      await first.close();
      const second = await open(local, hub, key);
      expect((await second.status()).migrations.map((m) => m.id)).toEqual(ids);
      expect(ids).toContain('2026-11-22-001-agent-tables');
      expect(await second.state.meta('outbox_source', () => 'never')).toBe(source);
      await second.close();
    } finally {
      await local.close();
      await hub.stop();
    }
  });

  test('capture: the shop\'s insert/update/delete each queue one change; the agent\'s own applies do not', async ({ dir }) => {
    const hub = await startHub(dir);
    const local = await openLocalStore(kind, dir);
    try {
      const engine = await open(local, hub, await hub.nodeKey());
      await local.run("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)");
      await local.run("UPDATE products SET price = 12 WHERE id = 'p1'");
      await local.run("INSERT INTO contact_sectors (contact_id, sector_id, note) VALUES (7, 3, 'vip')");
      await local.run("DELETE FROM products WHERE id = 'p1'");
      const rows = await local.all<{ entity: string; row_key: string; op: string; data: string | null }>(
        'SELECT entity, row_key, op, data FROM sync_outbox ORDER BY seq',
      );
      expect(rows.map((r) => [r.entity, r.row_key, r.op])).toEqual([
        ['products', 'p1', 'upsert'],
        ['products', 'p1', 'upsert'],
        ['contact_sectors', '[7,3]', 'upsert'],
        ['products', 'p1', 'delete'],
      ]);
      // The outbox names the rows only: their data is read from the table when pushed.
      expect(rows.every((r) => r.data === null)).toBe(true);

      await admin(hub, await hub.adminKey(), 'customers', 'c1', { id: 'c1', first_name: 'Ana' });
      const summary = await engine.sync();
      expect(summary.status).toBe('DONE');
      expect(await local.all("SELECT first_name FROM customers WHERE id = 'c1'")).toEqual([{ first_name: 'Ana' }]);
      expect(await local.all('SELECT COUNT(*) AS n FROM sync_outbox')).toEqual([{ n: 0 }]);
      await engine.close();
    } finally {
      await local.close();
      await hub.stop();
    }
  });

  test('round trip: pushes collapse, pulls apply with soft delete and daily numbers that flow back', async ({ dir }) => {
    const hub = await startHub(dir);
    const local = await openLocalStore(kind, dir);
    try {
      const engine = await open(local, hub, await hub.nodeKey());
      const key = await hub.adminKey();
      for (let i = 1; i <= 5; i++) await local.run('INSERT INTO products (id, name, price) VALUES (?, ?, ?)', [`p${i}`, `P${i}`, i]);
      await local.run("UPDATE products SET price = 50 WHERE id = 'p5'");
      const today = new Date().toISOString();
      await admin(hub, key, 'orders', 'o1', { id: 'o1', total: 20, status: 'new', created_at: today });
      await admin(hub, key, 'orders', 'o2', { id: 'o2', total: 30, status: 'new', created_at: today });
      await admin(hub, key, 'customers', 'c1', { id: 'c1', first_name: 'Ana' });
      expect((await engine.sync()).stats.pushed).toBe(5);
      const products = await hub.store.adminList('shop-1', 'products', { since: 0, limit: 10, includeDeleted: false });
      expect(products.find((p) => p.key === 'p5')?.data).toEqual({ id: 'p5', name: 'P5', price: 50 });
      expect(await local.all('SELECT id, daily_number FROM orders ORDER BY daily_number')).toEqual([
        { id: 'o1', daily_number: 1 },
        { id: 'o2', daily_number: 2 },
      ]);
      await admin(hub, key, 'customers', 'c1', null);
      const second = await engine.sync();
      expect(second.stats.pushed).toBe(2);
      expect((await hub.store.adminGet('shop-1', 'orders', 'o2'))?.data).toMatchObject({ daily_number: 2, status: 'new' });
      expect(await local.all("SELECT is_deleted FROM customers WHERE id = 'c1'")).toEqual([{ is_deleted: 1 }]);
      const third = await engine.sync();
      expect(third.stats).toMatchObject({ pushed: 0, pulled: 0 });
      await engine.close();
    } finally {
      await local.close();
      await hub.stop();
    }
  });

  test('a replica migration from config runs once and is recorded', async ({ dir }) => {
    const hub = await startHub(dir);
    const local = await openLocalStore(kind, dir);
    try {
      const migrations = [
        { id: '2026-02-03-001-add-bot-id-column', description: 'Add bot_id to customers', sql: 'ALTER TABLE customers ADD COLUMN bot_id INTEGER NULL' },
      ];
      const key = await hub.nodeKey();
      await (await open(local, hub, key, { migrations })).close();
      const engine = await open(local, hub, key, { migrations });
      const status = await engine.status();
      expect(status.migrations.filter((m) => m.id === '2026-02-03-001-add-bot-id-column')).toHaveLength(1);
      await local.run("INSERT INTO customers (id, first_name, bot_id) VALUES ('c2', 'Bo', 9)");
      await engine.close();
    } finally {
      await local.close();
      await hub.stop();
    }
  });
});
