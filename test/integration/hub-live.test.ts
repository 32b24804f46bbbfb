import { io, type Socket } from 'socket.io-client';
import { describe, expect } from 'vitest';
import { startHub, test, waitFor } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change } from '../helpers/hub-client.js';

interface LiveEvent {
  entity: string;
  cursor: number;
}

interface LiveSocket {
  readonly socket: Socket;
  readonly events: LiveEvent[];
  readonly disconnects: string[];
}

function open(url: string, auth: Record<string, unknown>): Socket {
  return io(`${url}/sync`, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000 });
}

/** Connects to `/sync` and records every `changes` event; rejects with the connect_error message. */
async function connect(url: string, apiKey: string): Promise<LiveSocket> {
  const socket = open(url, { apiKey });
  const live: LiveSocket = { socket, events: [], disconnects: [] };
  socket.on('changes', (payload: LiveEvent) => live.events.push(payload));
  socket.on('disconnect', (reason) => live.disconnects.push(reason));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
  return live;
}

/** Connects and expects a refusal; returns its message. */
async function refused(url: string, auth: Record<string, unknown>): Promise<string> {
  const socket = open(url, auth);
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connected, expected a refusal')));
      socket.once('connect_error', (error) => resolve(error.message));
    });
  } finally {
    socket.close();
  }
}

describe('live channel /sync', () => {
  test('a node receives changes { entity, cursor } after an admin write to its scope, and not for another scope', async ({ dir }) => {
    const hub = await startHub(dir);
    const sockets: LiveSocket[] = [];
    try {
      const admin = new HubApi(hub.url, await hub.adminKey());
      const shop1 = await connect(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      const shop2 = await connect(hub.url, await hub.nodeKey('shop-2', 'pos-2'));
      sockets.push(shop1, shop2);

      // Shop 2's write goes first: if shop 1 were told about it, that event would arrive first.
      await admin.adminPutOk('shop-2', 'products', 'p1', { price: 1 });
      await admin.adminPutOk('shop-2', 'products', 'p2', { price: 2 });
      await admin.adminPutOk('shop-1', 'orders', 'o1', { total: 5 });

      await waitFor(() => shop1.events.length >= 1, 5000, 'shop-1 event');
      await waitFor(() => shop2.events.length >= 2, 5000, 'shop-2 events');
      expect(shop1.events).toEqual([{ entity: 'orders', cursor: 1 }]);
      expect(shop2.events).toEqual([
        { entity: 'products', cursor: 1 },
        { entity: 'products', cursor: 2 },
      ]);
    } finally {
      for (const s of sockets) s.socket.close();
      await hub.stop();
    }
  });

  test('a push announces the highest cursor per entity of its commit; a push that commits nothing announces nothing', async ({ dir }) => {
    const hub = await startHub(dir);
    const sockets: LiveSocket[] = [];
    try {
      const nodeKey = await hub.nodeKey('shop-1', 'pos-1');
      const listener = await connect(hub.url, await hub.nodeKey('shop-1', 'pos-2'));
      sockets.push(listener);
      const node = new HubApi(hub.url, nodeKey);

      await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 }), change(2, 'p2', { v: 2 }), change(3, 'o1', { v: 3 }, { entity: 'orders' }), change(4, 'p3', { v: 4 })]);
      await waitFor(() => listener.events.length >= 2, 5000, 'push events');
      expect([...listener.events].sort((a, b) => a.cursor - b.cursor)).toEqual([
        { entity: 'orders', cursor: 3 },
        { entity: 'products', cursor: 4 },
      ]);

      // A replay and a conflict commit nothing; the next event is the admin write's.
      await node.pushOk(SOURCE, [change(1, 'p1', { v: 1 })]);
      // (from another outbox: a later change of the same one would be on top of its own write)
      await node.pushOk('outbox-test-0002', [change(5, 'p1', { v: 'stale' }, { baseVersion: 0 })]);
      await new HubApi(hub.url, await hub.adminKey()).adminPutOk('shop-1', 'customers', 'c1', { n: 1 });
      await waitFor(() => listener.events.length >= 3, 5000, 'admin event');
      expect(listener.events.slice(2)).toEqual([{ entity: 'customers', cursor: 5 }]);
    } finally {
      for (const s of sockets) s.socket.close();
      await hub.stop();
    }
  });

  test('a bad, missing, admin or revoked key gets a connect_error', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      expect(await refused(hub.url, {})).toMatch(/^unauthorized/);
      expect(await refused(hub.url, { apiKey: 'garbage' })).toMatch(/^unauthorized/);
      const real = await hub.nodeKey();
      expect(await refused(hub.url, { apiKey: `${real.split('_').slice(0, 2).join('_')}_${'B'.repeat(32)}` })).toMatch(/^unauthorized/);
      expect(await refused(hub.url, { apiKey: await hub.adminKey() })).toMatch(/^forbidden/);
      const revoked = await hub.nodeKey('shop-1', 'pos-9');
      const id = (await hub.store.listKeys()).find((k) => k.name === 'pos-9')!.keyId;
      await hub.store.revokeKey(id);
      expect(await refused(hub.url, { apiKey: revoked })).toMatch(/^forbidden.*revoked/);
    } finally {
      await hub.stop();
    }
  });

  test('revoking a key through the hub drops its open sockets at once, and only those', async ({ dir }) => {
    const hub = await startHub(dir);
    const sockets: LiveSocket[] = [];
    try {
      const doomed = await connect(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      const other = await connect(hub.url, await hub.nodeKey('shop-1', 'pos-2'));
      sockets.push(doomed, other);
      const id = (await hub.store.listKeys()).find((k) => k.name === 'pos-1')!.keyId;
      expect(await hub.hub.revokeKey(id)).toBe(true);
      await waitFor(() => doomed.disconnects.length > 0, 5000, 'revoked socket dropped');
      expect(doomed.disconnects).toEqual(['io server disconnect']);

      await new HubApi(hub.url, await hub.adminKey()).adminPutOk('shop-1', 'orders', 'o1', { total: 1 });
      await waitFor(() => other.events.length >= 1, 5000, 'event for the other node');
      expect(other.socket.connected).toBe(true);
      expect(doomed.events).toEqual([]);
    } finally {
      for (const s of sockets) s.socket.close();
      await hub.stop();
    }
  });

  test('a key revoked in the store directly (CLI) is dropped by the periodic sweep', async ({ dir }) => {
    const hub = await startHub(dir);
    const sockets: LiveSocket[] = [];
    try {
      const doomed = await connect(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
      sockets.push(doomed);
      const id = (await hub.store.listKeys()).find((k) => k.name === 'pos-1')!.keyId;
      await hub.store.revokeKey(id);
      await waitFor(() => doomed.disconnects.length > 0, 15_000, 'sweep to drop the revoked socket');
      expect(doomed.socket.connected).toBe(false);
    } finally {
      for (const s of sockets) s.socket.close();
      await hub.stop();
    }
  });
});
