import { withCurrentRows } from '../../src/core/current-rows.js';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { HubClient } from '../../src/core/hub-client.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import type { HubStore } from '../../src/hub/hub-store.js';
import { MySqlHubStore } from '../../src/hub/mysql-hub-store.js';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import type { AgentChildArgs } from '../helpers/agent-child.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { instanceConfig, openEngine, startHub, test, type RunningHub } from '../helpers/fixtures.js';
import { startHubWith } from '../helpers/hub-harness.js';
import { openPos, outboxRows } from '../helpers/local-db.js';
import { MYSQL, openLocalStore, type LocalStore } from '../helpers/local-store.js';

/*
 * "Lost sales", case 3: the agent stops after the hub applied its push but before it settled the
 * answer locally; the shop then edits the same row. The later change goes out with the stale base
 * (the row's pending entries travel as one change carrying the latest seq), and the version it
 * meets on the hub is the node's own earlier change: that is no conflict, and the later value wins.
 */

const SALES = {
  name: 'sales',
  direction: 'both',
  // remote-wins (the default): a wrongly detected conflict overwrites the shop's newer value.
  create: { columns: { id: 'VARCHAR(64) NOT NULL', val: 'INTEGER' } },
};

async function openOn(local: LocalStore, hub: RunningHub, apiKey: string): Promise<SyncEngine> {
  const config = parseConfig({ hub: { url: hub.url, apiKey, timeoutMs: 5000 }, database: local.database, entities: [SALES] }, { baseDir: '/', env: {} });
  return SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
}

const hubVal = async (hub: RunningHub) => (await hub.store.adminGet('shop-1', 'sales', 'r1'))?.data?.val;

describe.each(['sqlite', 'mysql'] as const)('own applied change never settled, local store on %s', (kind) => {
  test('the shop\'s next edit is pushed over the node\'s own unsettled change: no conflict, the newer value on both sides', async ({ dir }) => {
    const hub = await startHub(dir);
    const local = await openLocalStore(kind, dir);
    try {
      const apiKey = await hub.nodeKey();
      let engine = await openOn(local, hub, apiKey);
      await local.run("INSERT INTO sales (id, val) VALUES ('r1', 1)");
      expect((await engine.sync()).stats).toMatchObject({ pushed: 1, conflicts: 0 });
      await local.run("UPDATE sales SET val = 2 WHERE id = 'r1'");

      // The agent sends the change exactly as its push would (its source id, the entry's seq and
      // base), the hub applies it, and the agent is gone before it settles: the outbox is untouched.
      const [entry] = await withCurrentRows(engine.context, await engine.outbox.due(10, new Date(), { force: true }));
      expect(entry).toMatchObject({ entity: 'sales', rowKey: 'r1', op: 'upsert', baseVersion: 1, data: { id: 'r1', val: 2 } });
      const source = await engine.state.meta('outbox_source', () => 'never');
      await engine.close();
      const client = new HubClient({ url: hub.url, apiKey, timeoutMs: 5000 });
      const answer = await client.push(source, [
        { seq: entry!.seq, entity: entry!.entity, key: entry!.rowKey, op: entry!.op, data: entry!.data, baseVersion: entry!.baseVersion },
      ]);
      expect(answer.results).toEqual([{ seq: entry!.seq, status: 'applied', version: 2 }]);
      expect(await hubVal(hub)).toBe(2);

      // The shop commits val=3 on its own connection while no agent runs.
      await local.run("UPDATE sales SET val = 3 WHERE id = 'r1'");

      engine = await openOn(local, hub, apiKey);
      try {
        const summary = await engine.sync();
        expect(summary.status).toBe('DONE');
        expect(summary.stats).toMatchObject({ pushed: 1, conflicts: 0 });
        expect(await local.all('SELECT id, val FROM sales')).toEqual([{ id: 'r1', val: 3 }]);
        expect(await hubVal(hub)).toBe(3);
        expect((await engine.status()).openConflicts).toBe(0);
        expect((await engine.outbox.counts()).pending).toBe(0);
        expect(await local.all('SELECT COUNT(*) AS n FROM sync_conflicts')).toEqual([{ n: 0 }]);
        // Settled: another sync has nothing to do and changes nothing.
        expect((await engine.sync()).stats).toMatchObject({ pushed: 0, pulled: 0, conflicts: 0 });
        expect(await local.all('SELECT id, val FROM sales')).toEqual([{ id: 'r1', val: 3 }]);
      } finally {
        await engine.close();
      }
    } finally {
      await local.close();
      await hub.stop();
    }
  });
});

