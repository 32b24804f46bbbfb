import { expect } from 'vitest';
import { adminRow, errorBody } from '../../src/protocol/index.js';
import { startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, expectError, snapshot } from '../helpers/hub-client.js';

test('admin PUT, GET, list and DELETE of a row', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey('shop-1'));
    expect(await admin.adminPutOk('shop-1', 'orders', 'o1', { total: 10, status: 'new' })).toBe(1);
    expect(await admin.adminPutOk('shop-1', 'orders', 'o2', { total: 20 })).toBe(2);

    const got = await admin.adminGet('shop-1', 'orders', 'o1');
    expect(got.status).toBe(200);
    expect(adminRow.parse(got.body)).toMatchObject({ key: 'o1', data: { total: 10, status: 'new' }, version: 1, deleted: false, origin: 'admin:backend' });

    const del = await admin.adminDelete('shop-1', 'orders', 'o1');
    expect(del.status, del.text).toBe(200);
    expect(del.body).toEqual({ version: 3 });
    expect((await admin.adminGet('shop-1', 'orders', 'o1')).body).toMatchObject({ key: 'o1', data: null, deleted: true, version: 3 });

    const live = (await admin.adminList('shop-1', 'orders')).body as { rows: { key: string }[] };
    expect(live.rows.map((r) => r.key)).toEqual(['o2']);
    const all = (await admin.adminList('shop-1', 'orders', 'deleted=1')).body as { rows: { key: string; deleted: boolean }[] };
    expect(all.rows.map((r) => [r.key, r.deleted])).toEqual([
      ['o2', false],
      ['o1', true],
    ]);
    const since = (await admin.adminList('shop-1', 'orders', 'since=2&deleted=true')).body as { rows: { key: string }[] };
    expect(since.rows.map((r) => r.key)).toEqual(['o1']);

    expectError(await admin.adminGet('shop-1', 'orders', 'nope'), 404, 'not_found');
  } finally {
    await hub.stop();
  }
});

test('admin PUT/DELETE with a stale baseVersion is 409 conflict and writes nothing; a matching one applies', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    await admin.adminPutOk('shop-1', 'orders', 'o1', { total: 1 });
    await admin.adminPutOk('shop-1', 'orders', 'o1', { total: 2 });
    const before = snapshot(hub.dbPath);
    expect(expectError(await admin.adminPut('shop-1', 'orders', 'o1', { total: 3 }, 1), 409, 'conflict')).toContain('2');
    expectError(await admin.adminDelete('shop-1', 'orders', 'o1', 1), 409, 'conflict');
    expect(snapshot(hub.dbPath).heads).toEqual(before.heads);
    expect((await hub.store.adminGet('shop-1', 'orders', 'o1'))?.data).toEqual({ total: 2 });

    const ok = await admin.adminPut('shop-1', 'orders', 'o1', { total: 3 }, 2);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ version: 3 });
  } finally {
    await hub.stop();
  }
});

// adminPutBody: baseVersion "omitted = last writer wins"; null means "the row must not exist yet",
// as it does on /v1/push. A backend creating order o1 must not silently overwrite an existing o1.
test('admin PUT with baseVersion null creates a new row but is 409 conflict on an existing one', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    const created = await admin.adminPut('shop-1', 'orders', 'o1', { total: 1 }, null);
    expect(created.status, created.text).toBe(200);
    expect(created.body).toEqual({ version: 1 });
    const before = snapshot(hub.dbPath);
    expectError(await admin.adminPut('shop-1', 'orders', 'o1', { total: 999 }, null), 409, 'conflict');
    expect(snapshot(hub.dbPath).heads).toEqual(before.heads);
    expect((await hub.store.adminGet('shop-1', 'orders', 'o1'))?.data).toEqual({ total: 1 });
  } finally {
    await hub.stop();
  }
});

