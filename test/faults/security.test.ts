/**
 * Security (issue 13 §4): wrong and revoked keys, cross-scope access, and where key text must
 * never appear. Real hub on loopback; the agent is the live one `dovetail run` uses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { io, type Socket } from 'socket.io-client';
import { describe, expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { parseConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { dovetail } from '../helpers/cli.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { startHubWith } from '../helpers/hub-harness.js';
import { HubApi, snapshot } from '../helpers/hub-client.js';
import { count, openPos } from '../helpers/local-db.js';
import { seeded } from './tier.js';

const CUSTOMERS = [
  { name: 'customers', direction: 'both', create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT' } } },
];

/** A pino destination that keeps everything written to it. */
function captureStream(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const ALL = { since: 0, limit: 1000, includeDeleted: true };
const secretOf = (key: string) => key.split('_').slice(2).join('_');

describe('wrong and revoked keys: refused, no retry storm', () => {
  for (const kind of ['wrong', 'revoked'] as const) {
    test(`a ${kind} key: the run fails with ${kind === 'wrong' ? '401 auth' : '403 forbidden'}, and the live agent stays quiet while the shop keeps writing`, async ({ dir }) => {
      const hub = await startHubWith(dir, () => undefined);
      const dbPath = join(dir, 'shop.db');
      const good = await hub.nodeKey();
      // The good key's id with another secret (a secret may itself hold or end in '_').
      let key = `${good.split('_').slice(0, 2).join('_')}_${'W'.repeat(32)}`;
      expect(key).not.toBe(good);
      if (kind === 'revoked') {
        key = await hub.nodeKey('shop-1', 'pos-revoked');
        await hub.store.revokeKey((await hub.store.listKeys()).find((k) => k.name === 'pos-revoked')!.keyId);
      }
      const logs = captureStream();
      const logger = createLogger({ destination: logs.stream, level: 'debug' });
      const engine = await SyncEngine.open(instanceConfig({ dbPath, url: hub.url, apiKey: key, entities: CUSTOMERS }), { logger });
      const agent = new Agent({ engine, logger, maxBackoffMs: 1000, localPollMs: 20 });
      const pos = openPos(dbPath);
      try {
        const summary = await engine.sync();
        expect(summary.status).toBe('FAILED');
        expect(summary.errorCode).toBe(kind === 'wrong' ? 'auth' : 'forbidden');
        // Not retried within the run: one status request is all it took.
        expect(hub.requests.filter((r) => r !== 'GET /v1/health')).toEqual(['GET /v1/status']);

        const before = hub.requests.length;
        await agent.start();
        const start = Date.now();
        for (let i = 0; Date.now() - start < 2000; i++) {
          pos.prepare('INSERT INTO customers (id, first_name) VALUES (?, ?)').run(`c${i}`, `name ${i}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const during = hub.requests.length - before;
        // ~40 local commits and a 1 s backoff cap in 2 s: an agent that retried on each would send 40+.
        expect(during, hub.requests.slice(before).join('\n')).toBeLessThanOrEqual(3);
        expect(agent.status().lastErrorCode).toBe(kind === 'wrong' ? 'auth' : 'forbidden');
        expect(await hub.store.adminList('shop-1', 'customers', ALL)).toEqual([]);
        expect(count(pos, 'customers')).toBeGreaterThan(25);
      } finally {
        await agent.stop();
        pos.close();
        await engine.close();
        await hub.stop();
      }
      expect(logs.text()).not.toContain(key);
      expect(logs.text()).not.toContain(secretOf(key));
    });
  }

  test('a live socket of a revoked key is dropped within 5 s, also when revoked in the store directly', async ({ dir }) => {
    const hub = await startHub(dir);
    const sockets: Socket[] = [];
    try {
      const connect = async (apiKey: string) => {
        const socket = io(`${hub.url}/sync`, { auth: { apiKey }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000 });
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        return socket;
      };
      const viaHub = await connect(await hub.nodeKey('shop-1', 'pos-1'));
      const viaStore = await connect(await hub.nodeKey('shop-1', 'pos-2'));
      const keep = await connect(await hub.nodeKey('shop-1', 'pos-3'));
      const ids = await hub.store.listKeys();
      const t0 = Date.now();
      await hub.hub.revokeKey(ids.find((k) => k.name === 'pos-1')!.keyId);
      await hub.store.revokeKey(ids.find((k) => k.name === 'pos-2')!.keyId);
      await waitFor(() => !viaHub.connected, 5000, 'socket revoked through the hub dropped');
      await waitFor(() => !viaStore.connected, 8000, 'socket revoked in the store dropped');
      expect(Date.now() - t0).toBeLessThan(5500);
      expect(keep.connected).toBe(true);
    } finally {
      for (const s of sockets) s.close();
      await hub.stop();
    }
  });
});


describe('cross-scope access', () => {
  test('200 cross-scope reads, pushes, admin calls and room joins from scope A on scope B: all refused, 0 rows changed', async ({ dir }) => {
    const hub = await startHub(dir);
    const sockets: Socket[] = [];
    try {
      const star = new HubApi(hub.url, await hub.adminKey('*'));
      for (let i = 0; i < 5; i++) await star.adminPutOk('shop-b', 'orders', `b${i}`, { total: i, secret: `shop-b secret ${i}` });
      await star.adminPutOk('shop-a', 'orders', 'a0', { total: 1 });
      const nodeA = await hub.nodeKey('shop-a', 'pos-a');
      const adminA = await hub.adminKey('shop-a');
      const before = snapshot(hub.dbPath);
      const bRows = await hub.store.adminList('shop-b', 'orders', ALL);

      const r = seeded(0xa5c09e);
      const attempts: { what: string; status: number; body: string }[] = [];
      const call = async (what: string, method: string, path: string, apiKey: string, body?: unknown) => {
        const response = await fetch(`${hub.url}${path}`, {
          method,
          headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        attempts.push({ what, status: response.status, body: await response.text() });
      };
      for (let i = 0; i < 190; i++) {
        const key = `b${r.int(5)}`;
        const n = r.int(10);
        switch (n) {
          case 0:
            await call('node: admin GET of B', 'GET', `/v1/admin/scopes/shop-b/entities/orders/rows/${key}`, nodeA);
            break;
          case 1:
            await call('node: admin PUT into B', 'PUT', `/v1/admin/scopes/shop-b/entities/orders/rows/${key}`, nodeA, { data: { total: 666 } });
            break;
          case 2:
            await call('node: pull naming B', 'GET', `/v1/pull?entity=orders&since=0&scope=shop-b`, nodeA);
            break;
          case 3:
            await call('node: push naming B', 'POST', '/v1/push', nodeA, {
              protocol: 1,
              source: 'outbox-cross-001',
              scope: 'shop-b',
              changes: [{ seq: i + 1, entity: 'orders', key, op: 'delete', data: null, baseVersion: 1 }],
            });
            break;
          case 4:
            await call('admin A: GET of B', 'GET', `/v1/admin/scopes/shop-b/entities/orders/rows/${key}`, adminA);
            break;
          case 5:
            await call('admin A: list of B', 'GET', `/v1/admin/scopes/shop-b/entities/orders/rows`, adminA);
            break;
          case 6:
            await call('admin A: PUT into B', 'PUT', `/v1/admin/scopes/shop-b/entities/orders/rows/${key}`, adminA, { data: { total: 666 } });
            break;
          case 7:
            await call('admin A: DELETE in B', 'DELETE', `/v1/admin/scopes/shop-b/entities/orders/rows/${key}`, adminA);
            break;
          case 8:
            await call('admin A: node pull', 'GET', '/v1/pull?entity=orders', adminA);
            break;
          default:
            await call('node: scope in a header', 'GET', `/v1/admin/scopes/shop-b/entities/orders/rows?scope=shop-a`, nodeA);
        }
      }
      // Room joins: a node key asking for B's room in its handshake still only hears A.
      const listeners: { socket: Socket; events: unknown[] }[] = [];
      for (let i = 0; i < 10; i++) {
        const socket = io(`${hub.url}/sync`, {
          auth: { apiKey: nodeA, scope: 'shop-b', room: 'scope:shop-b' },
          query: { scope: 'shop-b' },
          transports: ['websocket'],
          reconnection: false,
          forceNew: true,
        });
        sockets.push(socket);
        const events: unknown[] = [];
        socket.on('changes', (e: unknown) => events.push(e));
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        socket.emit('join', 'scope:shop-b');
        socket.emit('subscribe', { scope: 'shop-b' });
        listeners.push({ socket, events });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The only write of the test: shop B's own, through the `*` key, after all attempts.
      const bAfter = snapshot(hub.dbPath);
      await star.adminPutOk('shop-b', 'orders', 'b-late', { total: 9 });
      await star.adminPutOk('shop-a', 'orders', 'a-late', { total: 9 });
      await waitFor(() => listeners.every((l) => l.events.length >= 1), 5000, 'shop-a events');
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const l of listeners) expect(l.events).toEqual([{ entity: 'orders', cursor: 2 }]);

      expect(attempts).toHaveLength(190);
      const allowed = attempts.filter((a) => a.status < 400);
      expect(allowed, JSON.stringify(allowed.slice(0, 3))).toEqual([]);
      for (const a of attempts) expect([400, 401, 403, 404], a.what).toContain(a.status);
      expect(attempts.map((a) => a.body).join('\n')).not.toContain('shop-b secret');
      expect(bAfter).toEqual(before);
      expect((await hub.store.adminList('shop-b', 'orders', ALL)).filter((row) => row.key !== 'b-late')).toEqual(bRows);
    } finally {
      for (const s of sockets) s.close();
      await hub.stop();
    }
  });
});

describe('no API key in plain text', () => {
  test('not in the agent log, not in `dovetail status --json`, not in the hub database file', async ({ dir }) => {
    const hub = await startHub(dir);
    const dbPath = join(dir, 'shop.db');
    const key = await hub.nodeKey();
    const admin = await hub.adminKey();
    const logs = captureStream();
    const logger = createLogger({ destination: logs.stream, level: 'trace' });
    const engine = await SyncEngine.open(instanceConfig({ dbPath, url: hub.url, apiKey: key, entities: ENTITIES }), { logger });
    const agent = new Agent({ engine, logger, maxBackoffMs: 500, localPollMs: 20 });
    const pos = openPos(dbPath);
    try {
      await agent.start();
      pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
      await waitFor(async () => (await hub.store.adminGet('shop-1', 'products', 'p1')) !== null, 5000, 'push');
      // Then the key is revoked: the failure paths log too.
      await hub.hub.revokeKey((await hub.store.listKeys()).find((k) => k.role === 'node')!.keyId);
      await agent.syncNow().catch(() => undefined);
      await waitFor(() => agent.status().lastErrorCode === 'forbidden', 5000, 'forbidden');
      logger.info({ apiKey: key, hub: { apiKey: key }, headers: { 'x-api-key': key } }, 'an object carrying the key');
    } finally {
      await agent.stop();
      pos.close();
      await engine.close();
    }
    try {
      expect(logs.text()).toMatch(/forbidden|revoked/);
      expect(logs.text()).not.toContain(secretOf(key));

      writeFileSync(join(dir, 'dovetail.json'), JSON.stringify({ hub: { url: hub.url, apiKey: key }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }));
      const status = await dovetail(['status', '--json'], { cwd: dir });
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toBeInstanceOf(Array);
      expect(status.stdout + status.stderr).not.toContain(secretOf(key));
      const plain = await dovetail(['status'], { cwd: dir });
      expect(plain.stdout + plain.stderr).not.toContain(secretOf(key));

      // Checkpoint the WAL into the file, then read every byte the hub keeps.
      const hubDb = openPos(hub.dbPath);
      hubDb.pragma('wal_checkpoint(TRUNCATE)');
      hubDb.close();
      await hub.stop();
      const files = [hub.dbPath, `${hub.dbPath}-wal`].map((p) => {
        try {
          return readFileSync(p).toString('latin1');
        } catch {
          return '';
        }
      });
      for (const k of [key, admin]) for (const bytes of files) expect(bytes).not.toContain(secretOf(k));
      // The shop's database does not keep it either.
      expect(readFileSync(dbPath).toString('latin1')).not.toContain(secretOf(key));
    } finally {
      await hub.stop();
    }
  });

  test('http:// to a hub that is not on loopback is refused by the config; https and loopback are allowed', () => {
    const config = (url: string) =>
      parseConfig(
        { hub: { url, apiKey: 'dvt_00000000000a_anyanyanyanyanyanyanyanyany' }, database: { type: 'sqlite', path: '/tmp/never.db' }, entities: CUSTOMERS },
        { baseDir: '/' },
      );
    for (const url of ['http://10.0.0.1:8787', 'http://192.168.1.20', 'http://example.com', 'http://127.0.0.1.nip.io', 'http://0.0.0.0:8787', 'http://[::ffff:a00:1]:80', 'http://localhost.example.com']) {
      expect(() => config(url), url).toThrow(/must use https:\/\//);
    }
    for (const url of ['https://hub.example.com', 'http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787']) {
      expect(() => config(url), url).not.toThrow();
    }
  });

  test('openEngine with a good key works (sanity for the fixtures above)', async ({ dir }) => {
    const hub = await startHub(dir);
    const engine = await openEngine(instanceConfig({ dbPath: join(dir, 'shop.db'), url: hub.url, apiKey: await hub.nodeKey(), entities: CUSTOMERS }));
    try {
      expect((await engine.sync()).status).toBe('DONE');
    } finally {
      await engine.close();
      await hub.stop();
    }
  });
});