test('an agent process killed right after the hub answered its push: the shop\'s next edit wins, with no conflict', async ({ dir }) => {
  const dbPath = join(dir, 'shop.db');
  const state: { child: Child | null; pos: Database.Database | null; answered: number } = { child: null, pos: null, answered: 0 };
  const hub = await startHubWith(dir, (app) => {
    // The shop's POS holds the write lock from before the hub applies the push until the agent is
    // dead, so the agent cannot settle the answer it gets.
    app.addHook('preHandler', (request, _reply, done) => {
      if (request.url === '/v1/push' && state.pos && !state.pos.inTransaction) state.pos.exec('BEGIN IMMEDIATE');
      done();
    });
    app.addHook('onResponse', (request, _reply, done) => {
      if (request.url === '/v1/push' && state.child) {
        state.answered++;
        state.child.process.kill('SIGKILL');
      }
      done();
    });
  });
  const apiKey = await hub.nodeKey();
  const first = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: [SALES] }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO sales (id, val) VALUES ('r1', 1)").run();
    expect((await first.sync()).stats).toMatchObject({ pushed: 1, conflicts: 0 });
    await first.close();
    pos.prepare("UPDATE sales SET val = 2 WHERE id = 'r1'").run();

    state.pos = pos;
    const args: AgentChildArgs = { dbPath, url: hub.url, apiKey, entities: [SALES] };
    state.child = spawnTsx('./agent-child.ts', [JSON.stringify(args)]);
    expect(await state.child.exited).toBe('SIGKILL');
    expect(state.answered).toBe(1);
    // The hub applied val=2; the shop, still in its transaction, commits val=3.
    expect(await hubVal(hub)).toBe(2);
    expect(pos.inTransaction).toBe(true);
    pos.prepare("UPDATE sales SET val = 3 WHERE id = 'r1'").run();
    pos.exec('COMMIT');
    state.pos = null;
    expect(outboxRows(pos, 'sales').map((r) => r.status)).toEqual(['pending', 'pending']);

    const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: [SALES] }));
    try {
      const summary = await engine.sync();
      expect(summary.status).toBe('DONE');
      expect(summary.stats).toMatchObject({ pushed: 1, conflicts: 0 });
      expect(pos.prepare('SELECT id, val FROM sales').all()).toEqual([{ id: 'r1', val: 3 }]);
      expect(await hubVal(hub)).toBe(3);
      expect(outboxRows(pos)).toEqual([]);
      expect((await engine.status()).openConflicts).toBe(0);
    } finally {
      await engine.close();
    }
  } finally {
    if (state.child && state.child.process.exitCode === null && state.child.process.signalCode === null) state.child.process.kill('SIGKILL');
    if (pos.inTransaction) pos.exec('ROLLBACK');
    pos.close();
    await hub.stop();
  }
});

test('a change from another node, or another outbox of the same node, over a stale base is still a conflict', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const client = (key: string) => new HubClient({ url: hub.url, apiKey: key, timeoutMs: 5000 });
    const pos1 = client(await hub.nodeKey('shop-1', 'pos-1'));
    const pos2 = client(await hub.nodeKey('shop-1', 'pos-2'));
    const upsert = (seq: number, val: number, baseVersion: number | null) => ({ seq, entity: 'sales', key: 'r1', op: 'upsert' as const, data: { val }, baseVersion });
    expect((await pos1.push('source-aaaa', [upsert(1, 1, null)])).results[0]).toMatchObject({ status: 'applied', version: 1 });
    expect((await pos1.push('source-aaaa', [upsert(2, 2, 1)])).results[0]).toMatchObject({ status: 'applied', version: 2 });
    // pos-2 never saw version 2; neither did pos-1's other outbox (a database restored from a backup).
    expect((await pos2.push('source-aaaa', [upsert(3, 9, 1)])).results[0]).toMatchObject({ status: 'conflict', remote: { version: 2 } });
    expect((await pos1.push('source-bbbb', [upsert(3, 9, 1)])).results[0]).toMatchObject({ status: 'conflict', remote: { version: 2 } });
    // An admin write in between: the node's later change over it is a conflict again.
    await hub.store.adminWrite('shop-1', 'admin:backend', { entity: 'sales', key: 'r1', op: 'upsert', data: { val: 5 } });
    expect((await pos1.push('source-aaaa', [upsert(4, 4, 1)])).results[0]).toMatchObject({ status: 'conflict', remote: { version: 3 } });
    expect(await hubVal(hub)).toBe(5);
  } finally {
    await hub.stop();
  }
});

