import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ENTITIES, instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';

test('local writes reach the hub and hub writes reach the local table, with no echo', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const dbPath = join(dir, 'shop.db');
    const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
    const pos = new Database(dbPath);
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10), ('p2', 'Soda', 2)").run();
    pos.prepare("UPDATE products SET price = 11 WHERE id = 'p1'").run();

    const admin = await hub.adminKey();
    const put = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/orders/rows/o1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-api-key': admin },
      body: JSON.stringify({ data: { id: 'o1', total: 21, status: 'new', created_at: new Date().toISOString() } }),
    });
    expect(put.status).toBe(200);

    const first = await engine.sync();
    expect(first.status).toBe('DONE');
    expect(first.stats.pushed).toBe(2);

    const rows = await hub.store.adminList('shop-1', 'products', { since: 0, limit: 10, includeDeleted: false });
    expect(rows.map((r) => [r.key, r.data?.price]).sort()).toEqual([
      ['p1', 11],
      ['p2', 2],
    ]);
    const order = pos.prepare("SELECT id, total, status, daily_number FROM orders WHERE id = 'o1'").get();
    expect(order).toEqual({ id: 'o1', total: 21, status: 'new', daily_number: 1 });

    // The daily number flows back to the hub as a normal local update.
    const second = await engine.sync();
    expect(second.stats.pushed).toBe(1);
    expect((await hub.store.adminGet('shop-1', 'orders', 'o1'))?.data).toMatchObject({ daily_number: 1 });
    // Applying remote rows wrote nothing to the outbox; a third sync has nothing to do.
    const third = await engine.sync();
    expect(third.stats).toMatchObject({ pushed: 0, pulled: 0 });
    expect((await engine.outbox.counts()).pending).toBe(0);
    pos.close();
    await engine.close();
  } finally {
    await hub.stop();
  }
});
