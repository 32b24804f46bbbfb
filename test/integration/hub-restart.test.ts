import { expect } from 'vitest';
import { startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, snapshot } from '../helpers/hub-client.js';

test('a push replayed after a hub restart gets the stored answer and is still applied once', async ({ dir }) => {
  const first = await startHub(dir);
  const { dbPath } = first;
  let key: string;
  let answer: unknown;
  try {
    key = await first.nodeKey('shop-1', 'pos-1');
    answer = await new HubApi(first.url, key).pushOk(SOURCE, [change(1, 'p1', { price: 10 }), change(2, 'p2', { price: 2 })]);
    expect(answer).toEqual([
      { seq: 1, status: 'applied', version: 1 },
      { seq: 2, status: 'applied', version: 2 },
    ]);
  } finally {
    await first.stop();
  }
  const before = snapshot(dbPath);

  const second = await startHub(dir, { dbPath });
  try {
    const node = new HubApi(second.url, key);
    const replay = await node.pushOk(SOURCE, [change(1, 'p1', { price: 10 }), change(2, 'p2', { price: 2 })]);
    expect(replay).toEqual(answer);
    expect(snapshot(dbPath)).toEqual(before);
    expect((await second.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ price: 10 });

    // The cursor continues where it stopped: no cursor is handed out twice.
    expect(await node.pushOk(SOURCE, [change(3, 'p3', { price: 3 })])).toEqual([{ seq: 3, status: 'applied', version: 3 }]);
    const page = await node.pullOk('products');
    expect(page.changes.map((c) => [c.key, c.cursor])).toEqual([
      ['p1', 1],
      ['p2', 2],
      ['p3', 3],
    ]);
  } finally {
    await second.stop();
  }
});

test('keys and revocations survive a restart', async ({ dir }) => {
  const first = await startHub(dir);
  const { dbPath } = first;
  let live: string;
  let revoked: string;
  try {
    live = await first.nodeKey('shop-1', 'pos-1');
    revoked = await first.nodeKey('shop-1', 'pos-2');
    const id = (await first.store.listKeys()).find((k) => k.name === 'pos-2')!.keyId;
    expect(await first.store.revokeKey(id)).toBe(true);
  } finally {
    await first.stop();
  }
  const second = await startHub(dir, { dbPath });
  try {
    expect((await new HubApi(second.url, live).status()).status).toBe(200);
    expect((await new HubApi(second.url, revoked).status()).status).toBe(403);
  } finally {
    await second.stop();
  }
});
