import { join } from 'node:path';
import { expect } from 'vitest';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { gate, startHubWith } from '../helpers/hub-harness.js';
import { count, openPos, outboxRows } from '../helpers/local-db.js';

test('an engine opened again on the same file keeps its data, identity and migrations, and captures once', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const config = instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES });
  const pos = openPos(dbPath);
  let engine = await openEngine(config);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    const source = pos.prepare("SELECT value FROM sync_meta WHERE name = 'outbox_source'").get();
    const migrations = await engine.status().then((s) => s.migrations);
    await engine.close();

    engine = await openEngine(config);
    expect(pos.prepare("SELECT value FROM sync_meta WHERE name = 'outbox_source'").get()).toEqual(source);
    expect((await engine.status()).migrations).toEqual(migrations);
    expect(count(pos, 'sync_migrations')).toBe(migrations.length);

    // Two engines open at once on the file: triggers are replaced, not doubled.
    const second = await openEngine(config);
    try {
      pos.prepare("INSERT INTO products (id, name, price) VALUES ('p2', 'Soda', 2)").run();
      expect(outboxRows(pos).map((r) => r.row_key)).toEqual(['p1', 'p2']);
      expect((await second.sync()).stats.pushed).toBe(2);
      expect((await engine.sync()).stats.pushed).toBe(0);
    } finally {
      await second.close();
    }
    expect(outboxRows(pos)).toEqual([]);
    expect((await hub.store.status('shop-1')).head).toBe(2);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('opening a second engine (e.g. `dovetail status`) while a run is in progress does not mark that run FAILED', async ({ dir }) => {
  let pulls = { release: () => undefined as void, held: () => 0 };
  const hub = await startHubWith(dir, (app) => (pulls = gate(app, '/v1/pull')));
  const dbPath = join(dir, 'shop.db');
  const config = instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES });
  const engine = await openEngine(config);
  const running = engine.sync();
  try {
    await waitFor(() => pulls.held() > 0, 5000, 'the run to wait on its first pull');
    const [inProgress] = await engine.runs.list(1);
    expect(inProgress?.status).toBe('RUNNING');

    const observer = await openEngine(config);
    try {
      const status = await observer.status();
      expect(status.lastRun).toMatchObject({ id: inProgress!.id, status: 'RUNNING' });
    } finally {
      await observer.close();
    }
    pulls.release();
    expect((await running).status).toBe('DONE');
  } finally {
    pulls.release();
    await running.catch(() => undefined);
    await engine.close();
    await hub.stop();
  }
});

test('an entity whose table does not exist and has no "create" is refused when the engine opens', async ({ dir }) => {
  const dbPath = join(dir, 'shop.db');
  const config = instanceConfig({
    dbPath,
    url: 'http://127.0.0.1:9',
    apiKey: 'dvt_00000000000c_xxxxxxxxxxxxxxxxxxxxxxxx',
    entities: [{ name: 'menu', direction: 'push' }],
  });
  await expect(openEngine(config)).rejects.toThrow(/table "menu" of entity "menu" does not exist/);
});
