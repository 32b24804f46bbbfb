import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { openPos } from '../helpers/local-db.js';
import { MYSQL, openLocalStore, PORTABLE_ENTITIES } from '../helpers/local-store.js';
import { seedRows } from '../helpers/seed.js';

/** Kills every server connection to `database` but the POS's (what a MariaDB restart does to the agent). */
async function killConnections(admin: mysql.Connection, database: string, keep: number): Promise<number> {
  const [rows] = await admin.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND ID <> ?', [
    database,
    keep,
  ]);
  for (const { id } of rows as { id: number }[]) await admin.query(`KILL CONNECTION ${Number(id)}`).catch(() => undefined);
  return (rows as unknown[]).length;
}

test('agent connections dropped by the server mid-run (as in a MariaDB restart): nothing lost, nothing doubled', { timeout: 120_000 }, async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  const local = await openLocalStore('mysql', dir);
  const database = (local.database as { database: string }).database;
  const admin = await mysql.createConnection(MYSQL);
  try {
    await seedRows(hub, 'customers', 20_000, (i) => ({ id: `c${i}`, first_name: `N${i}` }), { prefix: 'c' });
    const config = parseConfig(
      { hub: { url: hub.url, apiKey: await hub.nodeKey(), timeoutMs: 5000 }, database: local.database, entities: PORTABLE_ENTITIES },
      { baseDir: '/', env: {} },
    );
    const engine = await SyncEngine.open(config.instances[0]!, { logger: silentLogger(), pullPageSize: 200, pushBatchSize: 100 });
    try {
      for (let i = 0; i < 1000; i++) await local.run('INSERT INTO products (id, name, price) VALUES (?, ?, ?)', [`p${i}`, `P${i}`, i]);

      const first = engine.sync();
      first.catch(() => undefined); // awaited below; a rejection must fail there, not as unhandled
      await waitFor(async () => {
        const rows = await local.all<{ cursor: number }>("SELECT `cursor` FROM sync_state WHERE entity = 'customers'");
        return (rows[0]?.cursor ?? 0) > 0;
      }, 60_000, 'a first pulled page');
      expect(await killConnections(admin, database, local.connectionId!)).toBeGreaterThan(0);
      const interrupted = await first;
      // Whether the run noticed depends on timing; what matters is the state after the next run.
      expect(['DONE', 'FAILED']).toContain(interrupted.status);

      let settled = await engine.sync();
      for (let attempt = 0; settled.status !== 'DONE' && attempt < 3; attempt++) settled = await engine.sync();
      expect(settled.status).toBe('DONE');
      expect(await local.all('SELECT COUNT(*) AS n FROM customers')).toEqual([{ n: 20_000 }]);
      expect(await local.all("SELECT `cursor` FROM sync_state WHERE entity = 'customers'")).toEqual([{ cursor: 21_000 - 1000 }]);
      expect(await local.all('SELECT COUNT(*) AS n FROM sync_outbox')).toEqual([{ n: 0 }]);
      const products = await hub.store.adminList('shop-1', 'products', { since: 0, limit: 5000, includeDeleted: true });
      expect(products).toHaveLength(1000);
      // Each product was written once on the hub: versions are distinct and none was applied twice.
      expect(new Set(products.map((p) => p.version)).size).toBe(1000);
      const status = await hub.store.status('shop-1');
      expect(status.head).toBe(21_000);
    } finally {
      await engine.close();
    }
  } finally {
    await admin.end();
    await local.close();
    await hub.stop();
  }
});

test('a run whose log lines cannot be saved (the connection dropped mid-failure) still ends FAILED, not crashed', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  try {
    await hub.stop();
    const pos = openPos(dbPath);
    pos.exec("CREATE TRIGGER no_logs BEFORE INSERT ON sync_run_logs WHEN NEW.level = 'error' BEGIN SELECT RAISE(ABORT, 'connection lost'); END");
    pos.close();
    const summary = await engine.sync();
    expect(summary.status).toBe('FAILED');
    expect(summary.errorCode).toBe('network');
    expect((await engine.runs.list(1))[0]).toMatchObject({ id: summary.runId, status: 'FAILED' });
  } finally {
    await engine.close();
  }
});

test('a running agent whose connections the server dropped keeps noticing the POS: the next sale goes within seconds, not at the next poll', { timeout: 60_000 }, async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  const local = await openLocalStore('mysql', dir);
  const database = (local.database as { database: string }).database;
  const admin = await mysql.createConnection(MYSQL);
  const config = parseConfig(
    { hub: { url: hub.url, apiKey: await hub.nodeKey(), timeoutMs: 5000 }, database: local.database, entities: PORTABLE_ENTITIES },
    { baseDir: '/', env: {} },
  );
  const engine = await SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 60, maxBackoffMs: 1000, localPollMs: 20 });
  try {
    await agent.start();
    await waitFor(() => agent.status().lastSuccessAt, 10_000, 'the first run');
    for (let round = 0; round < 5; round++) {
      // Dropped while the watch is between polls or in one: either way it must go on.
      expect(await killConnections(admin, database, local.connectionId!)).toBeGreaterThan(0);
      await local.run('INSERT INTO products (id, name, price) VALUES (?, ?, ?)', [`p${round}`, `P${round}`, round]);
      await waitFor(async () => (await hub.store.adminGet('shop-1', 'products', `p${round}`))?.data, 10_000, `sale ${round} on the hub`);
    }
  } finally {
    await agent.stop();
    await engine.close();
    await admin.end();
    await local.close();
    await hub.stop();
  }
});

