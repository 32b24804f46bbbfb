import Database from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ENTITIES, instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';

test('a shop database restored from an old backup reuses seqs: the hub refuses them and the agent moves to a new source id', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const backup = join(dir, 'backup.db');
  const config = instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES });
  try {
    await (await openEngine(config)).close();
    copyFileSync(dbPath, backup);

    let engine = await openEngine(config);
    let pos = new Database(dbPath);
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    expect((await engine.sync()).stats.pushed).toBe(1);
    pos.close();
    await engine.close();

    // Restore the backup taken before p1: its outbox will hand out seq 1 again.
    rmSync(`${dbPath}-wal`, { force: true });
    rmSync(`${dbPath}-shm`, { force: true });
    copyFileSync(backup, dbPath);
    engine = await openEngine(config);
    pos = new Database(dbPath);
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p2', 'Soda', 3)").run();
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pushed).toBe(1);
    const rows = await hub.store.adminList('shop-1', 'products', { since: 0, limit: 10, includeDeleted: false });
    expect(rows.map((r) => r.key).sort()).toEqual(['p1', 'p2']);
    expect((await engine.outbox.counts()).pending).toBe(0);
    pos.close();
    await engine.close();
  } finally {
    await hub.stop();
  }
});
