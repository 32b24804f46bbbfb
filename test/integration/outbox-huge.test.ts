import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { instanceConfig, openEngine, startHub, test, waitFor, type RunningHub } from '../helpers/fixtures.js';
import { gate, recordBodies, startHubWith } from '../helpers/hub-harness.js';
import { openPos } from '../helpers/local-db.js';
import { openLocalStore, type LocalStore } from '../helpers/local-store.js';

/**
 * "Lost sales", case 5: a row updated many times, and a very large outbox. Collapsing a row's
 * pending entries is linear (100,000 updates of one row used to take minutes: a quadratic copy),
 * and the push reads the outbox in bounded chunks (~660,000 entries used to overflow the stack).
 */

const PRODUCTS = {
  name: 'products',
  direction: 'push',
  create: { columns: { id: 'VARCHAR(64) NOT NULL', name: 'VARCHAR(200) NOT NULL', price: 'REAL NOT NULL DEFAULT 0' } },
};

interface PushBody {
  changes: { seq: number; key: string; data: { price?: number } | null; baseVersion: number | null }[];
}

async function openOn(local: LocalStore, hub: RunningHub, apiKey: string): Promise<SyncEngine> {
  const config = parseConfig({ hub: { url: hub.url, apiKey, timeoutMs: 20_000 }, database: local.database, entities: [PRODUCTS] }, { baseDir: '/', env: {} });
  return SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
}

/** Hub price of every product, by id. */
async function hubPrices(hub: RunningHub): Promise<Map<string, unknown>> {
  const rows = await hub.store.adminList('shop-1', 'products', { since: 0, limit: 10_000, includeDeleted: true });
  return new Map(rows.map((r) => [r.key, r.data?.price]));
}

/** MySQL: `count` numbers 1..count as a derived table `n(i)` (no recursion limit to run into). */
function mysqlNumbers(count: number): string {
  const digit = `(${Array.from({ length: 10 }, (_, d) => `SELECT ${d} AS d`).join(' UNION ALL ')})`;
  let places = 1;
  while (10 ** places < count) places++;
  const terms = Array.from({ length: places }, (_, p) => `t${p}.d * ${10 ** p}`).join(' + ');
  const from = Array.from({ length: places }, (_, p) => `${digit} t${p}`).join(', ');
  return `(SELECT ${terms} + 1 AS i FROM ${from} HAVING i <= ${count})`;
}

