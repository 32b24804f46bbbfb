import { join } from 'node:path';
import { expect } from 'vitest';
import type { ConflictRecord } from '../../src/core/conflict-store.js';
import { sameValue } from '../../src/core/merge.js';
import { instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { adminPut, openPos, outboxRows } from '../helpers/local-db.js';

/**
 * A long offline period: 200 synced rows (plus rows created meanwhile) edited, deleted and created on
 * both sides with a seeded PRNG, no sync in between. Then sync: within two syncs both sides hold the
 * same rows, and nothing is lost silently — every value either side wrote is in the final row or in a
 * conflict record of that row (its local_data or remote_data), and every delete either stands or is
 * recorded too.
 */

type Row = Record<string, unknown>;
type Side = 'local' | 'remote';

const ROWS = 200;
const FIELDS = ['first_name', 'email', 'phone', 'notes', 'visits', 'is_banned'] as const;
const COLUMNS = {
  id: 'TEXT NOT NULL',
  first_name: 'TEXT',
  email: 'TEXT',
  phone: 'TEXT',
  notes: 'TEXT',
  visits: 'INTEGER NOT NULL DEFAULT 0',
  is_banned: 'INTEGER NOT NULL DEFAULT 0',
};

/** mulberry32: a small seeded PRNG, so a failure can be replayed exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (i: number) => `c${String(i).padStart(4, '0')}`;

function initialRow(i: number): Row {
  return { id: key(i), first_name: `Name ${i}`, email: `c${i}@example.com`, phone: `555-${1000 + i}`, notes: null, visits: i % 7, is_banned: 0 };
}

/** A new value for a field, unique to its writer unless it is the 0/1 flag (both sides may agree). */
function newValue(rand: () => number, field: (typeof FIELDS)[number], tag: string): unknown {
  if (field === 'is_banned') return rand() < 0.5 ? 1 : 0;
  if (field === 'visits') return Math.floor(rand() * 1000);
  return `${tag} ${field}`;
}

function sameRow(a: Row | null, b: Row | null): boolean {
  if (a === null || b === null) return a === b;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => sameValue(a[k], b[k]));
}

const POLICIES: { name: string; conflict: unknown; seed: number }[] = [
  { name: 'remote-wins', conflict: 'remote-wins', seed: 1 },
  { name: 'local-wins', conflict: 'local-wins', seed: 2 },
  { name: 'newest-wins', conflict: 'newest-wins', seed: 3 },
  {
    name: 'field-priority',
    conflict: { strategy: 'field-priority', local: ['is_banned', 'notes'], remote: ['first_name', 'email'], fallback: 'local-wins' },
    seed: 4,
  },
];