describe('the one-agent lock on a MySQL/MariaDB shop', () => {
  const lockName = (database: string) => `dovetail:sync_outbox@${database}`;
  const holder = async (admin: mysql.Connection, database: string) => {
    const [rows] = await admin.query('SELECT IS_USED_LOCK(?) AS holder', [lockName(database)]);
    return (rows as { holder: number | null }[])[0]!.holder;
  };

  test('two shops on one server each run their agent; a lock dropped with its connection is taken again', { timeout: 60_000 }, async ({ dir }) => {
    const hub = await startHub(dir, { rateLimit: false });
    const shops = [await openLocalStore('mysql', join(dir, 'a')), await openLocalStore('mysql', join(dir, 'b'))];
    const admin = await mysql.createConnection(MYSQL);
    const agents: Agent[] = [];
    const engines: SyncEngine[] = [];
    try {
      for (const [i, shop] of shops.entries()) {
        const config = parseConfig(
          { hub: { url: hub.url, apiKey: await hub.nodeKey(`shop-${i}`, `pos-${i}`), timeoutMs: 5000 }, database: shop.database, entities: PORTABLE_ENTITIES },
          { baseDir: '/', env: {} },
        );
        const engine = await SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
        engines.push(engine);
        const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 60 });
        agents.push(agent);
        await agent.start();
      }
      const database = (shops[0]!.database as { database: string }).database;
      const first = await holder(admin, database);
      expect(first).not.toBeNull();
      expect(await killConnections(admin, database, shops[0]!.connectionId!)).toBeGreaterThan(0);
      const again = await waitFor(async () => {
        const now = await holder(admin, database);
        return now !== null && now !== first ? now : null;
      }, 10_000, 'the lock taken again');
      expect(again).not.toBe(first);
      // Taken again, it keeps a second agent out.
      const second = await SyncEngine.open(engines[0]!.config, { logger: silentLogger() });
      try {
        await expect(new Agent({ engine: second, logger: silentLogger() }).start()).rejects.toThrow(/the database is in use by another Dovetail sync or agent/);
      } finally {
        await second.close();
      }
    } finally {
      for (const agent of agents) await agent.stop();
      for (const engine of engines) await engine.close();
      await admin.end();
      for (const shop of shops) await shop.close();
      await hub.stop();
    }
  });

  test('another process took the lock while the connection was gone: the agent stops syncing and says why', { timeout: 60_000 }, async ({ dir }) => {
    const hub = await startHub(dir, { rateLimit: false });
    const local = await openLocalStore('mysql', dir);
    const database = (local.database as { database: string }).database;
    const admin = await mysql.createConnection(MYSQL);
    const intruder = await mysql.createConnection(MYSQL); // in no database: killConnections spares it
    const config = parseConfig(
      { hub: { url: hub.url, apiKey: await hub.nodeKey(), timeoutMs: 5000 }, database: local.database, entities: PORTABLE_ENTITIES },
      { baseDir: '/', env: {} },
    );
    const engine = await SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
    const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 60 });
    try {
      await agent.start();
      const [me] = (await intruder.query('SELECT CONNECTION_ID() AS id'))[0] as { id: number }[];
      // The agent's keeper checks once a second: kill and grab at once, again if it was quicker.
      let got = false;
      for (let attempt = 0; attempt < 5 && !got; attempt++) {
        await killConnections(admin, database, local.connectionId!);
        await admin.query(`KILL CONNECTION ${Number(await holder(admin, database) ?? 0)}`).catch(() => undefined);
        const [rows] = await intruder.query('SELECT GET_LOCK(?, 0) AS got', [lockName(database)]);
        got = (rows as { got: number }[])[0]!.got === 1;
      }
      expect(got).toBe(true);
      await waitFor(() => agent.status().lastErrorCode === 'busy', 10_000, 'the agent to stop');
      expect(agent.status().lastError).toBe(
        `another Dovetail agent took this database while its server restarted (MySQL connection ${me!.id}): this agent stopped syncing; stop one of them`,
      );
      await expect(agent.syncNow()).rejects.toThrow(/another Dovetail agent took this database/);
    } finally {
      await agent.stop();
      await engine.close();
      await intruder.end();
      await admin.end();
      await local.close();
      await hub.stop();
    }
  });
});
