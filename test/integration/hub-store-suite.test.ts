import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { HubStore } from '../../src/hub/hub-store.js';
import { MySqlHubStore } from '../../src/hub/mysql-hub-store.js';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import { startHub, test } from '../helpers/fixtures.js';
import { MYSQL } from '../helpers/local-store.js';

/** A fresh hub store of the kind, and how to drop it. */
async function freshStore(kind: 'sqlite' | 'mysql', dir: string): Promise<{ store: HubStore; reopen(): Promise<HubStore>; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const path = join(dir, 'hub.db');
    return { store: new SqliteHubStore(path), reopen: () => Promise.resolve(new SqliteHubStore(path)), drop: () => Promise.resolve() };
  }
  const database = `dovetail_hub_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection(MYSQL);
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  return {
    store: await MySqlHubStore.open({ ...MYSQL, database }),
    reopen: () => MySqlHubStore.open({ ...MYSQL, database }),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await admin.end();
    },
  };
}

const push = async (url: string, key: string, source: string, changes: unknown[]) => {
  const response = await fetch(`${url}/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ protocol: 1, source, changes }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: { seq: number; status: string; version?: number }[] }).results;
};

const pullAll = async (url: string, key: string, entity: string) => {
  const out: { cursor: number; key: string; data: Record<string, unknown> | null }[] = [];
  let since = 0;
  for (let page = 0; page < 1000; page++) {
    const response = await fetch(`${url}/v1/pull?entity=${entity}&since=${since}&limit=50`, { headers: { 'x-api-key': key } });
    const body = (await response.json()) as { changes: typeof out; cursor: number; hasMore: boolean };
    out.push(...body.changes);
    since = body.cursor;
    if (!body.hasMore) break;
  }
  return out;
};

describe.each(['sqlite', 'mysql'] as const)('hub store on %s', (kind) => {
  test('push is idempotent per (node, source, seq), also after a restart; conflicts carry the current row', async ({ dir }) => {
    const fresh = await freshStore(kind, dir);
    let hub = await startHub(dir, { store: fresh.store });
    try {
      const key = await hub.nodeKey();
      const first = await push(hub.url, key, 'source-1', [{ seq: 1, entity: 'products', key: 'p1', op: 'upsert', data: { name: 'Pizza', price: 10 }, baseVersion: null }]);
      expect(first).toEqual([{ seq: 1, status: 'applied', version: 1 }]);
      await hub.stop();
      hub = await startHub(dir, { store: await fresh.reopen() });
      const replay = await push(hub.url, key, 'source-1', [{ seq: 1, entity: 'products', key: 'p1', op: 'upsert', data: { name: 'Pizza', price: 10 }, baseVersion: null }]);
      expect(replay).toEqual(first);
      const reused = await push(hub.url, key, 'source-1', [{ seq: 1, entity: 'products', key: 'p1', op: 'upsert', data: { name: 'Other', price: 99 }, baseVersion: null }]);
      expect(reused).toMatchObject([{ seq: 1, status: 'rejected' }]);
      // From another outbox: the same source's later change would be on top of its own seq 1, not a conflict.
      const stale = await push(hub.url, key, 'source-2', [{ seq: 2, entity: 'products', key: 'p1', op: 'upsert', data: { price: 11 }, baseVersion: 0 }]);
      expect(stale[0]).toMatchObject({ seq: 2, status: 'conflict', remote: { data: { name: 'Pizza', price: 10 }, version: 1, deleted: false } });
      // A node's push merges onto the hub's row: fields the shop does not send are kept.
      const merged = await push(hub.url, key, 'source-1', [{ seq: 3, entity: 'products', key: 'p1', op: 'upsert', data: { price: 12 }, baseVersion: 1 }]);
      expect(merged).toEqual([{ seq: 3, status: 'applied', version: 2 }]);
      expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ name: 'Pizza', price: 12 });
    } finally {
      await hub.stop();
      await fresh.drop();
    }
  });

  test('concurrent pushes from several nodes get unique, gapless cursors; scopes stay apart', async ({ dir }) => {
    const fresh = await freshStore(kind, dir);
    const hub = await startHub(dir, { store: fresh.store, rateLimit: false });
    try {
      const keys = await Promise.all([hub.nodeKey('shop-1', 'a'), hub.nodeKey('shop-1', 'b'), hub.nodeKey('shop-1', 'c'), hub.nodeKey('shop-2', 'x')]);
      await Promise.all(
        keys.map((key, n) =>
          (async () => {
            for (let batch = 0; batch < 5; batch++) {
              const changes = Array.from({ length: 20 }, (_, i) => ({
                seq: batch * 20 + i + 1,
                entity: 'customers',
                key: `n${n}-r${batch * 20 + i}`,
                op: 'upsert',
                data: { n, i },
                baseVersion: null,
              }));
              await push(hub.url, key, `node-source-${n}`, changes);
            }
          })(),
        ),
      );
      const shop1 = await pullAll(hub.url, keys[0], 'customers');
      expect(shop1).toHaveLength(300);
      expect(shop1.map((c) => c.cursor)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      const shop2 = await pullAll(hub.url, keys[3], 'customers');
      expect(shop2.map((c) => c.cursor)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(shop2.every((c) => c.key.startsWith('n3-'))).toBe(true);
    } finally {
      await hub.stop();
      await fresh.drop();
    }
  });

  test('admin writes, deletes as tombstones, revoked keys', async ({ dir }) => {
    const fresh = await freshStore(kind, dir);
    const hub = await startHub(dir, { store: fresh.store });
    try {
      const admin = await hub.adminKey('shop-1');
      const node = await hub.nodeKey();
      const put = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/orders/rows/o1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-key': admin },
        body: JSON.stringify({ data: { id: 'o1', total: 20 } }),
      });
      expect(await put.json()).toEqual({ version: 1 });
      const again = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/orders/rows/o1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-key': admin },
        body: JSON.stringify({ data: { id: 'o1' }, baseVersion: null }),
      });
      expect(again.status).toBe(409);
      const del = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/orders/rows/o1`, { method: 'DELETE', headers: { 'x-api-key': admin } });
      expect(await del.json()).toEqual({ version: 2 });
      const pulled = await pullAll(hub.url, node, 'orders');
      expect(pulled).toMatchObject([{ cursor: 2, key: 'o1', op: 'delete', data: null }]);
      const [record] = (await hub.store.listKeys()).filter((k) => k.role === 'node');
      expect(await hub.store.revokeKey(record!.keyId)).toBe(true);
      const refused = await fetch(`${hub.url}/v1/status`, { headers: { 'x-api-key': node } });
      expect(refused.status).toBe(403);
    } finally {
      await hub.stop();
      await fresh.drop();
    }
  });
});
