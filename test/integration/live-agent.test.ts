import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { adminPut } from '../helpers/local-db.js';

test('a hub write lands locally through the live channel, and a local write reaches the hub, with no polling', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  // Polling every 24 h: only the live channel and the local watcher can move data here.
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 24 * 60 });
  const pos = new Database(dbPath);
  try {
    await agent.start();
    await waitFor(() => agent.status().state === 'online', 5000, 'online');
    await agent.idle();
    const admin = await hub.adminKey();
    await adminPut(hub.url, admin, 'customers', 'c1', { id: 'c1', first_name: 'Ana' });
    await waitFor(() => pos.prepare("SELECT first_name FROM customers WHERE id = 'c1'").get(), 5000, 'customer c1 locally');

    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    await waitFor(async () => (await hub.store.adminGet('shop-1', 'products', 'p1'))?.data?.price === 10, 5000, 'p1 on the hub');
    const runs = await engine.runs.list(50);
    expect(runs.every((r) => r.trigger !== 'schedule')).toBe(true);
  } finally {
    pos.close();
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});

test('hub stopped → offline with a retry time; hub back on the same port → everything delivered once', async ({ dir }) => {
  let hub = await startHub(dir);
  const port = Number(new URL(hub.url).port);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 24 * 60, maxBackoffMs: 300 });
  const pos = new Database(dbPath);
  try {
    await agent.start();
    await waitFor(() => agent.status().state === 'online', 5000, 'online');
    await hub.stop();
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    const offline = await waitFor(() => (agent.status().state === 'offline' ? agent.status() : null), 15_000, 'offline');
    expect(offline.nextRetryAt).not.toBeNull();
    expect(offline.pending).toBe(1);
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p2', 'Soda', 3)").run();

    hub = await startHub(dir, { dbPath: hub.dbPath, port });
    await waitFor(() => agent.status().state === 'online' && agent.status().pending === 0, 15_000, 'online and drained');
    const rows = await hub.store.adminList('shop-1', 'products', { since: 0, limit: 10, includeDeleted: false });
    expect(rows.map((r) => r.key).sort()).toEqual(['p1', 'p2']);
    expect(rows.map((r) => r.version).sort()).toEqual([1, 2]);
  } finally {
    pos.close();
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});
