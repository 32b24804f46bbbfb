import { join } from 'node:path';
import { expect } from 'vitest';
import { ENTITIES, instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { recordBodies, startHubWith } from '../helpers/hub-harness.js';
import { openPos, outboxRows } from '../helpers/local-db.js';

interface PushBody {
  changes: { seq: number; entity: string; key: string; op: string; data: Record<string, unknown> | null; baseVersion: number | null }[];
}

test('several writes to one row before a push are sent as one change with the latest data', async ({ dir }) => {
  let bodies: unknown[] = [];
  const hub = await startHubWith(dir, (app) => (bodies = recordBodies(app, '/v1/push')));
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    for (const price of [11, 12, 13]) pos.prepare('UPDATE products SET price = ? WHERE id = ?').run(price, 'p1');
    pos.prepare("UPDATE products SET name = 'Pizza grande' WHERE id = 'p1'").run();
    // Created and deleted before any push: nothing for the hub to keep.
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('tmp', 'Typo', 1)").run();
    pos.prepare("DELETE FROM products WHERE id = 'tmp'").run();
    expect(outboxRows(pos)).toHaveLength(7);

    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pushed).toBe(2);
    expect(bodies).toHaveLength(1);
    const sent = (bodies[0] as PushBody).changes;
    expect(sent.map((c) => [c.entity, c.key, c.op, c.data, c.baseVersion])).toEqual([
      ['products', 'p1', 'upsert', { id: 'p1', name: 'Pizza grande', price: 13 }, null],
      ['products', 'tmp', 'delete', null, null],
    ]);
    // One write on the hub: one version bump, the latest data.
    expect((await hub.store.status('shop-1')).head).toBe(1);
    expect(await hub.store.adminGet('shop-1', 'products', 'p1')).toMatchObject({
      version: 1,
      data: { id: 'p1', name: 'Pizza grande', price: 13 },
    });
    expect(await hub.store.adminGet('shop-1', 'products', 'tmp')).toBeNull();
    expect(outboxRows(pos)).toEqual([]);

    // The next change of the row is sent on top of the version the hub gave it.
    pos.prepare("UPDATE products SET price = 14 WHERE id = 'p1'").run();
    expect((await engine.sync()).stats.pushed).toBe(1);
    expect((bodies[1] as PushBody).changes.map((c) => [c.key, c.baseVersion, c.data?.price])).toEqual([['p1', 1, 14]]);
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.version).toBe(2);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('a change the hub rejects is parked as failed with its error; the rest is pushed; retry and discard work', async ({ dir }) => {
  const dbPath = join(dir, 'shop.db');
  const hubDb = join(dir, 'hub.db');
  // This hub does not know "products".
  let hub = await startHub(dir, { entities: ['customers', 'orders'], dbPath: hubDb });
  const apiKey = await hub.nodeKey();
  let engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10), ('p2', 'Soda', 2)").run();
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();

    const first = await engine.sync();
    expect(first.status).toBe('DONE');
    expect(first.stats).toMatchObject({ pushed: 1, failed: 2 });
    expect((await hub.store.adminGet('shop-1', 'customers', 'c1'))?.data).toMatchObject({ first_name: 'Ana' });
    const failed = await engine.outbox.failed();
    expect(failed.map((f) => [f.entity, f.rowKey, f.op, f.attempts])).toEqual([
      ['products', 'p1', 'upsert', 1],
      ['products', 'p2', 'upsert', 1],
    ]);
    for (const f of failed) expect(f.lastError).toMatch(/unknown_entity.*products/);
    expect(await engine.outbox.counts()).toMatchObject({ pending: 0, failed: 2 });

    // Parked entries are not sent again by a plain sync.
    const second = await engine.sync();
    expect(second.stats).toMatchObject({ pushed: 0, failed: 0 });

    // Retried while the hub still refuses: parked again, one more attempt.
    expect(await engine.outbox.retryFailed([failed[0]!.seq])).toBe(1);
    expect(await engine.outbox.counts()).toMatchObject({ pending: 1, failed: 1 });
    const third = await engine.sync();
    expect(third.stats).toMatchObject({ pushed: 0, failed: 1 });
    expect((await engine.outbox.failed()).map((f) => [f.rowKey, f.attempts])).toEqual([
      ['p1', 2],
      ['p2', 1],
    ]);

    // The hub learns "products": p1 is retried and delivered, p2 discarded for good. (The retried entry
    // must not be answered with the hub's stored receipt of the earlier rejection.)
    await engine.close();
    await hub.stop();
    hub = await startHub(dir, { dbPath: hubDb });
    engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: ENTITIES }));
    expect(await engine.outbox.discardFailed([failed[1]!.seq])).toBe(1);
    expect(await engine.outbox.retryFailed()).toBe(1);
    const fourth = await engine.sync();
    expect(fourth.stats).toMatchObject({ pushed: 1, failed: 0 });
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ id: 'p1', name: 'Pizza', price: 10 });
    expect(await hub.store.adminGet('shop-1', 'products', 'p2')).toBeNull();
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('retrying a failed change that a later pushed change superseded does not overwrite the hub with stale data', async ({ dir }) => {
  const dbPath = join(dir, 'shop.db');
  const hubDb = join(dir, 'hub.db');
  let hub = await startHub(dir, { entities: ['customers', 'orders'], dbPath: hubDb });
  const apiKey = await hub.nodeKey();
  let engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    expect((await engine.sync()).stats.failed).toBe(1);
    await engine.close();
    await hub.stop();
    hub = await startHub(dir, { dbPath: hubDb });
    engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: ENTITIES }));

    // The shop changes the price; that change is delivered.
    pos.prepare("UPDATE products SET price = 20 WHERE id = 'p1'").run();
    expect((await engine.sync()).stats.pushed).toBe(1);
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toMatchObject({ price: 20 });

    // Someone presses "retry" on whatever is still listed as failed.
    await engine.outbox.retryFailed();
    await engine.sync();
    const local = pos.prepare("SELECT id, name, price FROM products WHERE id = 'p1'").get();
    expect(local).toEqual({ id: 'p1', name: 'Pizza', price: 20 });
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual(local);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('a wrong or revoked key fails the run with auth/forbidden and loses no outbox entry', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const good = await hub.nodeKey();
  const entities = ENTITIES;
  const pos = openPos(dbPath);
  let engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: 'dvt_00000000000d_wrongwrongwrongwrongwrong', entities }));
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
    const before = outboxRows(pos);

    const wrong = await engine.sync();
    expect(wrong.status).toBe('FAILED');
    expect(wrong.errorCode).toBe('auth');
    expect(wrong.error).toMatch(/401|unknown API key|unauthorized/i);
    expect(Object.values(wrong.modules).every((m) => m.status === 'failed' || m.status === 'skipped')).toBe(true);
    expect(outboxRows(pos)).toEqual(before);
    expect((await engine.runs.list(1))[0]).toMatchObject({ status: 'FAILED' });
    await engine.close();

    // The right key: delivered. Then the key is revoked: refused, nothing lost.
    engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: good, entities }));
    expect((await engine.sync()).stats.pushed).toBe(2);
    const [record] = await hub.store.listKeys();
    expect(await hub.store.revokeKey(record!.keyId)).toBe(true);
    pos.prepare("UPDATE products SET price = 11 WHERE id = 'p1'").run();
    const pending = outboxRows(pos);
    const revoked = await engine.sync();
    expect(revoked.status).toBe('FAILED');
    expect(revoked.errorCode).toBe('forbidden');
    expect(outboxRows(pos)).toEqual(pending);
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toMatchObject({ price: 10 });
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('collapsing holds across push batches: a row written more times than the batch size is still sent once', async ({ dir }) => {
  let bodies: unknown[] = [];
  const hub = await startHubWith(dir, (app) => (bodies = recordBodies(app, '/v1/push')));
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }), {
    pushBatchSize: 2,
  });
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 1)").run();
    for (let price = 2; price <= 6; price++) pos.prepare("UPDATE products SET price = ? WHERE id = 'p1'").run(price);
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    const sent = bodies.flatMap((b) => (b as PushBody).changes);
    expect(sent.map((c) => [c.key, c.data?.price])).toEqual([['p1', 6]]);
    expect((await hub.store.status('shop-1')).head).toBe(1);
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('a collapsed row keeps its first place in the batch, so a parent still precedes its child', async ({ dir }) => {
  let bodies: unknown[] = [];
  const hub = await startHubWith(dir, (app) => (bodies = recordBodies(app, '/v1/push')));
  const dbPath = join(dir, 'shop.db');
  const entities = [
    ENTITIES[1],
    { name: 'addresses', direction: 'push', create: { columns: { id: 'TEXT NOT NULL', customer_id: 'TEXT NOT NULL', street: 'TEXT' } } },
  ];
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
    pos.prepare("INSERT INTO addresses (id, customer_id, street) VALUES ('a1', 'c1', 'Rua Direita 1')").run();
    pos.prepare("UPDATE customers SET email = 'ana@example.com' WHERE id = 'c1'").run();
    expect((await engine.sync()).stats.pushed).toBe(2);
    const sent = (bodies[0] as PushBody).changes;
    expect(sent.map((c) => [c.entity, c.key])).toEqual([
      ['customers', 'c1'],
      ['addresses', 'a1'],
    ]);
    expect(sent[0]!.data).toMatchObject({ email: 'ana@example.com' });
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});
