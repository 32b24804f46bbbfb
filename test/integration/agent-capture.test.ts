import { join } from 'node:path';
import { expect } from 'vitest';
import { withCurrentRows } from '../../src/core/current-rows.js';
import { rowKeyOf } from '../../src/core/row-codec.js';
import { spawnTsx } from '../helpers/child.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { adminPut, count, openPos, outboxRows } from '../helpers/local-db.js';
import { seedRows } from '../helpers/seed.js';

const LINES = {
  name: 'order_lines',
  key: ['order_id', 'line'],
  direction: 'both',
  create: { columns: { order_id: 'TEXT NOT NULL', line: 'INTEGER NOT NULL', product: 'TEXT', qty: 'INTEGER' } },
};

test('POS inserts, updates and deletes each write one outbox row naming the row; the push reads it as it is then', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10.5)").run();
    pos.prepare("UPDATE products SET price = 12 WHERE id = 'p1'").run();
    pos.prepare("INSERT INTO customers (id, first_name, email) VALUES ('c1', 'Ana', NULL)").run();
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p2', 'Pão de queijo', 7.25)").run();
    pos.prepare("DELETE FROM products WHERE id = 'p1'").run();

    const rows = outboxRows(pos);
    expect(rows.map((r) => [r.entity, r.row_key, r.op, r.data])).toEqual([
      ['products', 'p1', 'upsert', null],
      ['products', 'p1', 'upsert', null],
      ['customers', 'c1', 'upsert', null],
      ['products', 'p2', 'upsert', null],
      ['products', 'p1', 'delete', null],
    ]);
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'pending', attempts: 0, next_attempt_at: null, last_error: null });
      expect(Date.parse(r.created_at)).not.toBeNaN();
    }
    // The pull-only entity has no capture: a POS write there is not queued.
    pos.prepare("INSERT INTO orders (id, total) VALUES ('o-local', 1)").run();
    expect(outboxRows(pos, 'orders')).toEqual([]);

    const batch = await withCurrentRows(engine.context, await engine.outbox.due(10, new Date(), { force: true }));
    expect(batch.map((e) => [e.entity, e.rowKey, e.op, e.data])).toEqual([
      ['products', 'p1', 'delete', null],
      ['customers', 'c1', 'upsert', { id: 'c1', first_name: 'Ana', email: null, is_deleted: 0 }],
      ['products', 'p2', 'upsert', { id: 'p2', name: 'Pão de queijo', price: 7.25 }],
    ]);
    expect((await engine.sync()).stats.pushed).toBe(3);
    expect((await hub.store.adminGet('shop-1', 'products', 'p2'))?.data).toEqual({ id: 'p2', name: 'Pão de queijo', price: 7.25 });
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.deleted ?? true).toBe(true);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test("rows the agent writes while applying a pull are not captured; the POS's own writes still are", async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    const admin = await hub.adminKey();
    await adminPut(hub.url, admin, 'customers', 'c1', { id: 'c1', first_name: 'Ana', email: 'ana@example.com' });
    await adminPut(hub.url, admin, 'customers', 'c2', { id: 'c2', first_name: 'Bruno' });
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pulled).toBe(2);
    expect(pos.prepare('SELECT id, first_name FROM customers ORDER BY id').all()).toEqual([
      { id: 'c1', first_name: 'Ana' },
      { id: 'c2', first_name: 'Bruno' },
    ]);
    expect(outboxRows(pos)).toEqual([]);
    // The capture-off flag does not outlive the applying transaction.
    expect(count(pos, 'sync_capture_off')).toBe(0);
    pos.prepare("UPDATE customers SET first_name = 'Ana Maria' WHERE id = 'c1'").run();
    expect(outboxRows(pos).map((r) => [r.entity, r.row_key, r.op])).toEqual([['customers', 'c1', 'upsert']]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('a POS process writing while the agent applies pulled pages has every write captured, and no pulled row', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }), {
    pullPageSize: 100,
  });
  const pos = openPos(dbPath);
  const child = spawnTsx('./pos-child.ts', [dbPath, 'products']);
  try {
    await seedRows(hub, 'customers', 8000, (i) => ({ id: `c${i}`, first_name: `name ${i}` }), { prefix: 'c' });
    await waitFor(() => child.lines.includes('started'), 15_000, 'the POS child to start writing');

    const before = count(pos, 'products');
    const summary = await engine.sync({ direction: 'pull' });
    const after = count(pos, 'products');
    child.process.stdin.end();
    expect(await child.exited).toBe(0);

    expect(summary.status).toBe('DONE');
    expect(summary.stats.pulled).toBe(8000);
    // The POS really was committing while the pages were applied.
    expect(after).toBeGreaterThan(before);
    const written = Number(/^done (\d+)$/.exec(child.lines.find((l) => l.startsWith('done')) ?? '')?.[1]);
    expect(written).toBeGreaterThan(0);
    expect(count(pos, 'products')).toBe(written);
    const captured = outboxRows(pos, 'products');
    expect(captured).toHaveLength(written);
    expect(new Set(captured.map((r) => r.row_key)).size).toBe(written);
    expect(outboxRows(pos, 'customers')).toEqual([]);
    expect(count(pos, 'customers')).toBe(8000);
  } finally {
    child.process.kill('SIGKILL');
    await child.exited;
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('composite keys are captured as a JSON array row key and travel both ways', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: [LINES] }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO order_lines (order_id, line, product, qty) VALUES ('o1', 1, 'Pizza', 2), ('o \"1\" é', 2, 'Soda', 1)").run();
    const rows = outboxRows(pos);
    expect(rows.map((r) => r.row_key)).toEqual(['["o1",1]', '["o \\"1\\" é",2]']);
    // The same text the agent computes for a row (what pulls and conflicts use).
    expect(rows.map((r) => r.row_key)).toEqual([
      rowKeyOf({ order_id: 'o1', line: 1 }, LINES.key),
      rowKeyOf({ order_id: 'o "1" é', line: 2 }, LINES.key),
    ]);

    const admin = await hub.adminKey();
    await adminPut(hub.url, admin, 'order_lines', JSON.stringify(['o2', 3]), { product: 'Salad', qty: 4 });
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pushed).toBe(2);
    const onHub = await hub.store.adminList('shop-1', 'order_lines', { since: 0, limit: 10, includeDeleted: false });
    expect(onHub.map((r) => r.key).sort()).toEqual(['["o \\"1\\" é",2]', '["o1",1]', '["o2",3]'].sort());
    // The hub's row had no key fields in its data: they come from the composite key.
    expect(pos.prepare("SELECT order_id, line, product, qty FROM order_lines WHERE order_id = 'o2'").all()).toEqual([
      { order_id: 'o2', line: 3, product: 'Salad', qty: 4 },
    ]);
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('changing a row key queues a delete of the old key and an upsert of the new one', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: [ENTITIES[0], LINES] }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    pos.prepare("INSERT INTO order_lines (order_id, line, product) VALUES ('o1', 1, 'Pizza')").run();
    expect((await engine.sync()).stats.pushed).toBe(2);

    pos.prepare("UPDATE products SET id = 'p9' WHERE id = 'p1'").run();
    pos.prepare("UPDATE order_lines SET line = 2 WHERE order_id = 'o1' AND line = 1").run();
    const queued = outboxRows(pos).map((r) => [r.entity, r.row_key, r.op]);
    expect(queued).toHaveLength(4);
    expect(queued).toEqual(
      expect.arrayContaining([
        ['products', 'p1', 'delete'],
        ['products', 'p9', 'upsert'],
        ['order_lines', '["o1",1]', 'delete'],
        ['order_lines', '["o1",2]', 'upsert'],
      ]),
    );
    // An update that keeps the key is one upsert only.
    pos.prepare("UPDATE products SET price = 11 WHERE id = 'p9'").run();
    expect(outboxRows(pos)).toHaveLength(5);

    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.deleted).toBe(true);
    expect((await hub.store.adminGet('shop-1', 'products', 'p9'))?.data).toEqual({ id: 'p9', name: 'Pizza', price: 11 });
    expect((await hub.store.adminGet('shop-1', 'order_lines', '["o1",1]'))?.deleted).toBe(true);
    expect((await hub.store.adminGet('shop-1', 'order_lines', '["o1",2]'))?.deleted).toBe(false);
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test("a POS write of a BLOB value into a pushed table still succeeds, and the bytes reach the hub intact", async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const photos = { name: 'photos', direction: 'push', create: { columns: { id: 'TEXT NOT NULL', image: 'BLOB', caption: 'TEXT' } } };
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: [photos] }));
  const pos = openPos(dbPath);
  try {
    const bytes = Buffer.from([0xff, 0xd8, 0x00, 0xe9, 0xff]);
    expect(() => pos.prepare('INSERT INTO photos (id, image, caption) VALUES (?, ?, ?)').run('ph1', bytes, 'Pão de queijo')).not.toThrow();
    expect(outboxRows(pos)).toMatchObject([{ entity: 'photos', row_key: 'ph1', op: 'upsert', data: null }]);
    expect((await engine.sync()).stats.pushed).toBe(1);
    expect((await hub.store.adminGet('shop-1', 'photos', 'ph1'))?.data).toEqual({
      id: 'ph1',
      image: { $base64: bytes.toString('base64') },
      caption: 'Pão de queijo',
    });
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});
