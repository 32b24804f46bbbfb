import { expect } from 'vitest';
import { startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, expectError, snapshot } from '../helpers/hub-client.js';

test("a node key only pulls its own scope's rows", async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    await admin.adminPutOk('shop-b', 'orders', 'secret-order', { total: 500 });
    await admin.adminPutOk('shop-a', 'orders', 'own-order', { total: 5 });
    const nodeA = new HubApi(hub.url, await hub.nodeKey('shop-a', 'pos-a'));

    const page = await nodeA.pullOk('orders');
    expect(page.changes.map((c) => c.key)).toEqual(['own-order']);
    expect((await nodeA.pull('orders')).text).not.toContain('secret-order');
    // Asking for cursors beyond its own does not reveal the other scope either.
    expect((await nodeA.pullOk('orders', 0, 10_000)).changes.map((c) => c.key)).toEqual(['own-order']);
    const status = await nodeA.status();
    expect(status.body).toMatchObject({ scope: 'shop-a', head: 1, entities: [{ entity: 'orders', rows: 1, head: 1 }] });
  } finally {
    await hub.stop();
  }
});

test("a node key cannot write into another scope: its pushes land in its own", async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    await admin.adminPutOk('shop-b', 'products', 'p1', { price: 10 });
    const nodeA = new HubApi(hub.url, await hub.nodeKey('shop-a', 'pos-a'));

    // Same entity and key as shop B's row, even claiming B's version: a new row in A.
    const results = await nodeA.pushOk(SOURCE, [change(1, 'p1', { price: 0 }, { baseVersion: 1 })]);
    expect(results).toEqual([{ seq: 1, status: 'applied', version: 1 }]);
    expect((await hub.store.adminGet('shop-b', 'products', 'p1'))?.data).toEqual({ price: 10 });
    expect((await hub.store.adminGet('shop-a', 'products', 'p1'))?.data).toEqual({ price: 0 });
    expect(snapshot(hub.dbPath).heads).toEqual({ 'shop-a': 1, 'shop-b': 1 });

    // A push body cannot name a scope at all.
    const smuggled = await nodeA.request('POST', '/v1/push', {
      json: { protocol: 1, source: SOURCE, scope: 'shop-b', changes: [change(2, 'p2', { price: 1 })] },
    });
    expectError(smuggled, 400, 'validation');
    expect(await hub.store.adminGet('shop-b', 'products', 'p2')).toBeNull();
  } finally {
    await hub.stop();
  }
});

test('an admin key of scope A is refused (403) on every admin route of scope B and writes nothing', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const star = new HubApi(hub.url, await hub.adminKey('*'));
    await star.adminPutOk('shop-b', 'orders', 'o1', { total: 1 });
    const adminA = new HubApi(hub.url, await hub.adminKey('shop-a'));
    const before = snapshot(hub.dbPath);

    expectError(await adminA.adminGet('shop-b', 'orders', 'o1'), 403, 'forbidden');
    expectError(await adminA.adminList('shop-b', 'orders'), 403, 'forbidden');
    expectError(await adminA.adminPut('shop-b', 'orders', 'o1', { total: 666 }), 403, 'forbidden');
    expectError(await adminA.adminPut('shop-b', 'orders', 'o2', { total: 666 }), 403, 'forbidden');
    expectError(await adminA.adminDelete('shop-b', 'orders', 'o1'), 403, 'forbidden');
    // Nor may it treat `*` as a scope name.
    expectError(await adminA.adminPut('*', 'orders', 'o3', { total: 666 }), 403, 'forbidden');
    expect(snapshot(hub.dbPath)).toEqual(before);
    expect((await hub.store.adminGet('shop-b', 'orders', 'o1'))?.data).toEqual({ total: 1 });

    // Its own scope works.
    expect(await adminA.adminPutOk('shop-a', 'orders', 'o1', { total: 2 })).toBe(1);
  } finally {
    await hub.stop();
  }
});

test('a `*` admin key reads and writes every scope', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const star = new HubApi(hub.url, await hub.adminKey('*'));
    for (const scope of ['shop-a', 'shop-b']) {
      expect(await star.adminPutOk(scope, 'orders', 'o1', { scope })).toBe(1);
      const got = await star.adminGet(scope, 'orders', 'o1');
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ key: 'o1', data: { scope }, version: 1, deleted: false, origin: 'admin:backend' });
      const list = await star.adminList(scope, 'orders');
      expect((list.body as { rows: { key: string }[] }).rows.map((r) => r.key)).toEqual(['o1']);
    }
  } finally {
    await hub.stop();
  }
});

test('roles are not interchangeable: node key on admin routes and admin key on node routes are 403', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey('shop-a', 'pos-a'));
    const admin = new HubApi(hub.url, await hub.adminKey('*'));
    const before = snapshot(hub.dbPath);

    // Even on its own scope, a node key is not an admin key.
    expectError(await node.adminPut('shop-a', 'orders', 'o1', { total: 1 }), 403, 'forbidden');
    expectError(await node.adminGet('shop-a', 'orders', 'o1'), 403, 'forbidden');
    expectError(await node.adminList('shop-a', 'orders'), 403, 'forbidden');
    expectError(await node.adminDelete('shop-a', 'orders', 'o1'), 403, 'forbidden');

    expectError(await admin.push(SOURCE, [change(1, 'p1', { price: 1 })]), 403, 'forbidden');
    expectError(await admin.pull('products'), 403, 'forbidden');
    expectError(await admin.status(), 403, 'forbidden');
    expect(snapshot(hub.dbPath)).toEqual(before);
  } finally {
    await hub.stop();
  }
});
