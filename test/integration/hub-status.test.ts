import { expect } from 'vitest';
import { PROTOCOL_VERSION, hubStatus } from '../../src/protocol/index.js';
import { startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, expectError } from '../helpers/hub-client.js';

test('/healthz answers without a key, with the protocol version', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const answer = await new HubApi(hub.url).request('GET', '/healthz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, protocol: PROTOCOL_VERSION });
  } finally {
    await hub.stop();
  }
});

test('/v1/status of a fresh scope: node name, scope, head 0, no entities', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey('shop-7', 'front-till'));
    const answer = await node.status();
    expect(answer.status).toBe(200);
    const status = hubStatus.parse(answer.body);
    expect(status).toMatchObject({ protocol: PROTOCOL_VERSION, node: 'front-till', scope: 'shop-7', head: 0, entities: [] });
    expect(Math.abs(Date.parse(status.serverTime) - Date.now())).toBeLessThan(60_000);
  } finally {
    await hub.stop();
  }
});

test('/v1/status reports the scope head and per-entity live row counts and heads, for its own scope only', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
    const admin = new HubApi(hub.url, await hub.adminKey());
    await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 }), change(2, 'p2', { v: 2 }), change(3, 'p3', { v: 3 })]);
    await node.pushOk(SOURCE, [change(4, 'p2', null, { baseVersion: 2 })]);
    await admin.adminPutOk('shop-1', 'orders', 'o1', { total: 1 });
    await admin.adminPutOk('shop-1', 'orders', 'o1', { total: 2 });
    // Another scope's writes do not show.
    await admin.adminPutOk('shop-2', 'orders', 'x1', { total: 9 });
    await admin.adminPutOk('shop-2', 'customers', 'x1', { n: 9 });

    const status = hubStatus.parse((await node.status()).body);
    expect(status).toMatchObject({ node: 'pos-1', scope: 'shop-1', head: 6 });
    expect(status.entities).toEqual([
      { entity: 'orders', rows: 1, head: 6 },
      { entity: 'products', rows: 2, head: 4 },
    ]);
  } finally {
    await hub.stop();
  }
});

test('/v1/status of an entity whose rows are all deleted counts 0 rows', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey());
    await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 }), change(2, 'p1', null, { baseVersion: 1 })]);
    const status = hubStatus.parse((await node.status()).body);
    expect(status.entities).toEqual([{ entity: 'products', rows: 0, head: 2 }]);
  } finally {
    await hub.stop();
  }
});

test('/v1/status needs a node key', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    expectError(await new HubApi(hub.url).status(), 401, 'unauthorized');
    expectError(await new HubApi(hub.url, await hub.adminKey()).status(), 403, 'forbidden');
  } finally {
    await hub.stop();
  }
});
