import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect } from 'vitest';
import type { ConflictRecord } from '../../src/core/conflict-store.js';
import { sameValue } from '../../src/core/merge.js';
import type { SyncEngine } from '../../src/core/sync-engine.js';
import { instanceConfig, openEngine, startHub, test, type RunningHub } from '../helpers/fixtures.js';
import { adminPut, openPos, outboxRows } from '../helpers/local-db.js';

/**
 * Each conflict strategy against a real hub: the shop (POS connection) and the hub's admin API
 * change the same rows between two syncs; after at most two syncs both sides hold the same row,
 * and the conflict record keeps base, both sides and the outcome.
 */

type Row = Record<string, unknown>;

const COLUMNS = { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT', phone: 'TEXT', notes: 'TEXT' };
const BASE = { first_name: 'Ana', email: 'ana@old.example', phone: '555-0100', notes: 'n0' };

interface Shop {
  readonly hub: RunningHub;
  readonly engine: SyncEngine;
  readonly pos: Database.Database;
  readonly adminKey: string;
  put(key: string, data: Row): Promise<number>;
  del(key: string): Promise<void>;
  local(key: string): Row | null;
  remote(key: string): Promise<Row | null>;
  records(key: string): Promise<ConflictRecord[]>;
  close(): Promise<void>;
}

async function openShop(dir: string, conflict: unknown): Promise<Shop> {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const entities = [{ name: 'customers', direction: 'both', conflict, create: { columns: COLUMNS } }];
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities }));
  const pos = openPos(dbPath);
  const adminKey = await hub.adminKey();
  return {
    hub,
    engine,
    pos,
    adminKey,
    put: (key, data) => adminPut(hub.url, adminKey, 'customers', key, data),
    async del(key) {
      const response = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/customers/rows/${encodeURIComponent(key)}`, {
        method: 'DELETE',
        headers: { 'x-api-key': adminKey },
      });
      if (response.status !== 200) throw new Error(`admin DELETE ${key}: HTTP ${response.status} ${await response.text()}`);
    },
    local: (key) => (pos.prepare('SELECT * FROM customers WHERE id = ?').get(key) as Row | undefined) ?? null,
    async remote(key) {
      const row = await hub.store.adminGet('shop-1', 'customers', key);
      return row && !row.deleted ? row.data : null;
    },
    records: async (key) => (await engine.conflicts.list({ entity: 'customers' })).filter((c) => c.rowKey === key).reverse(),
    async close() {
      pos.close();
      await engine.close();
      await hub.stop();
    },
  };
}

/** Same row on both sides (a field absent on the hub equals a NULL column). */
function sameRow(a: Row | null, b: Row | null): boolean {
  if (a === null || b === null) return a === b;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => sameValue(a[k], b[k]));
}

/** Waits (busy, at most a millisecond) until the clock has passed `iso`, so the next change is strictly newer. */
function after(iso: string): void {
  while (new Date().toISOString() <= iso) {
    // spin: ISO timestamps have millisecond resolution
  }
}

function lastCapture(pos: Database.Database): string {
  return outboxRows(pos).at(-1)!.created_at;
}

/**
 * The four races, each on its own row, set up after an initial sync:
 *  c1 update/update — shop: first_name, email, notes; hub (later): first_name, email, phone
 *  c2 update/delete — shop edits notes; hub deletes
 *  c3 delete/update — shop deletes; hub edits phone
 *  c4 update/update — like c1, but the shop's change is the later one (matters for newest-wins)
 *  c9 insert/insert — both create c9 (neither has synced it)
 */
async function race(shop: Shop): Promise<void> {
  for (const key of ['c1', 'c2', 'c3', 'c4']) await shop.put(key, { id: key, ...BASE });
  const first = await shop.engine.sync();
  expect(first.status).toBe('DONE');
  expect(first.stats.pulled).toBe(4);

  // c4: the hub first, then the shop.
  await shop.put('c4', { id: 'c4', ...BASE, first_name: 'Ana (hub)', email: 'ana@hub.example', phone: '555-0199' });
  after((await shop.hub.store.adminGet('shop-1', 'customers', 'c4'))!.updatedAt);
  shop.pos.prepare("UPDATE customers SET first_name = 'Ana (shop)', email = 'ana@shop.example', notes = 'shop note' WHERE id = 'c4'").run();

  // c1, c2, c3, c9: the shop first, then the hub.
  shop.pos.prepare("UPDATE customers SET first_name = 'Ana (shop)', email = 'ana@shop.example', notes = 'shop note' WHERE id = 'c1'").run();
  shop.pos.prepare("UPDATE customers SET notes = 'shop note' WHERE id = 'c2'").run();
  shop.pos.prepare("DELETE FROM customers WHERE id = 'c3'").run();
  shop.pos
    .prepare("INSERT INTO customers (id, first_name, email, phone, notes) VALUES ('c9', 'Bo', 'bo@shop.example', '555-0300', 'walk-in')")
    .run();
  after(lastCapture(shop.pos));
  await shop.put('c1', { id: 'c1', ...BASE, first_name: 'Ana (hub)', email: 'ana@hub.example', phone: '555-0199' });
  await shop.del('c2');
  await shop.put('c3', { id: 'c3', ...BASE, phone: '555-0199' });
  await shop.put('c9', C9_HUB);
}

const SHOP_EDIT = { first_name: 'Ana (shop)', email: 'ana@shop.example', notes: 'shop note' };
const HUB_EDIT = { first_name: 'Ana (hub)', email: 'ana@hub.example', phone: '555-0199' };
const C2_SHOP = { id: 'c2', ...BASE, notes: 'shop note' };
const C3_HUB = { id: 'c3', ...BASE, phone: '555-0199' };
const C9_SHOP = { id: 'c9', first_name: 'Bo', email: 'bo@shop.example', phone: '555-0300', notes: 'walk-in' };
const C9_HUB = { id: 'c9', first_name: 'Bea', email: 'bo@shop.example', phone: '555-0300' };

interface Expected {
  readonly conflict: unknown;
  readonly strategy: string;
  /** Final row per key (null = deleted on both sides) and the recorded resolution. */
  readonly rows: Record<string, { row: Row | null; resolution: Record<string, string> }>;
}

const remoteUpdate = (id: string) => ({ id, ...BASE, ...HUB_EDIT, notes: 'shop note' });
const localUpdate = (id: string) => ({ id, ...BASE, ...SHOP_EDIT, phone: '555-0199' });

const CASES: Expected[] = [
  {
    conflict: 'remote-wins',
    strategy: 'remote-wins',
    rows: {
      c1: { row: remoteUpdate('c1'), resolution: { first_name: 'remote', email: 'remote' } },
      c2: { row: null, resolution: { '*': 'remote' } },
      c3: { row: C3_HUB, resolution: { '*': 'remote' } },
      c4: { row: remoteUpdate('c4'), resolution: { first_name: 'remote', email: 'remote' } },
      c9: { row: { ...C9_SHOP, first_name: 'Bea' }, resolution: { first_name: 'remote' } },
    },
  },
  {
    conflict: 'local-wins',
    strategy: 'local-wins',
    rows: {
      c1: { row: localUpdate('c1'), resolution: { first_name: 'local', email: 'local' } },
      c2: { row: C2_SHOP, resolution: { '*': 'local' } },
      c3: { row: null, resolution: { '*': 'local' } },
      c4: { row: localUpdate('c4'), resolution: { first_name: 'local', email: 'local' } },
      c9: { row: C9_SHOP, resolution: { first_name: 'local' } },
    },
  },
  {
    // The hub's change is the later one everywhere except c4, where the shop's is.
    conflict: 'newest-wins',
    strategy: 'newest-wins',
    rows: {
      c1: { row: remoteUpdate('c1'), resolution: { first_name: 'remote', email: 'remote' } },
      c2: { row: null, resolution: { '*': 'remote' } },
      c3: { row: C3_HUB, resolution: { '*': 'remote' } },
      c4: { row: localUpdate('c4'), resolution: { first_name: 'local', email: 'local' } },
      c9: { row: { ...C9_SHOP, first_name: 'Bea' }, resolution: { first_name: 'remote' } },
    },
  },
  {
    // The shop owns email; first_name and whole-row (delete) conflicts go to the fallback (remote).
    conflict: { strategy: 'field-priority', local: ['email'], fallback: 'remote-wins' },
    strategy: 'field-priority (fallback remote-wins)',
    rows: {
      c1: { row: { ...remoteUpdate('c1'), email: 'ana@shop.example' }, resolution: { first_name: 'remote', email: 'local' } },
      c2: { row: null, resolution: { '*': 'remote' } },
      c3: { row: C3_HUB, resolution: { '*': 'remote' } },
      c4: { row: { ...remoteUpdate('c4'), email: 'ana@shop.example' }, resolution: { first_name: 'remote', email: 'local' } },
      c9: { row: { ...C9_SHOP, first_name: 'Bea' }, resolution: { first_name: 'remote' } },
    },
  },
];

describe('automatic strategies: update/update, update/delete, delete/update, insert/insert', () => {
  test.for(CASES)('$strategy', async (expected, { dir }) => {
    const shop = await openShop(dir, expected.conflict);
    try {
      await race(shop);
      const hubBefore = Object.fromEntries(await Promise.all(['c1', 'c2', 'c3', 'c4', 'c9'].map(async (k) => [k, await shop.remote(k)])));
      const localBefore = Object.fromEntries(['c1', 'c2', 'c3', 'c4', 'c9'].map((k) => [k, shop.local(k)]));

      const second = await shop.engine.sync();
      expect(second.status).toBe('DONE');
      expect(second.stats.conflicts).toBe(5);
      // The merged rows are on the shop's side at once; what the hub lacks is queued.
      for (const [key, { row }] of Object.entries(expected.rows)) expect(sameRow(shop.local(key), row), `local ${key}`).toBe(true);
      expect(await shop.engine.conflicts.countOpen()).toBe(0);

      const third = await shop.engine.sync();
      expect(third.status).toBe('DONE');
      expect(third.stats.conflicts).toBe(0);
      for (const [key, { row, resolution }] of Object.entries(expected.rows)) {
        expect(sameRow(shop.local(key), row), `local ${key}: ${JSON.stringify(shop.local(key))}`).toBe(true);
        expect(sameRow(await shop.remote(key), row), `hub ${key}: ${JSON.stringify(await shop.remote(key))}`).toBe(true);
        const records = await shop.records(key);
        expect(records, `conflicts of ${key}`).toHaveLength(1);
        const record = records[0]!;
        expect(record).toMatchObject({ entity: 'customers', rowKey: key, status: 'resolved', strategy: expected.strategy });
        expect(JSON.parse(record.resolution!)).toEqual(resolution);
        expect(sameRow(record.mergedData, row)).toBe(true);
        // Both sides as they were when the push met the conflict: the loser is kept.
        expect(sameRow(record.localData, localBefore[key] as Row | null), `local_data of ${key}`).toBe(true);
        expect(sameRow(record.remoteData, hubBefore[key] as Row | null), `remote_data of ${key}`).toBe(true);
        expect(record.baseData).toEqual(key === 'c9' ? null : { id: key, ...BASE });
        expect(record.remoteVersion).toBeGreaterThan(record.baseVersion ?? 0);
        expect(record.resolvedAt).not.toBeNull();
      }
      expect(outboxRows(shop.pos)).toEqual([]);

      // Converged: a further sync moves nothing.
      const fourth = await shop.engine.sync();
      expect(fourth.stats).toMatchObject({ pushed: 0, conflicts: 0 });
    } finally {
      await shop.close();
    }
  });
});

test('manual: every race is held with an open conflict; neither side is overwritten', async ({ dir }) => {
  const shop = await openShop(dir, 'manual');
  try {
    await race(shop);
    const hubBefore = Object.fromEntries(await Promise.all(['c1', 'c2', 'c3', 'c4', 'c9'].map(async (k) => [k, await shop.remote(k)])));
    const localBefore = Object.fromEntries(['c1', 'c2', 'c3', 'c4', 'c9'].map((k) => [k, shop.local(k)]));

    for (let round = 0; round < 2; round++) {
      const summary = await shop.engine.sync();
      expect(summary.status).toBe('DONE');
      expect(summary.stats.conflicts).toBe(round === 0 ? 5 : 0);
      expect(summary.stats.pushed).toBe(0);
      for (const key of ['c1', 'c2', 'c3', 'c4', 'c9']) {
        expect(shop.local(key)).toEqual(localBefore[key]);
        expect(await shop.remote(key)).toEqual(hubBefore[key]);
      }
    }
    const open = await shop.engine.conflicts.list({ status: 'open' });
    expect(open.map((c) => c.rowKey).sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c9']);
    for (const c of open) {
      expect(c).toMatchObject({ strategy: 'manual', resolution: null, mergedData: null, resolvedAt: null });
      expect(sameRow(c.localData, localBefore[c.rowKey] as Row | null)).toBe(true);
      expect(sameRow(c.remoteData, hubBefore[c.rowKey] as Row | null)).toBe(true);
    }
    const c1 = open.find((c) => c.rowKey === 'c1')!;
    expect(c1.fields.filter((f) => f.conflicting).map((f) => f.field).sort()).toEqual(['email', 'first_name']);
    expect(outboxRows(shop.pos).map((r) => [r.row_key, r.status])).toEqual([
      ['c4', 'conflict'],
      ['c1', 'conflict'],
      ['c2', 'conflict'],
      ['c3', 'conflict'],
      ['c9', 'conflict'],
    ]);
    expect((await shop.engine.status()).openConflicts).toBe(5);
  } finally {
    await shop.close();
  }
});

test('remote-wins: a shop delete against a hub edit that fills a field the synced row lacked keeps the hub’s row', async ({ dir }) => {
  const shop = await openShop(dir, 'remote-wins');
  try {
    // The hub's row starts without an email (a backend wrote only some fields) ...
    await shop.put('c1', { id: 'c1', first_name: 'Ana' });
    await shop.engine.sync();
    expect(shop.local('c1')).toMatchObject({ first_name: 'Ana', email: null });
    // ... the hub then adds the email while the shop deletes the row.
    await shop.put('c1', { id: 'c1', first_name: 'Ana', email: 'ana@example.com' });
    shop.pos.prepare("DELETE FROM customers WHERE id = 'c1'").run();

    expect((await shop.engine.sync()).stats.conflicts).toBe(1);
    await shop.engine.sync();
    const [record] = await shop.records('c1');
    expect(record).toMatchObject({ localData: null, remoteData: { email: 'ana@example.com' } });
    // The hub changed the row, so this is delete against update: remote-wins keeps the hub's row on both sides.
    expect(record!.resolution).toBe(JSON.stringify({ '*': 'remote' }));
    expect(await shop.remote('c1')).toEqual({ id: 'c1', first_name: 'Ana', email: 'ana@example.com' });
    expect(shop.local('c1')).toMatchObject({ id: 'c1', first_name: 'Ana', email: 'ana@example.com' });
  } finally {
    await shop.close();
  }
});