test('admin bad input: body and path are validated, nothing is written', async ({ dir }) => {
  const hub = await startHub(dir, { entities: ['orders'] });
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    const before = snapshot(hub.dbPath);
    expect(expectError(await admin.request('PUT', '/v1/admin/scopes/shop-1/entities/orders/rows/o1', { json: { total: 1 } }), 400, 'validation')).toContain('data');
    expect(expectError(await admin.request('PUT', '/v1/admin/scopes/shop-1/entities/orders/rows/o1', { json: { data: [] } }), 400, 'validation')).toContain('data');
    expectError(await admin.request('PUT', '/v1/admin/scopes/shop-1/entities/orders/rows/o1', { raw: '{"data":' }), 400, 'invalid_json');
    expect(expectError(await admin.adminPut('shop-1', 'Bad-Name', 'o1', { total: 1 }), 400, 'validation')).toContain('entity');
    expect(expectError(await admin.adminPut('shop-1', 'invoices', 'o1', { total: 1 }), 400, 'unknown_entity')).toContain('invoices');
    expect(expectError(await admin.adminList('shop-1', 'orders', 'limit=0'), 400, 'validation')).toContain('limit');
    expect(snapshot(hub.dbPath)).toEqual(before);
  } finally {
    await hub.stop();
  }
});

test('a row key with URL-special characters round-trips through the admin API and pull', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    const node = new HubApi(hub.url, await hub.nodeKey());
    const keys = ['a/b', 'x?y#z', '["shop-1",42]', 'ünï cödé', '%2F'];
    for (const key of keys) await admin.adminPutOk('shop-1', 'orders', key, { key });
    for (const key of keys) {
      const got = await admin.adminGet('shop-1', 'orders', key);
      expect(got.status, `${key}: ${got.text}`).toBe(200);
      expect(got.body).toMatchObject({ key, data: { key } });
    }
    expect((await node.pullOk('orders')).changes.map((c) => c.key)).toEqual(keys);
  } finally {
    await hub.stop();
  }
});

// The wire allows row keys up to 512 characters (rowKey), e.g. a composite key as a JSON array of
// UUIDs. A row a node pushed must be reachable by the admin API that serves the same scope.
test('a long row key a node may push (up to 512 chars) can be read, written and deleted through the admin API', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey());
    const admin = new HubApi(hub.url, await hub.adminKey());
    const uuid = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
    const composite = JSON.stringify([uuid, uuid, uuid]);
    const longest = 'k'.repeat(512);
    for (const [i, key] of [composite, longest].entries()) {
      expect(await node.pushOk(SOURCE, [change(i + 1, key, { n: i }, { entity: 'orders' })])).toMatchObject([{ status: 'applied' }]);
      const got = await admin.adminGet('shop-1', 'orders', key);
      expect(got.status, `GET key of ${key.length} chars: ${got.text}`).toBe(200);
      expect(got.body).toMatchObject({ key, data: { n: i } });
      const put = await admin.adminPut('shop-1', 'orders', key, { n: 'admin' });
      expect(put.status, `PUT key of ${key.length} chars: ${put.text}`).toBe(200);
      const del = await admin.adminDelete('shop-1', 'orders', key);
      expect(del.status, `DELETE key of ${key.length} chars: ${del.text}`).toBe(200);
    }
  } finally {
    await hub.stop();
  }
});

// Errors raised by Fastify's router, before any route runs, must still answer `{ error: { code, message } }`:
// clients (and the agent's toSyncError) only understand that shape.
test('router-level refusals (malformed %-escape, over-long key) answer in the hub error shape', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const admin = new HubApi(hub.url, await hub.adminKey());
    const before = snapshot(hub.dbPath);
    const badEscape = await admin.request('GET', '/v1/admin/scopes/shop-1/entities/orders/rows/%E0%A4%A');
    expect(badEscape.status, badEscape.text).toBe(400);
    const shaped = errorBody.safeParse(badEscape.body);
    expect(shaped.success, badEscape.text).toBe(true);
    expect(['bad_request', 'validation']).toContain(shaped.data?.error.code);
    const tooLong = await admin.adminPut('shop-1', 'orders', 'k'.repeat(600), { n: 1 });
    expect(tooLong.status, tooLong.text).toBe(400);
    expect(expectError(tooLong, 400, 'validation')).toContain('key');
    expect(snapshot(hub.dbPath)).toEqual(before);
  } finally {
    await hub.stop();
  }
});
