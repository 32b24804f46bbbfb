import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { startHub, test, type RunningHub } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, expectError, snapshot, type Answer } from '../helpers/hub-client.js';

/** Every protected route, called with whatever key `api` carries; each would write or read shop-1 if allowed. */
function protectedCalls(api: HubApi): [string, () => Promise<Answer>][] {
  return [
    ['POST /v1/push', () => api.push(SOURCE, [change(1, 'p1', { price: 1 })])],
    ['GET /v1/pull', () => api.pull('products')],
    ['GET /v1/status', () => api.status()],
    ['PUT admin row', () => api.adminPut('shop-1', 'orders', 'o1', { total: 1 })],
    ['DELETE admin row', () => api.adminDelete('shop-1', 'orders', 'o0')],
    ['GET admin row', () => api.adminGet('shop-1', 'orders', 'o0')],
    ['GET admin rows', () => api.adminList('shop-1', 'orders')],
  ];
}

async function seeded(dir: string): Promise<RunningHub> {
  const hub = await startHub(dir);
  // One existing row, so a DELETE that got through would show.
  await hub.store.adminWrite('shop-1', 'admin:seed', { entity: 'orders', key: 'o0', op: 'upsert', data: { total: 0 } });
  return hub;
}

describe('hub authentication', () => {
  test('a missing X-API-Key is 401 unauthorized on every protected route, and nothing is written', async ({ dir }) => {
    const hub = await seeded(dir);
    try {
      const before = snapshot(hub.dbPath);
      for (const [name, call] of protectedCalls(new HubApi(hub.url, null))) {
        const message = expectError(await call(), 401, 'unauthorized');
        expect(message, name).toMatch(/X-API-Key/i);
      }
      expect(snapshot(hub.dbPath)).toEqual(before);
    } finally {
      await hub.stop();
    }
  });

  test('an empty or garbage key is 401 unauthorized, and nothing is written', async ({ dir }) => {
    const hub = await seeded(dir);
    try {
      const real = await hub.nodeKey();
      const before = snapshot(hub.dbPath);
      const wrongSecret = `${real.split('_').slice(0, 2).join('_')}_${'A'.repeat(32)}`;
      const unknownId = real.replace(/^dvt_[0-9a-f]{12}_/, 'dvt_000000000000_');
      for (const bad of ['', 'garbage', 'dvt_zz_zz', wrongSecret, unknownId, `${real}x`]) {
        for (const [name, call] of protectedCalls(new HubApi(hub.url, bad))) {
          expect(expectError(await call(), 401, 'unauthorized'), `${name} with ${JSON.stringify(bad)}`).toBeTruthy();
        }
      }
      expect(snapshot(hub.dbPath)).toEqual(before);
    } finally {
      await hub.stop();
    }
  });

  test('a revoked key is 403 forbidden, and nothing is written', async ({ dir }) => {
    const hub = await seeded(dir);
    try {
      const nodeKey = await hub.nodeKey('shop-1', 'pos-1');
      const adminKey = await hub.adminKey('*');
      const node = new HubApi(hub.url, nodeKey);
      const admin = new HubApi(hub.url, adminKey);
      // Both work before revocation.
      expect((await node.status()).status).toBe(200);
      expect((await admin.adminGet('shop-1', 'orders', 'o0')).status).toBe(200);

      for (const key of await hub.store.listKeys()) expect(await hub.store.revokeKey(key.keyId)).toBe(true);
      const before = snapshot(hub.dbPath);
      for (const api of [node, admin]) {
        for (const [name, call] of protectedCalls(api)) {
          expect(expectError(await call(), 403, 'forbidden'), name).toMatch(/revoked/);
        }
      }
      expect(snapshot(hub.dbPath)).toEqual(before);
      expect(await hub.store.adminGet('shop-1', 'orders', 'o0')).toMatchObject({ deleted: false, version: 1 });
    } finally {
      await hub.stop();
    }
  });

  test('the hub stores a hash of each key, never the secret', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const key = await hub.nodeKey();
      const secret = key.split('_').slice(2).join('_');
      expect(secret.length).toBeGreaterThanOrEqual(20);
      await hub.stop();
      for (const file of [hub.dbPath, `${hub.dbPath}-wal`]) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch {
          continue;
        }
        expect(bytes.includes(Buffer.from(secret)), file).toBe(false);
      }
    } finally {
      await hub.stop();
    }
  });
});