test.for(POLICIES)('offline edits on both sides, $name: converged in two syncs, no silent overwrite', { timeout: 60_000 }, async ({ conflict, seed }, { dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const entities = [{ name: 'customers', direction: 'both', conflict, create: { columns: COLUMNS } }];
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities }));
  const pos = openPos(dbPath);
  const adminKey = await hub.adminKey();
  const rand = prng(seed);
  try {
    // The synced starting point, written through the hub's admin API.
    const base = new Map<string, Row | null>();
    for (let i = 1; i <= ROWS; i++) {
      await adminPut(hub.url, adminKey, 'customers', key(i), initialRow(i));
      base.set(key(i), initialRow(i));
    }
    expect((await engine.sync()).stats.pulled).toBe(ROWS);

    // What each side holds at the end of the offline period (null = deleted; absent = never had it).
    const state: Record<Side, Map<string, Row | null>> = { local: new Map(base), remote: new Map(base) };
    const touched: Record<Side, Set<string>> = { local: new Set(), remote: new Set() };
    // Rows created meanwhile: 10 on both sides with the same key, 10 by the shop only, 10 by the hub only.
    const created = Array.from({ length: 30 }, (_, n) => key(ROWS + 1 + n));
    for (const k of created) base.set(k, null);

    type Op = { side: Side; key: string; kind: 'edit' | 'delete' | 'insert' };
    const ops: Op[] = [];
    for (let i = 1; i <= ROWS; i++) {
      for (const side of ['local', 'remote'] as const) {
        const r = rand();
        if (r < 0.05) ops.push({ side, key: key(i), kind: 'delete' });
        else if (r < 0.55) {
          // One to three separate writes of the same row.
          const writes = 1 + Math.floor(rand() * 3);
          for (let w = 0; w < writes; w++) ops.push({ side, key: key(i), kind: 'edit' });
        }
      }
    }
    created.forEach((k, n) => {
      if (n < 20) ops.push({ side: 'local', key: k, kind: 'insert' });
      if (n < 10 || n >= 20) ops.push({ side: 'remote', key: k, kind: 'insert' });
    });
    // Interleave both sides' work in time (it matters to newest-wins).
    for (let i = ops.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [ops[i], ops[j]] = [ops[j]!, ops[i]!];
    }

    let n = 0;
    for (const op of ops) {
      const current = state[op.side].get(op.key);
      // An edit of a row this side deleted meanwhile is skipped.
      if (op.kind === 'edit' && !current) continue;
      if (op.kind === 'delete' && !current) continue;
      touched[op.side].add(op.key);
      const tag = `${op.side === 'local' ? 'L' : 'H'}${n++}`;
      let next: Row | null;
      if (op.kind === 'delete') next = null;
      else if (op.kind === 'insert') next = Object.fromEntries([['id', op.key], ...FIELDS.map((f) => [f, newValue(rand, f, tag)])]) as Row;
      else {
        next = { ...current };
        const fields = [...FIELDS].sort(() => rand() - 0.5).slice(0, 1 + Math.floor(rand() * 3));
        for (const f of fields) next[f] = newValue(rand, f, tag);
      }
      state[op.side].set(op.key, next);
      if (op.side === 'local') {
        if (next === null) pos.prepare('DELETE FROM customers WHERE id = ?').run(op.key);
        else if (op.kind === 'insert') {
          pos.prepare(`INSERT INTO customers (id, ${FIELDS.join(', ')}) VALUES (?, ${FIELDS.map(() => '?').join(', ')})`).run(
            op.key,
            ...FIELDS.map((f) => next[f]),
          );
        } else pos.prepare(`UPDATE customers SET ${FIELDS.map((f) => `${f} = ?`).join(', ')} WHERE id = ?`).run(...FIELDS.map((f) => next[f]), op.key);
      } else if (next === null) {
        const response = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/customers/rows/${op.key}`, {
          method: 'DELETE',
          headers: { 'x-api-key': adminKey },
        });
        expect(response.status).toBe(200);
      } else {
        await adminPut(hub.url, adminKey, 'customers', op.key, next);
      }
    }
    const both = [...base.keys()].filter((k) => touched.local.has(k) && touched.remote.has(k));
    expect(both.length).toBeGreaterThan(40);

    const first = await engine.sync();
    expect(first.status).toBe('DONE');
    expect(first.stats.conflicts).toBeGreaterThan(0);
    const second = await engine.sync();
    expect(second.status).toBe('DONE');
    expect(second.stats.conflicts).toBe(0);
    expect(outboxRows(pos)).toEqual([]);
    expect(await engine.conflicts.countOpen()).toBe(0);

    const records = new Map<string, ConflictRecord[]>();
    for (const c of await engine.conflicts.list({ limit: 10_000 })) records.set(c.rowKey, [...(records.get(c.rowKey) ?? []), c]);
    const finalLocal = new Map(
      (pos.prepare('SELECT * FROM customers').all() as Row[]).map((r) => [String(r.id), r] as const),
    );
    const problems: string[] = [];
    /** Values that lost: found only in a conflict record (proves that path is exercised). */
    let onRecordOnly = 0;
    for (const k of base.keys()) {
      const local = finalLocal.get(k) ?? null;
      const hubRow = await hub.store.adminGet('shop-1', 'customers', k);
      const remote = hubRow && !hubRow.deleted ? (hubRow.data as Row) : null;
      if (!sameRow(local, remote)) problems.push(`${k}: not converged: local ${JSON.stringify(local)} hub ${JSON.stringify(remote)}`);
      const recs = records.get(k) ?? [];
      if (recs.length > 0 && !(touched.local.has(k) && touched.remote.has(k))) problems.push(`${k}: conflict recorded for a row one side only touched`);
      for (const side of ['local', 'remote'] as const) {
        if (!touched[side].has(k)) continue;
        const mine = state[side].get(k) ?? null;
        const recorded = recs.map((c) => (side === 'local' ? c.localData : c.remoteData));
        if (mine === null) {
          // A delete stands, or it lost to an edit and is on record.
          if (local !== null && !recorded.includes(null)) problems.push(`${k}: ${side} delete neither applied nor recorded`);
          continue;
        }
        const was = base.get(k) ?? null;
        for (const f of FIELDS) {
          if (was !== null && sameValue(mine[f], was[f])) continue;
          const kept = local !== null && sameValue(local[f], mine[f]);
          const onRecord = recorded.some((r) => r !== null && sameValue(r[f], mine[f]));
          if (!kept && onRecord) onRecordOnly++;
          if (!kept && !onRecord) problems.push(`${k}.${f}: ${side} value ${JSON.stringify(mine[f])} is neither in the final row nor in a conflict record`);
        }
        // A row only one side touched ends exactly as that side left it.
        const other = side === 'local' ? 'remote' : 'local';
        if (!touched[other].has(k) && !sameRow(local, mine)) problems.push(`${k}: one-sided ${side} change not applied`);
      }
    }
    expect(problems).toEqual([]);
    expect(onRecordOnly).toBeGreaterThan(0);

    const third = await engine.sync();
    expect(third.stats).toMatchObject({ pushed: 0, conflicts: 0 });
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});
