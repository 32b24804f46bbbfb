import { describe, expect } from 'vitest';
import { startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, expectError, startCustomHub } from '../helpers/hub-client.js';

describe('GET /v1/pull paging', () => {
  test('pages of `limit` rows: hasMore, strictly increasing cursors, every row exactly once', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const n = 23;
      const changes = Array.from({ length: n }, (_, i) => change(i + 1, `p${String(i + 1).padStart(2, '0')}`, { i: i + 1 }));
      await node.pushOk(SOURCE, changes);

      const { pages, changes: pulled, cursor } = await node.pullAll('products', 5);
      expect(pages.map((p) => p.changes.length)).toEqual([5, 5, 5, 5, 3]);
      expect(pages.map((p) => p.hasMore)).toEqual([true, true, true, true, false]);
      for (const page of pages) expect(page.cursor).toBe(page.changes.at(-1)!.cursor);
      const cursors = pulled.map((c) => c.cursor);
      for (let i = 1; i < cursors.length; i++) expect(cursors[i]).toBeGreaterThan(cursors[i - 1]!);
      expect(pulled.map((c) => c.key).sort()).toEqual(changes.map((c) => c.key).sort());
      expect(new Set(pulled.map((c) => c.key)).size).toBe(n);
      expect(cursor).toBe(n);
      for (const c of pulled) {
        expect(c.op).toBe('upsert');
        expect(c.version).toBe(c.cursor);
        expect(c.data).toEqual({ i: Number(c.key.slice(1)) });
      }

      // Nothing after the last cursor: an empty page that keeps the cursor.
      expect(await node.pullOk('products', cursor, 5)).toEqual({ changes: [], cursor, hasMore: false });
    } finally {
      await hub.stop();
    }
  });

  test('an exact multiple of the limit ends with hasMore false on the last full page', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      await node.pushOk(SOURCE, Array.from({ length: 6 }, (_, i) => change(i + 1, `k${i}`, { i })));
      const { pages } = await node.pullAll('products', 3);
      expect(pages.map((p) => [p.changes.length, p.hasMore])).toEqual([
        [3, true],
        [3, false],
      ]);
    } finally {
      await hub.stop();
    }
  });

  test('since = the last cursor returns only what came after it', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      await node.pushOk(SOURCE, [change(1, 'a', { v: 1 }), change(2, 'b', { v: 2 })]);
      const first = await node.pullOk('products');
      expect(first.cursor).toBe(2);
      await node.pushOk(SOURCE, [change(3, 'c', { v: 3 }), change(4, 'a', { v: 'a2' }, { baseVersion: 1 })]);
      const rest = await node.pullOk('products', first.cursor);
      expect(rest.changes.map((c) => [c.key, c.cursor, c.data])).toEqual([
        ['c', 3, { v: 3 }],
        ['a', 4, { v: 'a2' }],
      ]);
      expect(rest).toMatchObject({ cursor: 4, hasMore: false });
    } finally {
      await hub.stop();
    }
  });

  test('latest state only: a row updated three times appears once, with its newest data; deletes come as op delete', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      const admin = new HubApi(hub.url, await hub.adminKey());
      await node.pushOk(SOURCE, [change(1, 'p1', { price: 1 }), change(2, 'p2', { price: 2 })]);
      await node.pushOk(SOURCE, [change(3, 'p1', { price: 11 }, { baseVersion: 1 })]);
      await node.pushOk(SOURCE, [change(4, 'p1', { price: 111 }, { baseVersion: 3 })]);
      await admin.adminPutOk('shop-1', 'products', 'p1', { price: 1111 });
      const del = await admin.adminDelete('shop-1', 'products', 'p2');
      expect(del.status, del.text).toBe(200);

      const page = await node.pullOk('products');
      expect(page.changes).toEqual([
        { cursor: 5, key: 'p1', op: 'upsert', data: { price: 1111 }, version: 5, origin: 'admin:backend' },
        { cursor: 6, key: 'p2', op: 'delete', data: null, version: 6, origin: 'admin:backend' },
      ]);
      expect(page).toMatchObject({ cursor: 6, hasMore: false });
    } finally {
      await hub.stop();
    }
  });

  test('a row changed while a reader pages is seen again at its new cursor, never lost', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      await node.pushOk(SOURCE, [change(1, 'a', { v: 1 }), change(2, 'b', { v: 1 }), change(3, 'c', { v: 1 })]);
      const page1 = await node.pullOk('products', 0, 2);
      expect(page1.changes.map((c) => c.key)).toEqual(['a', 'b']);
      await node.pushOk(SOURCE, [change(4, 'a', { v: 2 }, { baseVersion: 1 })]);
      const page2 = await node.pullOk('products', page1.cursor, 2);
      expect(page2.changes.map((c) => [c.key, c.data])).toEqual([
        ['c', { v: 1 }],
        ['a', { v: 2 }],
      ]);
      expect(page2.hasMore).toBe(false);
    } finally {
      await hub.stop();
    }
  });

  test('the cursor is per scope and gapless in commit order; two scopes do not interfere', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const shop1 = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      const shop2 = new HubApi(hub.url, await hub.nodeKey('shop-2', 'pos-2'));
      const admin = new HubApi(hub.url, await hub.adminKey());
      // Interleaved writes over two scopes and two entities.
      await shop1.pushOk('outbox-shop1-0001', [change(1, 'p1', { s: 1 })]);
      await shop2.pushOk('outbox-shop2-0001', [change(1, 'p1', { s: 2 })]);
      await admin.adminPutOk('shop-1', 'orders', 'o1', { total: 1 });
      await shop2.pushOk('outbox-shop2-0001', [change(2, 'p2', { s: 2 })]);
      await shop1.pushOk('outbox-shop1-0001', [change(2, 'p2', { s: 1 })]);
      await admin.adminPutOk('shop-2', 'orders', 'o1', { total: 2 });
      await admin.adminPutOk('shop-1', 'orders', 'o2', { total: 3 });

      const cursorsOf = async (api: HubApi) => {
        const all = [...(await api.pullOk('products')).changes, ...(await api.pullOk('orders')).changes];
        return all.map((c) => c.cursor).sort((a, b) => a - b);
      };
      // Shop 1 committed 4 changes, shop 2 committed 3: each scope counts 1..n with no gap.
      expect(await cursorsOf(shop1)).toEqual([1, 2, 3, 4]);
      expect(await cursorsOf(shop2)).toEqual([1, 2, 3]);
      expect((await shop1.pullOk('orders')).changes.map((c) => [c.key, c.cursor])).toEqual([
        ['o1', 2],
        ['o2', 4],
      ]);
      expect((await shop2.pullOk('products')).changes.map((c) => [c.key, c.data])).toEqual([
        ['p1', { s: 2 }],
        ['p2', { s: 2 }],
      ]);
      const status1 = await shop1.status();
      const status2 = await shop2.status();
      expect((status1.body as { head: number }).head).toBe(4);
      expect((status2.body as { head: number }).head).toBe(3);
    } finally {
      await hub.stop();
    }
  });

  test('a limit above the hub maximum is capped, and paging still covers everything', async ({ dir }) => {
    const hub = await startCustomHub(dir, { maxPullLimit: 4 });
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      await node.pushOk(SOURCE, Array.from({ length: 10 }, (_, i) => change(i + 1, `k${i}`, { i })));
      const page = await node.pullOk('products', 0, 1000);
      expect(page.changes).toHaveLength(4);
      expect(page.hasMore).toBe(true);
      const { changes } = await node.pullAll('products', 1000);
      expect(changes.map((c) => c.cursor)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    } finally {
      await hub.stop();
    }
  });
});

describe('GET /v1/pull query validation', () => {
  test('a bad query is a 400 validation error naming the parameter', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      expect(expectError(await node.request('GET', '/v1/pull'), 400, 'validation')).toContain('entity');
      expect(expectError(await node.pull('products', 0, 0), 400, 'validation')).toContain('limit');
      expect(expectError(await node.pull('products', -1), 400, 'validation')).toContain('since');
      expect(expectError(await node.request('GET', '/v1/pull?entity=products&since=abc'), 400, 'validation')).toContain('since');
      expect(expectError(await node.request('GET', '/v1/pull?entity=Bad-Name'), 400, 'validation')).toContain('entity');
      expect(expectError(await node.request('GET', '/v1/pull?entity=products&sinse=3'), 400, 'validation')).toContain('sinse');
    } finally {
      await hub.stop();
    }
  });

  test('an entity the hub does not serve is 400 unknown_entity', async ({ dir }) => {
    const hub = await startHub(dir, { entities: ['products'] });
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      expect(expectError(await node.pull('secrets'), 400, 'unknown_entity')).toContain('secrets');
      expect((await node.pullOk('products')).changes).toEqual([]);
    } finally {
      await hub.stop();
    }
  });
});
