import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { SqliteHubStore } from '../../../src/hub/sqlite-hub-store.js';
import type { Principal } from '../../../src/hub/hub-store.js';
import type { PushChange } from '../../../src/protocol/index.js';
import { test } from '../../helpers/fixtures.js';

const accept = () => null;

function upsert(seq: number, key: string, data: Record<string, unknown>, baseVersion: number | null = null): PushChange {
  return { seq, entity: 'products', key, op: 'upsert', data, baseVersion };
}

async function withStore<T>(dir: string, fn: (store: SqliteHubStore, node: Principal) => Promise<T>): Promise<T> {
  const store = new SqliteHubStore(join(dir, 'hub.db'));
  try {
    const { record } = await store.createKey({ role: 'node', scope: 'shop-1', name: 'pos-1' });
    return await fn(store, record);
  } finally {
    await store.close();
  }
}

describe('SqliteHubStore keys', () => {
  test('lookupKey: ok for a live key, revoked after revokeKey, unknown for anything else', async ({ dir }) => {
    const store = new SqliteHubStore(join(dir, 'hub.db'));
    try {
      const { key, record } = await store.createKey({ role: 'admin', scope: '*', name: 'backend' });
      expect(record).toMatchObject({ role: 'admin', scope: '*', name: 'backend', revokedAt: null });
      expect(await store.lookupKey(key)).toEqual({ status: 'ok', principal: { keyId: record.keyId, role: 'admin', scope: '*', name: 'backend' } });
      expect(await store.isKeyActive(record.keyId)).toBe(true);
      expect(await store.lookupKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toEqual({ status: 'unknown' });
      expect(await store.lookupKey('garbage')).toEqual({ status: 'unknown' });

      expect(await store.revokeKey(record.keyId)).toBe(true);
      expect(await store.revokeKey(record.keyId)).toBe(false);
      expect(await store.revokeKey('000000000000')).toBe(false);
      expect(await store.lookupKey(key)).toEqual({ status: 'revoked' });
      expect(await store.isKeyActive(record.keyId)).toBe(false);
      expect(await store.isKeyActive('000000000000')).toBe(false);
      const [listed] = await store.listKeys();
      expect(listed?.revokedAt).not.toBeNull();
    } finally {
      await store.close();
    }
  });
});

describe('SqliteHubStore push', () => {
  test('a (source, seq) seen before is answered from its receipt, inside the same transaction too', async ({ dir }) => {
    await withStore(dir, async (store, node) => {
      const first = await store.push(node, 'outbox-0001', [upsert(1, 'p1', { v: 1 }), upsert(1, 'p1', { v: 1 })], accept);
      expect(first.results).toEqual([
        { seq: 1, status: 'applied', version: 1 },
        { seq: 1, status: 'applied', version: 1 },
      ]);
      expect(first.committed).toEqual([{ scope: 'shop-1', entity: 'products', cursor: 1 }]);
      const again = await store.push(node, 'outbox-0001', [upsert(1, 'p1', { v: 1 })], accept);
      expect(again).toEqual({ results: [{ seq: 1, status: 'applied', version: 1 }], committed: [] });
      const reused = await store.push(node, 'outbox-0001', [upsert(1, 'p1', { v: 'later' })], accept);
      expect(reused.results).toMatchObject([{ seq: 1, status: 'rejected', error: { code: 'seq_reused' } }]);
      expect((await store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ v: 1 });
    });
  });

  test('validate() refusals are per change and write no row', async ({ dir }) => {
    await withStore(dir, async (store, node) => {
      const { results, committed } = await store.push(node, 'outbox-0001', [upsert(1, 'ok', {}), upsert(2, 'bad', {}), upsert(3, 'ok2', {})], (c) =>
        c.key === 'bad' ? { code: 'nope', message: 'not this one' } : null,
      );
      expect(results).toEqual([
        { seq: 1, status: 'applied', version: 1 },
        { seq: 2, status: 'rejected', error: { code: 'nope', message: 'not this one' } },
        { seq: 3, status: 'applied', version: 2 },
      ]);
      expect(committed.map((c) => c.cursor)).toEqual([1, 2]);
      expect(await store.adminGet('shop-1', 'products', 'bad')).toBeNull();
    });
  });

  test('a failure in the middle of a batch rolls the whole batch back, receipts included', async ({ dir }) => {
    await withStore(dir, async (store, node) => {
      const boom = (c: PushChange) => {
        if (c.seq === 2) throw new Error('disk on fire');
        return null;
      };
      await expect((async () => store.push(node, 'outbox-0001', [upsert(1, 'p1', {}), upsert(2, 'p2', {})], boom))()).rejects.toThrow('disk on fire');
      expect(await store.adminGet('shop-1', 'products', 'p1')).toBeNull();
      expect((await store.status('shop-1')).head).toBe(0);
      // The retried batch is applied normally: no stale receipt for seq 1.
      const retry = await store.push(node, 'outbox-0001', [upsert(1, 'p1', {}), upsert(2, 'p2', {})], accept);
      expect(retry.results.map((r) => r.status)).toEqual(['applied', 'applied']);
      expect(retry.results.map((r) => (r.status === 'applied' ? r.version : null))).toEqual([1, 2]);
    });
  });
});

describe('SqliteHubStore cursor and pull', () => {
  test('every write advances its scope head by exactly one; heads of scopes are independent', async ({ dir }) => {
    await withStore(dir, async (store) => {
      const versions: [string, number][] = [];
      for (const [scope, key] of [['a', 'k1'], ['b', 'k1'], ['a', 'k2'], ['a', 'k1'], ['b', 'k2']] as const) {
        const { outcome, committed } = await store.adminWrite(scope, 'admin:t', { entity: 'products', key, op: 'upsert', data: { key } });
        expect(outcome.status).toBe('applied');
        expect(committed).toHaveLength(1);
        versions.push([scope, outcome.status === 'applied' ? outcome.version : -1]);
      }
      expect(versions).toEqual([['a', 1], ['b', 1], ['a', 2], ['a', 3], ['b', 2]]);
      expect((await store.status('a')).head).toBe(3);
      expect((await store.status('b')).head).toBe(2);
      expect((await store.status('c')).head).toBe(0);
    });
  });

  test('pull returns latest states after `since` in cursor order, with hasMore, and raw JSON data', async ({ dir }) => {
    await withStore(dir, async (store) => {
      for (const key of ['a', 'b', 'c', 'a']) await store.adminWrite('s', 'admin:t', { entity: 'products', key, op: 'upsert', data: { key, n: 1.5 } });
      await store.adminWrite('s', 'admin:t', { entity: 'products', key: 'b', op: 'delete', data: null });
      const page = await store.pull('s', 'products', 0, 2);
      expect(page.hasMore).toBe(true);
      expect(page.changes).toEqual([
        { cursor: 3, key: 'c', op: 'upsert', dataJson: '{"key":"c","n":1.5}', version: 3, origin: 'admin:t' },
        { cursor: 4, key: 'a', op: 'upsert', dataJson: '{"key":"a","n":1.5}', version: 4, origin: 'admin:t' },
      ]);
      const rest = await store.pull('s', 'products', 4, 2);
      expect(rest).toEqual({ hasMore: false, changes: [{ cursor: 5, key: 'b', op: 'delete', dataJson: null, version: 5, origin: 'admin:t' }] });
      expect(await store.pull('s', 'orders', 0, 10)).toEqual({ hasMore: false, changes: [] });
    });
  });

  test('adminList hides deleted rows unless asked, and pages by version', async ({ dir }) => {
    await withStore(dir, async (store) => {
      for (const key of ['a', 'b', 'c']) await store.adminWrite('s', 'admin:t', { entity: 'orders', key, op: 'upsert', data: { key } });
      await store.adminWrite('s', 'admin:t', { entity: 'orders', key: 'b', op: 'delete', data: null });
      expect((await store.adminList('s', 'orders', { since: 0, limit: 10, includeDeleted: false })).map((r) => r.key)).toEqual(['a', 'c']);
      expect((await store.adminList('s', 'orders', { since: 0, limit: 10, includeDeleted: true })).map((r) => r.key)).toEqual(['a', 'c', 'b']);
      expect((await store.adminList('s', 'orders', { since: 1, limit: 1, includeDeleted: true })).map((r) => r.key)).toEqual(['c']);
    });
  });
});

describe('SqliteHubStore file', () => {
  test('reopening the file keeps rows, heads and receipts', async ({ dir }) => {
    const path = join(dir, 'hub.db');
    const first = new SqliteHubStore(path);
    const { record } = await first.createKey({ role: 'node', scope: 'shop-1', name: 'pos-1' });
    await first.push(record, 'outbox-0001', [upsert(1, 'p1', { v: 1 })], accept);
    await first.close();

    const second = new SqliteHubStore(path);
    try {
      expect(await second.push(record, 'outbox-0001', [upsert(1, 'p1', { v: 1 })], accept)).toEqual({
        results: [{ seq: 1, status: 'applied', version: 1 }],
        committed: [],
      });
      const next = await second.push(record, 'outbox-0001', [upsert(2, 'p2', {})], accept);
      expect(next.results).toEqual([{ seq: 2, status: 'applied', version: 2 }]);
    } finally {
      await second.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });
});