/** A hub database as the release before writer tracking created it, holding one row. */
async function oldHubStore(kind: 'sqlite' | 'mysql', dir: string): Promise<{ open(): Promise<HubStore>; drop(): Promise<void> }> {
  const oldRows = (key: string, text: string, int: string) =>
    `CREATE TABLE hub_rows (scope ${text} NOT NULL, entity ${text} NOT NULL, ${key} ${text} NOT NULL, data ${kind === 'sqlite' ? 'TEXT' : 'LONGTEXT'},
     version ${int} NOT NULL, deleted ${int} NOT NULL DEFAULT 0, origin ${text} NOT NULL, updated_at ${text} NOT NULL, PRIMARY KEY (scope, entity, ${key}))`;
  const seed = `INSERT INTO hub_rows VALUES ('shop-1', 'sales', 'r1', '{"val":1}', 1, 0, 'node:pos-1', '2026-01-01T00:00:00.000Z')`;
  if (kind === 'sqlite') {
    const path = join(dir, 'old-hub.db');
    const db = new Database(path);
    db.exec(`${oldRows('key', 'TEXT', 'INTEGER')} WITHOUT ROWID; CREATE TABLE hub_scopes (scope TEXT PRIMARY KEY, head INTEGER NOT NULL DEFAULT 0);`);
    db.exec(`${seed}; INSERT INTO hub_scopes VALUES ('shop-1', 1);`);
    db.close();
    return { open: () => Promise.resolve(new SqliteHubStore(path)), drop: () => Promise.resolve() };
  }
  const database = `dovetail_hub_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection(MYSQL);
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  await admin.query(`USE \`${database}\``);
  await admin.query(oldRows('`key`', 'VARCHAR(190)', 'BIGINT'));
  await admin.query('CREATE TABLE hub_scopes (scope VARCHAR(128) NOT NULL PRIMARY KEY, head BIGINT NOT NULL DEFAULT 0)');
  await admin.query(seed);
  await admin.query("INSERT INTO hub_scopes VALUES ('shop-1', 1)");
  return {
    open: () => MySqlHubStore.open({ ...MYSQL, database }),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    },
  };
}

describe.each(['sqlite', 'mysql'] as const)('an existing hub database on %s', (kind) => {
  test('is upgraded in place: rows are kept, and a node\'s own earlier change is recognised from then on', async ({ dir }) => {
    const old = await oldHubStore(kind, dir);
    try {
      // Opened twice: the second open finds the columns already there.
      await (await old.open()).close();
      const hub = await startHub(dir, { store: await old.open() });
      try {
        const node = new HubClient({ url: hub.url, apiKey: await hub.nodeKey('shop-1', 'pos-1'), timeoutMs: 5000 });
        expect(await hub.store.adminGet('shop-1', 'sales', 'r1')).toMatchObject({ data: { val: 1 }, version: 1 });
        // A row written before the upgrade has no writer: a stale base over it is a conflict.
        expect((await node.push('source-aaaa', [{ seq: 5, entity: 'sales', key: 'r1', op: 'upsert', data: { val: 9 }, baseVersion: 0 }])).results[0]).toMatchObject({
          status: 'conflict',
        });
        expect((await node.push('source-aaaa', [{ seq: 6, entity: 'sales', key: 'r1', op: 'upsert', data: { val: 2 }, baseVersion: 1 }])).results[0]).toEqual({
          seq: 6,
          status: 'applied',
          version: 2,
        });
        expect((await node.push('source-aaaa', [{ seq: 7, entity: 'sales', key: 'r1', op: 'upsert', data: { val: 3 }, baseVersion: 1 }])).results[0]).toEqual({
          seq: 7,
          status: 'applied',
          version: 3,
        });
        expect(await hubVal(hub)).toBe(3);
      } finally {
        await hub.stop();
      }
    } finally {
      await old.drop();
    }
  });
});