test('one row with 100,000 pending updates is pushed in one run: the last value reaches the hub, the outbox empties', async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: [PRODUCTS] }));
  const pos = openPos(dbPath);
  try {
    const update = pos.prepare("UPDATE products SET price = ? WHERE id = 'p1'");
    pos.transaction(() => {
      pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 0)").run();
      for (let price = 1; price <= 100_000; price++) update.run(price);
    })();
    expect(await engine.outbox.counts()).toMatchObject({ pending: 100_001 });

    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pushed).toBe(1);
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ id: 'p1', name: 'Pizza', price: 100_000 });
    expect(await engine.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('an outbox of 700,000 entries over 1,000 rows drains without error, each row with its last value', { timeout: 40_000 }, async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: [PRODUCTS] }));
  const pos = openPos(dbPath);
  try {
    pos.transaction(() => {
      // 1,000 rows written by the app (captured) with their final prices, then 699,000 more
      // entries naming them, as the capture triggers write them: entry i names row p(i % 1000).
      // Row p(r)'s final price is the highest i ≤ 700,000 with i % 1000 = r.
      pos
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
           INSERT INTO products (id, name, price) SELECT 'p' || i, 'Product ' || i, CASE WHEN i = 0 THEN 700000 ELSE 699000 + i END FROM n`,
        )
        .run();
      pos
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 700000)
           INSERT INTO sync_outbox (entity, row_key, op, created_at)
           SELECT 'products', 'p' || (i % 1000), 'upsert', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
           FROM n`,
        )
        .run();
    })();
    expect(await engine.outbox.counts()).toMatchObject({ pending: 700_000 });

    const summary = await engine.sync();
    expect(summary.error ?? null).toBeNull();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pushed).toBe(1000);
    expect(await engine.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
    const prices = await hubPrices(hub);
    expect(prices.size).toBe(1000);
    // Row p(r)'s last entry is the highest i ≤ 700,000 with i % 1000 = r.
    for (let r = 0; r < 1000; r++) expect(prices.get(`p${r}`)).toBe(r === 0 ? 700_000 : 699_000 + r);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

describe.each(['sqlite', 'mysql'] as const)('local store on %s', (kind) => {
  test('a change of a row captured while its push is on the wire survives the settle and is pushed next', async ({ dir }) => {
    const hooks: { bodies: unknown[]; pushes?: ReturnType<typeof gate> } = { bodies: [] };
    const hub = await startHubWith(dir, (app) => {
      hooks.bodies = recordBodies(app, '/v1/push');
      hooks.pushes = gate(app, '/v1/push');
    });
    const pushes = hooks.pushes!;
    const local = await openLocalStore(kind, dir);
    const engine = await openOn(local, hub, await hub.nodeKey());
    try {
      await local.run("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 0), ('p2', 'Soda', 0)");
      for (let price = 1; price <= 200; price++) await local.run("UPDATE products SET price = ? WHERE id = 'p1'", [price]);

      // due() has read p1 (latest price 200) and the push waits at the hub: the shop writes p1 again.
      const run = engine.sync();
      await waitFor(() => pushes.held() >= 1, 10_000, 'the push to reach the hub');
      await local.run("UPDATE products SET price = 201 WHERE id = 'p1'");
      pushes.release();
      const summary = await run;
      expect(summary.status).toBe('DONE');

      // The later entry was not settled with the batch: it went in a push of its own, on top of
      // the version the first one got (in the same run's extra pass, or the next run).
      if ((await engine.outbox.counts()).pending > 0) expect((await engine.sync()).status).toBe('DONE');
      const sent = (hooks.bodies as PushBody[]).flatMap((b) => b.changes.filter((c) => c.key === 'p1').map((c) => [c.data?.price, c.baseVersion]));
      expect(sent).toEqual([
        [200, null],
        [201, 1],
      ]);
      expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toMatchObject({ price: 201 });
      expect((await hub.store.adminGet('shop-1', 'products', 'p2'))?.data).toMatchObject({ price: 0 });
      expect(await engine.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
    } finally {
      pushes.release();
      await engine.close();
      await local.close();
      await hub.stop();
    }
  });
});

test('MariaDB: one row with 100,000 pending entries and 100,000 more over 500 rows drain in one run', { timeout: 40_000 }, async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  const local = await openLocalStore('mysql', dir);
  const engine = await openOn(local, hub, await hub.nodeKey());
  try {
    await local.run("INSERT INTO products (id, name, price) VALUES ('p0', 'Pizza', 200000)");
    // More entries naming rows, written straight into the outbox as the capture triggers would:
    // 100,000 of p0, then entries 100,001..200,000 spread over p0..p499 (entry i names
    // p(i % 500)); each row holds its last value, the highest such i.
    const now = new Date().toISOString();
    await local.run(
      `INSERT INTO sync_outbox (entity, row_key, op, created_at) SELECT 'products', 'p0', 'upsert', ? FROM ${mysqlNumbers(100_000)} n ORDER BY i`,
      [now],
    );
    await local.run(
      `INSERT INTO sync_outbox (entity, row_key, op, created_at)
       SELECT 'products', CONCAT('p', (i + 100000) % 500), 'upsert', ? FROM ${mysqlNumbers(100_000)} n ORDER BY i`,
      [now],
    );
    await local.run('SET @dovetail_capture_off = 1');
    await local.run(
      `INSERT INTO products (id, name, price) SELECT CONCAT('p', i), 'Product', 199500 + i FROM ${mysqlNumbers(499)} n`,
    );
    await local.run('SET @dovetail_capture_off = NULL');
    expect(await engine.outbox.counts()).toMatchObject({ pending: 200_001 });

    const summary = await engine.sync();
    expect(summary.error ?? null).toBeNull();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pushed).toBe(500);
    expect(await engine.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
    const prices = await hubPrices(hub);
    expect(prices.size).toBe(500);
    // Row p(r)'s last entry is the highest i ≤ 200,000 with i % 500 = r.
    for (let r = 0; r < 500; r++) expect(prices.get(`p${r}`)).toBe(r === 0 ? 200_000 : 199_500 + r);
  } finally {
    await engine.close();
    await local.close();
    await hub.stop();
  }
});

test('MariaDB: settling a row does not wait for a POS transaction holding an uncommitted change of the next row', async ({ dir }) => {
  const hub = await startHub(dir);
  const local = await openLocalStore('mysql', dir);
  const engine = await openOn(local, hub, await hub.nodeKey());
  try {
    await local.run("INSERT INTO products (id, name, price) VALUES ('p0', 'Pizza', 1)");
    for (let price = 2; price <= 50; price++) await local.run("UPDATE products SET price = ? WHERE id = 'p0'", [price]);
    // The POS's open transaction holds an outbox entry of p1, right after p0's in the outbox index.
    await local.run('BEGIN');
    await local.run("INSERT INTO products (id, name, price) VALUES ('p1', 'Soda', 2)");

    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pushed).toBe(1);
    expect((await hub.store.adminGet('shop-1', 'products', 'p0'))?.data).toMatchObject({ price: 50 });

    await local.run('COMMIT');
    expect((await engine.sync()).stats.pushed).toBe(1);
    expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toMatchObject({ price: 2 });
    expect(await engine.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
  } finally {
    await local.run('ROLLBACK').catch(() => undefined);
    await engine.close();
    await local.close();
    await hub.stop();
  }
});
