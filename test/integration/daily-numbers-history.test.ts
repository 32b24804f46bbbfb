import { join } from 'node:path';
import { expect } from 'vitest';
import { instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { adminPut, openPos, outboxRows } from '../helpers/local-db.js';
import { seedRows } from '../helpers/seed.js';

const HISTORY = 2000;
const columns = { id: 'TEXT NOT NULL', total: 'REAL', created_at: 'TEXT', daily_number: 'INTEGER' };
const orders = (fill: unknown) => [{ name: 'orders', direction: 'pull', fill: { daily_number: fill }, create: { columns } }];
const lastMonth = new Date(Date.now() - 30 * 86_400_000).toISOString();
const numbered = (dbPath: string) => {
  const pos = openPos(dbPath);
  try {
    return pos.prepare('SELECT id, daily_number FROM orders WHERE daily_number IS NOT NULL ORDER BY daily_number').all();
  } finally {
    pos.close();
  }
};

test('a first sync of a big history numbers only the orders dated today (dateColumn), and queues only those back', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    await seedRows(hub, 'orders', HISTORY, (i) => ({ id: `old${i}`, total: i, created_at: lastMonth }), { prefix: 'old' });
    const admin = await hub.adminKey();
    for (const id of ['t1', 't2', 't3']) await adminPut(hub.url, admin, 'orders', id, { id, total: 10, created_at: new Date().toISOString() });
    const dbPath = join(dir, 'shop.db');
    const engine = await openEngine(
      instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: orders({ type: 'daily-sequence', dateColumn: 'created_at' }) }),
      { pullPageSize: 500 },
    );
    try {
      expect((await engine.sync()).stats.pulled).toBe(HISTORY + 3);
      expect(numbered(dbPath)).toEqual([
        { id: 't1', daily_number: 1 },
        { id: 't2', daily_number: 2 },
        { id: 't3', daily_number: 3 },
      ]);
      expect((await engine.status()).outbox.pending).toBe(3);
      expect((await engine.sync()).stats.pushed).toBe(3);
    } finally {
      await engine.close();
    }
  } finally {
    await hub.stop();
  }
});

test('without a dateColumn, the first load (even interrupted) numbers nothing; orders arriving afterwards are numbered', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    await seedRows(hub, 'orders', HISTORY, (i) => ({ id: `old${i}`, total: i }), { prefix: 'old' });
    const dbPath = join(dir, 'shop.db');
    const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: orders('daily-sequence') }), {
      pullPageSize: 200,
    });
    try {
      // The first load is stopped after its first pages: the rest of the history is still history.
      const stop = new AbortController();
      const first = await engine.sync({ signal: stop.signal, onProgress: (p) => (p['pull:orders']!.processed >= 400 ? stop.abort() : undefined) });
      expect(first.status).toBe('CANCELED');
      expect(first.stats.pulled).toBeLessThan(HISTORY);
      expect((await engine.sync()).stats.pulled).toBe(HISTORY - first.stats.pulled);
      expect(numbered(dbPath)).toEqual([]);
      const pos = openPos(dbPath);
      expect(outboxRows(pos)).toEqual([]);
      pos.close();

      await adminPut(hub.url, await hub.adminKey(), 'orders', 'new1', { id: 'new1', total: 5 });
      expect((await engine.sync()).stats.pulled).toBe(1);
      expect(numbered(dbPath)).toEqual([{ id: 'new1', daily_number: 1 }]);

      // A full resync reloads history: nothing renumbered, nothing queued.
      expect((await engine.sync({ full: true })).stats.pulled).toBe(HISTORY + 1);
      expect(numbered(dbPath)).toEqual([{ id: 'new1', daily_number: 1 }]);
    } finally {
      await engine.close();
    }
  } finally {
    await hub.stop();
  }
});
