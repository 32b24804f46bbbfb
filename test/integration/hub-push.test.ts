import { describe, expect } from 'vitest';
import { startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, snapshot } from '../helpers/hub-client.js';

describe('POST /v1/push idempotency', () => {
  test('the same (source, seq) pushed twice is applied once and answered with the stored result', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      const first = await node.pushOk(SOURCE, [change(1, 'p1', { name: 'Pizza', price: 10 })]);
      expect(first).toEqual([{ seq: 1, status: 'applied', version: 1 }]);
      const before = snapshot(hub.dbPath);

      // A retried POST must not apply again.
      const replay = await node.pushOk(SOURCE, [change(1, 'p1', { name: 'Pizza', price: 10 })]);
      expect(replay).toEqual(first);
      // The same seq carrying another change (a node restored from a backup) is refused, not applied.
      const reused = await node.pushOk(SOURCE, [change(1, 'p1', { name: 'Pasta', price: 99 })]);
      expect(reused).toMatchObject([{ seq: 1, status: 'rejected', error: { code: 'seq_reused' } }]);

      const row = await hub.store.adminGet('shop-1', 'products', 'p1');
      expect(row).toMatchObject({ data: { name: 'Pizza', price: 10 }, version: 1, deleted: false, origin: 'node:pos-1' });
      expect(snapshot(hub.dbPath)).toEqual(before);
      expect(before).toMatchObject({ rows: 1, receipts: 1, heads: { 'shop-1': 1 } });
      const pulled = await node.pullOk('products');
      expect(pulled.changes).toHaveLength(1);
    } finally {
      await hub.stop();
    }
  });

  test('a replay of a whole batch mixed with new changes applies only the new ones', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const first = await node.pushOk(SOURCE, [change(1, 'a', { n: 1 }), change(2, 'b', { n: 2 })]);
      expect(first.map((r) => r.status)).toEqual(['applied', 'applied']);

      const second = await node.pushOk(SOURCE, [change(1, 'a', { n: 1 }), change(2, 'b', { n: 2 }), change(3, 'c', { n: 3 })]);
      expect(second.slice(0, 2)).toEqual(first);
      expect(second[2]).toEqual({ seq: 3, status: 'applied', version: 3 });
      expect(snapshot(hub.dbPath)).toMatchObject({ rows: 3, receipts: 3, heads: { 'shop-1': 3 } });
    } finally {
      await hub.stop();
    }
  });

  test('a seq repeated inside one batch is applied once; an identical repeat gets the first answer, another change is refused', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const results = await node.pushOk(SOURCE, [change(7, 'p1', { v: 'first' }), change(7, 'p1', { v: 'first' }), change(7, 'p1', { v: 'second' })]);
      expect(results).toMatchObject([
        { seq: 7, status: 'applied', version: 1 },
        { seq: 7, status: 'applied', version: 1 },
        { seq: 7, status: 'rejected', error: { code: 'seq_reused' } },
      ]);
      expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ v: 'first' });
      expect(snapshot(hub.dbPath).heads).toEqual({ 'shop-1': 1 });
    } finally {
      await hub.stop();
    }
  });

  test('a different source with the same seq is a different change', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      expect(await node.pushOk('outbox-AAAA-1111', [change(1, 'p1', { v: 'a' })])).toEqual([{ seq: 1, status: 'applied', version: 1 }]);
      expect(await node.pushOk('outbox-BBBB-2222', [change(1, 'p2', { v: 'b' })])).toEqual([{ seq: 1, status: 'applied', version: 2 }]);
      expect((await hub.store.adminGet('shop-1', 'products', 'p2'))?.data).toEqual({ v: 'b' });
      expect(snapshot(hub.dbPath)).toMatchObject({ rows: 2, receipts: 2 });
    } finally {
      await hub.stop();
    }
  });

  test('two nodes of one scope pushing the same (source, seq) do not see each other’s receipts', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const pos1 = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      const pos2 = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-2'));
      await pos1.pushOk(SOURCE, [change(1, 'p1', { by: 'pos-1' })]);
      const second = await pos2.pushOk(SOURCE, [change(1, 'p2', { by: 'pos-2' })]);
      expect(second).toEqual([{ seq: 1, status: 'applied', version: 2 }]);
      expect((await hub.store.adminGet('shop-1', 'products', 'p2'))?.origin).toBe('node:pos-2');
    } finally {
      await hub.stop();
    }
  });

  // DESIGN "Protocol v1": the hub records (node, seq) and answers a replayed seq with the stored
  // result "even days later". Replacing a node's key (rotation after a leak, or a revoked key
  // reissued) must not make the node's own retried push look new: here the retry would bring
  // back a row the backend deleted in the meantime.
  test('a replay with a new key of the same node still gets the stored answer', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const oldKey = await hub.nodeKey('shop-1', 'pos-1');
      const first = await new HubApi(hub.url, oldKey).pushOk(SOURCE, [change(1, 'p1', { v: 1 })]);
      expect(first).toEqual([{ seq: 1, status: 'applied', version: 1 }]);
      // The answer never reached the node. Meanwhile the backend deletes the row...
      const del = await new HubApi(hub.url, await hub.adminKey()).adminDelete('shop-1', 'products', 'p1');
      expect(del.status, del.text).toBe(200);
      // ...and the node's key is replaced.
      const oldId = (await hub.store.listKeys()).find((k) => k.name === 'pos-1')!.keyId;
      expect(await hub.store.revokeKey(oldId)).toBe(true);
      const newKey = await hub.nodeKey('shop-1', 'pos-1');
      const before = snapshot(hub.dbPath);

      const replay = await new HubApi(hub.url, newKey).pushOk(SOURCE, [change(1, 'p1', { v: 1 })]);
      expect(replay).toEqual(first);
      expect(await hub.store.adminGet('shop-1', 'products', 'p1')).toMatchObject({ deleted: true, version: 2 });
      expect(snapshot(hub.dbPath).heads).toEqual(before.heads);
    } finally {
      await hub.stop();
    }
  });
});

