import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import { instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, snapshot } from '../helpers/hub-client.js';

/*
 * The hub answers a replayed (source, seq) with its stored result. These tests check what that
 * means for results that applied nothing (conflict, rejected), with the real agent on the other end.
 */

const CUSTOMERS = {
  name: 'customers',
  direction: 'both',
  conflict: 'local-wins',
  create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT' } },
};

test('an identical replay of a conflicted push is a conflict again and writes nothing', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey());
    await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 })]);
    // Version 2 comes from another outbox: over its own write, the same one's later change is no conflict.
    await node.pushOk('outbox-test-0002', [change(2, 'p1', { v: 2 }, { baseVersion: 1 })]);
    const stale = change(3, 'p1', { v: 'stale' }, { baseVersion: 1 });
    const conflict = await node.pushOk(SOURCE, [stale]);
    expect(conflict).toEqual([{ seq: 3, status: 'conflict', remote: { data: { v: 2 }, version: 2, deleted: false, updatedAt: expect.any(String) } }]);
    const before = snapshot(hub.dbPath);
    expect(await node.pushOk(SOURCE, [stale])).toEqual(conflict);
    expect(snapshot(hub.dbPath).heads).toEqual(before.heads);
    expect(await hub.store.adminGet('shop-1', 'products', 'p1')).toMatchObject({ data: { v: 2 }, version: 2 });
  } finally {
    await hub.stop();
  }
});

// local-wins: the agent keeps the outbox entry and re-sends it on top of the hub's version. The
// hub must end up with the local data; it must not answer the old conflict forever.
test('a local-wins conflict converges: the local change reaches the hub on the next sync', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: [CUSTOMERS] }));
  const pos = new Database(dbPath);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ann')").run();
    expect((await engine.sync()).stats.pushed).toBe(1);
    expect(await admin.adminPutOk('shop-1', 'customers', 'c1', { id: 'c1', first_name: 'Hub' })).toBe(2);

    pos.prepare("UPDATE customers SET first_name = 'Local' WHERE id = 'c1'").run();
    const first = await engine.sync();
    expect(first.stats.conflicts).toBe(1);
    for (let i = 0; i < 3; i++) await engine.sync();

    const row = await hub.store.adminGet('shop-1', 'customers', 'c1');
    expect(row?.data).toEqual({ id: 'c1', first_name: 'Local' });
    expect((await engine.outbox.counts()).pending).toBe(0);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

// A change the hub rejected (here: an entity it did not serve yet) is parked as failed and is
// "retryable" on the agent. Once the hub is fixed, the retry must be evaluated, not answered with
// the stored rejection: a rejected change wrote nothing, so re-evaluating it cannot apply twice.
test('a rejected change retried after the hub accepts its entity is applied', async ({ dir }) => {
  const dbPath = join(dir, 'shop.db');
  const first = await startHub(dir, { entities: ['products'] });
  const hubDb = first.dbPath;
  const apiKey = await first.nodeKey();
  const engine1 = await openEngine(instanceConfig({ dbPath, url: first.url, apiKey, entities: [{ ...CUSTOMERS, direction: 'push' }] }));
  const pos = new Database(dbPath);
  try {
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ann')").run();
    const run = await engine1.sync();
    expect(run.stats.failed).toBe(1);
    expect((await engine1.outbox.counts()).failed).toBe(1);
  } finally {
    await engine1.close();
    await first.stop();
  }

  const second = await startHub(dir, { dbPath: hubDb, entities: ['products', 'customers'] });
  const engine2 = await openEngine(instanceConfig({ dbPath, url: second.url, apiKey, entities: [{ ...CUSTOMERS, direction: 'push' }] }));
  try {
    expect(await engine2.outbox.retryFailed()).toBe(1);
    await engine2.sync();
    expect((await second.store.adminGet('shop-1', 'customers', 'c1'))?.data).toEqual({ id: 'c1', first_name: 'Ann' });
    expect(await engine2.outbox.counts()).toMatchObject({ pending: 0, failed: 0 });
  } finally {
    pos.close();
    await engine2.close();
    await second.stop();
  }
});
