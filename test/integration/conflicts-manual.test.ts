import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { ConflictRecord } from '../../src/core/conflict-store.js';
import { SyncError } from '../../src/core/errors.js';
import type { SyncEngine } from '../../src/core/sync-engine.js';
import { instanceConfig, openEngine, startHub, test, type RunningHub } from '../helpers/fixtures.js';
import { adminPut, openPos, outboxRows } from '../helpers/local-db.js';

/**
 * The manual strategy: a conflict waits for a person. The row's pending push is held (later local
 * edits too) while other rows keep flowing; the conflict shows base / local / remote per field; a
 * resolution is written locally and reaches the hub on the next sync — or, if the hub moved on
 * meanwhile, becomes a new conflict instead of an overwrite.
 */

type Row = Record<string, unknown>;

const COLUMNS = { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT', phone: 'TEXT', notes: 'TEXT' };
const ANA = { first_name: 'Ana', email: 'ana@old.example', phone: '555-0100', notes: null };

interface Shop {
  readonly hub: RunningHub;
  readonly engine: SyncEngine;
  readonly pos: Database.Database;
  put(key: string, data: Row, entity?: string): Promise<number>;
  del(key: string): Promise<void>;
  local(key: string, table?: string): Row | null;
  remote(key: string, entity?: string): Promise<Row | null>;
  open(key: string): Promise<ConflictRecord>;
  close(): Promise<void>;
}

async function openShop(dir: string, keys: readonly string[]): Promise<Shop> {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const entities = [
    { name: 'customers', direction: 'both', conflict: 'manual', create: { columns: COLUMNS } },
    { name: 'addresses', direction: 'both', conflict: 'manual', create: { columns: { id: 'TEXT NOT NULL', street: 'TEXT' } } },
  ];
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities }));
  const pos = openPos(dbPath);
  const adminKey = await hub.adminKey();
  const shop: Shop = {
    hub,
    engine,
    pos,
    put: (key, data, entity = 'customers') => adminPut(hub.url, adminKey, entity, key, data),
    async del(key) {
      const response = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/customers/rows/${key}`, {
        method: 'DELETE',
        headers: { 'x-api-key': adminKey },
      });
      if (response.status !== 200) throw new Error(`admin DELETE ${key}: HTTP ${response.status}`);
    },
    local: (key, table = 'customers') => (pos.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(key) as Row | undefined) ?? null,
    async remote(key, entity = 'customers') {
      const row = await hub.store.adminGet('shop-1', entity, key);
      return row && !row.deleted ? row.data : null;
    },
    async open(key) {
      const found = (await engine.conflicts.list({ status: 'open' })).filter((c) => c.rowKey === key);
      expect(found, `open conflicts of ${key}`).toHaveLength(1);
      return found[0]!;
    },
    async close() {
      pos.close();
      await engine.close();
      await hub.stop();
    },
  };
  for (const key of keys) await shop.put(key, { id: key, ...ANA });
  expect((await engine.sync()).stats.pulled).toBe(keys.length);
  return shop;
}

/** Both sides change first_name (and one more field each) of `key`: a conflict on first_name. */
async function clash(shop: Shop, key: string): Promise<void> {
  shop.pos.prepare("UPDATE customers SET first_name = 'Ana (shop)', notes = 'shop note' WHERE id = ?").run(key);
  await shop.put(key, { id: key, ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example' });
}

const rowStatus = (pos: Database.Database, key: string) => outboxRows(pos, 'customers').filter((r) => r.row_key === key).map((r) => r.status);

test('an open conflict holds its row (later local edits too) while other rows keep flowing; keep local reaches the hub', async ({ dir }) => {
  const shop = await openShop(dir, ['c1', 'c2', 'c3', 'c4']);
  try {
    await clash(shop, 'c1');
    shop.pos.prepare("UPDATE customers SET phone = '555-0222' WHERE id = 'c2'").run();
    const first = await shop.engine.sync();
    expect(first.stats).toMatchObject({ pushed: 1, conflicts: 1 });
    expect(await shop.remote('c2')).toMatchObject({ phone: '555-0222' });
    const conflict = await shop.open('c1');
    expect(conflict).toMatchObject({ entity: 'customers', strategy: 'manual', status: 'open', resolution: null, baseVersion: 1 });
    expect(rowStatus(shop.pos, 'c1')).toEqual(['conflict']);

    // The shop keeps working on c1; the hub changes c4; the shop changes c3.
    shop.pos.prepare("UPDATE customers SET phone = '555-7777' WHERE id = 'c1'").run();
    shop.pos.prepare("UPDATE customers SET notes = 'paid cash' WHERE id = 'c3'").run();
    await shop.put('c4', { id: 'c4', ...ANA, email: 'c4@hub.example' });
    const second = await shop.engine.sync();
    expect(second.stats).toMatchObject({ pushed: 1, conflicts: 0 });
    expect(await shop.remote('c3')).toMatchObject({ notes: 'paid cash' });
    expect(shop.local('c4')).toMatchObject({ email: 'c4@hub.example' });
    // c1 went nowhere and nothing came in over it.
    expect(await shop.remote('c1')).toEqual({ id: 'c1', ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example' });
    expect(shop.local('c1')).toEqual({ id: 'c1', ...ANA, first_name: 'Ana (shop)', notes: 'shop note', phone: '555-7777' });
    expect(rowStatus(shop.pos, 'c1')).toEqual(['conflict', 'pending']);
    expect((await shop.engine.status()).openConflicts).toBe(1);

    // The view compares base, the shop's row as it is now, and the hub's row, field by field.
    const view = (await shop.engine.viewConflict(conflict.id))!;
    expect(view.local).toEqual(shop.local('c1'));
    const fields = Object.fromEntries(view.fields.map((f) => [f.field, f]));
    expect(fields.first_name).toEqual({
      field: 'first_name',
      base: 'Ana',
      local: 'Ana (shop)',
      remote: 'Ana (hub)',
      localChanged: true,
      remoteChanged: true,
      conflicting: true,
    });
    expect(fields.email).toMatchObject({ base: 'ana@old.example', local: 'ana@old.example', remote: 'ana@hub.example', conflicting: false });
    expect(fields.phone).toMatchObject({ base: '555-0100', local: '555-7777', remote: '555-0100', localChanged: true, remoteChanged: false });
    expect(fields.notes).toMatchObject({ base: null, local: 'shop note', remote: null, localChanged: true });
    expect(view.fields.filter((f) => f.conflicting).map((f) => f.field)).toEqual(['first_name']);

    // Keep local: the shop's first_name, both sides' one-sided changes.
    const outcome = await shop.engine.resolveConflict(conflict.id, { keep: 'local' });
    const resolved = { id: 'c1', first_name: 'Ana (shop)', email: 'ana@hub.example', phone: '555-7777', notes: 'shop note' };
    expect(outcome).toEqual({ status: 'resolved', row: resolved, queued: true });
    expect(shop.local('c1')).toEqual(resolved);
    expect(rowStatus(shop.pos, 'c1')).toEqual(['pending']);
    expect(await shop.engine.resolveConflict(conflict.id, { keep: 'remote' })).toEqual({
      status: 'already-resolved',
      resolution: JSON.stringify({ keep: 'local' }),
    });
    expect(shop.local('c1')).toEqual(resolved);

    const third = await shop.engine.sync();
    expect(third.stats).toMatchObject({ pushed: 1, conflicts: 0 });
    expect(await shop.remote('c1')).toEqual(resolved);
    expect(outboxRows(shop.pos)).toEqual([]);
    expect((await shop.engine.conflicts.get(conflict.id))).toMatchObject({ status: 'resolved', mergedData: resolved });
    expect((await shop.engine.sync()).stats).toMatchObject({ pushed: 0, conflicts: 0 });
    expect(shop.local('c1')).toEqual(resolved);
  } finally {
    await shop.close();
  }
});

test('keep remote, per-field choices and a typed value each reach both sides; an incomplete choice is refused', async ({ dir }) => {
  const shop = await openShop(dir, ['c1', 'c2', 'c3', 'c4']);
  try {
    for (const key of ['c1', 'c2', 'c3', 'c4']) await clash(shop, key);
    // c3 and c4 also clash on email.
    for (const key of ['c3', 'c4']) shop.pos.prepare("UPDATE customers SET email = 'ana@shop.example' WHERE id = ?").run(key);
    expect((await shop.engine.sync()).stats.conflicts).toBe(4);
    const [c1, c2, c3, c4] = await Promise.all(['c1', 'c2', 'c3', 'c4'].map((k) => shop.open(k)));

    // Refused, changing nothing: an unknown field, a conflicting field left undecided.
    await expect(shop.engine.resolveConflict(c3!.id, { fields: { nickname: 'local' } })).rejects.toThrow(/no field nickname/);
    await expect(shop.engine.resolveConflict(c3!.id, { fields: { first_name: 'local' } })).rejects.toThrow(/choose a side for email/);
    await expect(shop.engine.resolveConflict(c3!.id, { fields: { first_name: 'local' } })).rejects.toBeInstanceOf(SyncError);
    expect((await shop.engine.conflicts.get(c3!.id))?.status).toBe('open');

    const results = {
      c1: await shop.engine.resolveConflict(c1!.id, { keep: 'remote' }),
      c2: await shop.engine.resolveConflict(c2!.id, { fields: { first_name: 'remote', notes: 'remote' } }),
      c3: await shop.engine.resolveConflict(c3!.id, { fields: { first_name: 'local', email: 'remote' } }),
      c4: await shop.engine.resolveConflict(c4!.id, { keep: 'local', fields: { first_name: { value: 'Ana Maria' } } }),
    };
    const expected: Record<string, Row> = {
      // keep remote decides first_name; the shop's notes (changed on its side only) stay.
      c1: { id: 'c1', ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example', notes: 'shop note' },
      // a field choice may also override a one-sided change (notes back to the hub's).
      c2: { id: 'c2', ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example', notes: null },
      c3: { id: 'c3', ...ANA, first_name: 'Ana (shop)', email: 'ana@hub.example', notes: 'shop note' },
      c4: { id: 'c4', ...ANA, first_name: 'Ana Maria', email: 'ana@shop.example', notes: 'shop note' },
    };
    for (const [key, row] of Object.entries(expected)) {
      expect(results[key as keyof typeof results]).toMatchObject({ status: 'resolved', row });
      expect(shop.local(key), `local ${key}`).toEqual(row);
    }
    // c2 chose exactly the hub's row: nothing left to push.
    expect(results.c2).toMatchObject({ queued: false });
    expect(results.c1).toMatchObject({ queued: true });

    const summary = await shop.engine.sync();
    expect(summary.stats).toMatchObject({ pushed: 3, conflicts: 0 });
    for (const [key, row] of Object.entries(expected)) {
      expect(await shop.remote(key), `hub ${key}`).toEqual(row);
      expect(shop.local(key), `local ${key}`).toEqual(row);
    }
    expect(await shop.engine.conflicts.countOpen()).toBe(0);
    expect(JSON.parse((await shop.engine.conflicts.get(c4!.id))!.resolution!)).toEqual({ keep: 'local', fields: { first_name: { value: 'Ana Maria' } } });
    expect(outboxRows(shop.pos)).toEqual([]);
  } finally {
    await shop.close();
  }
});

test('a resolution that meets a newer hub change becomes a new conflict, never an overwrite', async ({ dir }) => {
  const shop = await openShop(dir, ['c1']);
  try {
    await clash(shop, 'c1');
    expect((await shop.engine.sync()).stats.conflicts).toBe(1);
    const first = await shop.open('c1');
    // The hub moves on while the conflict waits; the pull leaves the held row alone.
    const newer = { id: 'c1', ...ANA, first_name: 'Ana (hub, again)', email: 'ana@hub.example', phone: '555-0999' };
    await shop.put('c1', newer);
    await shop.engine.sync();
    expect(shop.local('c1')).toMatchObject({ first_name: 'Ana (shop)' });

    expect(await shop.engine.resolveConflict(first.id, { keep: 'local' })).toMatchObject({ status: 'resolved', queued: true });
    const summary = await shop.engine.sync();
    expect(summary.stats).toMatchObject({ pushed: 0, conflicts: 1 });
    // The hub kept its newer row; the shop kept its resolved row; a second conflict is open.
    expect(await shop.remote('c1')).toEqual(newer);
    expect(shop.local('c1')).toEqual({ id: 'c1', ...ANA, first_name: 'Ana (shop)', email: 'ana@hub.example', notes: 'shop note' });
    const second = await shop.open('c1');
    expect(second.id).not.toBe(first.id);
    expect((await shop.engine.conflicts.get(first.id))?.status).toBe('resolved');
    expect(second.remoteVersion).toBeGreaterThan(first.remoteVersion!);
    expect(second.baseData).toEqual(first.remoteData);
    expect(second.remoteData).toEqual(newer);
    expect(second.fields.filter((f) => f.conflicting).map((f) => f.field)).toEqual(['first_name']);

    await shop.engine.resolveConflict(second.id, { keep: 'remote' });
    await shop.engine.sync();
    const final = { ...newer, notes: 'shop note' };
    expect(shop.local('c1')).toEqual(final);
    expect(await shop.remote('c1')).toEqual(final);
    expect(await shop.engine.conflicts.countOpen()).toBe(0);
  } finally {
    await shop.close();
  }
});

test('delete against edit: a side must be kept for the whole row; keep local deletes on the hub, or restores the row there', async ({ dir }) => {
  const shop = await openShop(dir, ['c1', 'c2']);
  try {
    // c1: the shop deletes, the hub edits. c2: the shop edits, the hub deletes.
    shop.pos.prepare("DELETE FROM customers WHERE id = 'c1'").run();
    await shop.put('c1', { id: 'c1', ...ANA, email: 'ana@hub.example' });
    shop.pos.prepare("UPDATE customers SET notes = 'shop note' WHERE id = 'c2'").run();
    await shop.del('c2');
    expect((await shop.engine.sync()).stats.conflicts).toBe(2);
    const [c1, c2] = [await shop.open('c1'), await shop.open('c2')];
    expect(c1).toMatchObject({ localData: null, remoteData: { email: 'ana@hub.example' } });
    expect(c2).toMatchObject({ localData: { notes: 'shop note' }, remoteData: null });
    expect(shop.local('c1')).toBeNull();
    expect(await shop.remote('c2')).toBeNull();

    const view = (await shop.engine.viewConflict(c1.id))!;
    expect(view.local).toBeNull();
    expect(view.fields.length).toBeGreaterThan(0);
    await expect(shop.engine.resolveConflict(c1.id, { fields: { email: 'remote' } })).rejects.toThrow(/--keep local or --keep remote/);

    expect(await shop.engine.resolveConflict(c1.id, { keep: 'local' })).toEqual({ status: 'resolved', row: null, queued: true });
    expect(await shop.engine.resolveConflict(c2.id, { keep: 'local' })).toMatchObject({ status: 'resolved', queued: true });
    expect((await shop.engine.sync()).stats).toMatchObject({ pushed: 2, conflicts: 0 });
    expect(await shop.remote('c1')).toBeNull();
    expect(shop.local('c1')).toBeNull();
    expect(await shop.remote('c2')).toEqual({ id: 'c2', ...ANA, notes: 'shop note' });
    expect(shop.local('c2')).toEqual({ id: 'c2', ...ANA, notes: 'shop note' });
  } finally {
    await shop.close();
  }
});

test('bulk resolve by entity settles that entity’s open conflicts only', async ({ dir }) => {
  const shop = await openShop(dir, ['c1', 'c2', 'c3']);
  try {
    await shop.put('a1', { id: 'a1', street: 'Rua Direita' }, 'addresses');
    await shop.engine.sync();
    for (const key of ['c1', 'c2', 'c3']) await clash(shop, key);
    shop.pos.prepare("UPDATE addresses SET street = 'Rua Direita 1' WHERE id = 'a1'").run();
    await shop.put('a1', { id: 'a1', street: 'Rua Direita 2' }, 'addresses');
    expect((await shop.engine.sync()).stats.conflicts).toBe(4);

    // (resolveAllConflicts throws synchronously for an unknown entity; the async wrapper accepts either form.)
    await expect(async () => shop.engine.resolveAllConflicts('nope', 'remote')).rejects.toThrow(/unknown entity "nope"/);
    expect(await shop.engine.resolveAllConflicts('customers', 'remote')).toBe(3);
    expect(await shop.engine.resolveAllConflicts('customers', 'remote')).toBe(0);
    const left = await shop.engine.conflicts.list({ status: 'open' });
    expect(left.map((c) => `${c.entity}/${c.rowKey}`)).toEqual(['addresses/a1']);

    const summary = await shop.engine.sync();
    expect(summary.stats).toMatchObject({ pushed: 3, conflicts: 0 });
    for (const key of ['c1', 'c2', 'c3']) {
      const row = { id: key, ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example', notes: 'shop note' };
      expect(shop.local(key)).toEqual(row);
      expect(await shop.remote(key)).toEqual(row);
    }
    // The address is still held on both sides.
    expect(shop.local('a1', 'addresses')).toEqual({ id: 'a1', street: 'Rua Direita 1' });
    expect(await shop.remote('a1', 'addresses')).toEqual({ id: 'a1', street: 'Rua Direita 2' });
  } finally {
    await shop.close();
  }
});