describe('POST /v1/push baseVersion checks', () => {
  test('an update on the current version is applied and moves the row to the new cursor', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      await node.pushOk(SOURCE, [change(1, 'p1', { price: 1 }), change(2, 'p2', { price: 2 })]);
      expect(await node.pushOk(SOURCE, [change(3, 'p1', { price: 3 }, { baseVersion: 1 })])).toEqual([{ seq: 3, status: 'applied', version: 3 }]);
      expect(await hub.store.adminGet('shop-1', 'products', 'p1')).toMatchObject({ data: { price: 3 }, version: 3 });
    } finally {
      await hub.stop();
    }
  });

  test('an update with a stale base is a conflict carrying the current row, and writes nothing', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const admin = new HubApi(hub.url, await hub.adminKey('shop-1'));
      await node.pushOk(SOURCE, [change(1, 'p1', { name: 'Pizza', price: 10 })]);
      const adminVersion = await admin.adminPutOk('shop-1', 'products', 'p1', { name: 'Pizza', price: 12 });
      expect(adminVersion).toBe(2);
      const before = snapshot(hub.dbPath);

      const results = await node.pushOk(SOURCE, [change(2, 'p1', { name: 'Pizza', price: 11 }, { baseVersion: 1 })]);
      expect(results).toEqual([{ seq: 2, status: 'conflict', remote: { data: { name: 'Pizza', price: 12 }, version: 2, deleted: false, updatedAt: expect.any(String) } }]);
      expect(await hub.store.adminGet('shop-1', 'products', 'p1')).toMatchObject({ data: { price: 12 }, version: 2 });
      const after = snapshot(hub.dbPath);
      expect([after.rows, after.heads]).toEqual([before.rows, before.heads]);
    } finally {
      await hub.stop();
    }
  });

  test('an insert (baseVersion null) on an existing row is a conflict', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const pos1 = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      const pos2 = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-2'));
      await pos1.pushOk(SOURCE, [change(1, 'c1', { email: 'a@x' }, { entity: 'customers' })]);
      const results = await pos2.pushOk('outbox-pos2-0001', [change(1, 'c1', { email: 'b@x' }, { entity: 'customers' })]);
      expect(results).toEqual([{ seq: 1, status: 'conflict', remote: { data: { email: 'a@x' }, version: 1, deleted: false, updatedAt: expect.any(String) } }]);
      expect((await hub.store.adminGet('shop-1', 'customers', 'c1'))?.data).toEqual({ email: 'a@x' });
    } finally {
      await hub.stop();
    }
  });

  test('an insert over a deleted row re-creates it', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 }), change(2, 'p1', null, { baseVersion: 1 })]);
      expect(await node.pushOk(SOURCE, [change(3, 'p1', { v: 'again' })])).toEqual([{ seq: 3, status: 'applied', version: 3 }]);
      expect(await hub.store.adminGet('shop-1', 'products', 'p1')).toMatchObject({ data: { v: 'again' }, deleted: false, version: 3 });
    } finally {
      await hub.stop();
    }
  });

  test('a delete with a stale base is a conflict and the row survives', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const admin = new HubApi(hub.url, await hub.adminKey());
      await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 })]);
      await admin.adminPutOk('shop-1', 'products', 'p1', { v: 2 });
      const results = await node.pushOk(SOURCE, [change(2, 'p1', null, { baseVersion: 1 })]);
      expect(results).toEqual([{ seq: 2, status: 'conflict', remote: { data: { v: 2 }, version: 2, deleted: false, updatedAt: expect.any(String) } }]);
      expect(await hub.store.adminGet('shop-1', 'products', 'p1')).toMatchObject({ deleted: false, data: { v: 2 }, version: 2 });
    } finally {
      await hub.stop();
    }
  });

  test('a delete on the current version is applied and pulled as a delete', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 })]);
      expect(await node.pushOk(SOURCE, [change(2, 'p1', null, { baseVersion: 1 })])).toEqual([{ seq: 2, status: 'applied', version: 2 }]);
      const page = await node.pullOk('products');
      expect(page.changes).toEqual([{ cursor: 2, key: 'p1', op: 'delete', data: null, version: 2, origin: expect.stringMatching(/^node:/) as string }]);
    } finally {
      await hub.stop();
    }
  });

  test('deleting an already deleted (or never seen) row is harmless: no new cursor, no change to pull', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const admin = new HubApi(hub.url, await hub.adminKey());
      await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 })]);
      const del = await admin.adminDelete('shop-1', 'products', 'p1');
      expect(del.status, del.text).toBe(200);
      expect(del.body).toEqual({ version: 2 });
      const before = snapshot(hub.dbPath);

      // The node deletes on top of the tombstone it knows: applied, nothing moves.
      expect(await node.pushOk(SOURCE, [change(2, 'p1', null, { baseVersion: 2 })])).toEqual([{ seq: 2, status: 'applied', version: 2 }]);
      // A row the hub never had: applied, and no tombstone is invented.
      const never = await node.pushOk(SOURCE, [change(3, 'ghost', null)]);
      expect(never).toMatchObject([{ seq: 3, status: 'applied' }]);
      // A node that still had version 1 deletes too: whatever the answer, the row stays deleted.
      const stale = await node.pushOk(SOURCE, [change(4, 'p1', null, { baseVersion: 1 })]);
      expect(stale[0]!.status).not.toBe('rejected');
      if (stale[0]!.status === 'conflict') expect(stale[0]!.remote).toEqual({ data: null, version: 2, deleted: true, updatedAt: expect.any(String) });

      const after = snapshot(hub.dbPath);
      expect(after.heads).toEqual(before.heads);
      expect(after.rows).toBe(before.rows);
      expect(await hub.store.adminGet('shop-1', 'products', 'ghost')).toBeNull();
      expect((await node.pullOk('products', 2)).changes).toEqual([]);
    } finally {
      await hub.stop();
    }
  });

  test('an upsert without data is rejected per change and the rest of the batch is applied', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const results = await node.pushOk(SOURCE, [
        change(1, 'p1', { v: 1 }),
        { ...change(2, 'p2', null), op: 'upsert' },
        change(3, 'p3', { v: 3 }),
      ]);
      expect(results[0]).toEqual({ seq: 1, status: 'applied', version: 1 });
      expect(results[1]).toMatchObject({ seq: 2, status: 'rejected', error: { code: 'validation' } });
      expect(results[2]).toEqual({ seq: 3, status: 'applied', version: 2 });
      expect(await hub.store.adminGet('shop-1', 'products', 'p2')).toBeNull();
    } finally {
      await hub.stop();
    }
  });
});
