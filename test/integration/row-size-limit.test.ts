import { join } from 'node:path';
import { expect } from 'vitest';
import { MAX_ROW_BYTES } from '../../src/protocol/index.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { startHubWith } from '../helpers/hub-harness.js';
import { HubApi, SOURCE, change } from '../helpers/hub-client.js';
import { openPos, outboxRows } from '../helpers/local-db.js';

const TWO_MB = 'x'.repeat(2 * 1024 * 1024);

test('the hub refuses a row over 1 MB: that change rejected, the rest of the batch applied; an admin write gets 413', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey());
    const fits = 'y'.repeat(MAX_ROW_BYTES - 100);
    const results = await node.pushOk(SOURCE, [change(1, 'p1', { name: 'ok', price: 1 }), change(2, 'p2', { name: TWO_MB }), change(3, 'p3', { name: fits })]);
    expect(results).toEqual([
      { seq: 1, status: 'applied', version: 1 },
      { seq: 2, status: 'rejected', error: { code: 'too_large', message: 'row is 2.0 MB, over the 1 MB limit per row' } },
      { seq: 3, status: 'applied', version: 2 },
    ]);
    const admin = new HubApi(hub.url, await hub.adminKey());
    const answer = await admin.adminPut('shop-1', 'products', 'p4', { name: TWO_MB });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: { code: 'too_large', message: 'row is 2.0 MB, over the 1 MB limit per row' } });
    expect(await hub.store.adminGet('shop-1', 'products', 'p2')).toBeNull();
    expect(await hub.store.adminGet('shop-1', 'products', 'p4')).toBeNull();
  } finally {
    await hub.stop();
  }
});

test('the agent keeps a row over the limit as a failed change with the reason, and sends 24 MB of big rows in requests the hub accepts', async ({ dir }) => {
  const statuses: number[] = [];
  const hub = await startHubWith(dir, (app) =>
    app.addHook('onResponse', (request, reply, done) => {
      if (request.url === '/v1/push') statuses.push(reply.statusCode);
      done();
    }),
  );
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    const big = 'b'.repeat(600 * 1024);
    const insert = pos.prepare('INSERT INTO products (id, name, price) VALUES (?, ?, ?)');
    pos.transaction(() => {
      insert.run('huge', TWO_MB, 1);
      for (let i = 0; i < 40; i++) insert.run(`big-${i}`, big, i);
      insert.run('small', 'Soda', 2);
    })();
    const summary = await engine.sync({ direction: 'push' });
    expect(summary.status).toBe('DONE');
    expect(summary.stats).toMatchObject({ pushed: 41, failed: 1 });
    // 41 rows of 24 MB in all: several requests, none over the hub's 16 MB body limit.
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(statuses.length).toBeLessThanOrEqual(6);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await hub.store.status('shop-1')).head).toBe(41);
    expect(await hub.store.adminGet('shop-1', 'products', 'huge')).toBeNull();
    const kept = outboxRows(pos);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ row_key: 'huge', status: 'failed', last_error: 'too_large: row is 2.0 MB, over the 1 MB limit per row: not sent to the hub' });
    expect(pos.prepare("SELECT length(name) AS n FROM products WHERE id = 'huge'").get()).toEqual({ n: TWO_MB.length });
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});
