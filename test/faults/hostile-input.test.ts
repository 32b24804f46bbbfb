/**
 * Hostile input (issue 13 §3): fuzzed pull pages, identifiers and values that look like SQL,
 * and seeded property-style tests of the three-way merge and the row codec.
 */
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { diffFields, mergeRow, sameValue, type ConflictStrategy } from '../../src/core/merge.js';
import { keyValues, rowKeyOf, toSqlValue } from '../../src/core/row-codec.js';
import type { SyncEngine, SyncSummary } from '../../src/core/sync-engine.js';
import type { RowData } from '../../src/protocol/index.js';
import { instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { startFakeHub } from '../helpers/hub-harness.js';
import { adminPut, count, cursorOf, openPos, outboxRows } from '../helpers/local-db.js';
import { seeded } from './tier.js';
import type Database from 'better-sqlite3';

const KEY = 'dvt_00000000000a_anyanyanyanyanyanyanyanyany';
const CUSTOMERS = [
  { name: 'customers', direction: 'both', create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT' } } },
];

const good = (n: number, extra: Record<string, unknown> = {}) => ({
  cursor: n,
  key: `c${n}`,
  op: 'upsert',
  data: { id: `c${n}`, first_name: `name ${n}` },
  version: n,
  origin: 'admin:backend',
  ...extra,
});

/** Everything the agent keeps about pulled rows, to compare before and after a hostile page. */
function localState(pos: Database.Database) {
  return {
    customers: pos.prepare('SELECT * FROM customers ORDER BY id').all(),
    synced: pos.prepare('SELECT * FROM sync_rows ORDER BY 1, 2').all(),
    cursor: cursorOf(pos, 'customers'),
    outbox: outboxRows(pos).length,
  };
}

// Each hostile page is answered to the SECOND pull, after a good first page moved the cursor to 2.
const hostile: { name: string; page: (since: number) => unknown; error: RegExp }[] = [
  { name: 'a cursor given as a string', page: () => ({ changes: [good(3)], cursor: '3', hasMore: false }), error: /cursor/ },
  { name: 'a version given as a string', page: () => ({ changes: [good(3, { version: '3' })], cursor: 3, hasMore: false }), error: /version/ },
  { name: 'data that is an array', page: () => ({ changes: [good(3, { data: [1, 2] })], cursor: 3, hasMore: false }), error: /data/ },
  { name: 'data that is a string', page: () => ({ changes: [good(3, { data: 'DROP TABLE customers' })], cursor: 3, hasMore: false }), error: /data/ },
  { name: 'hasMore that is a string', page: () => ({ changes: [good(3)], cursor: 3, hasMore: 'yes' }), error: /hasMore/ },
  { name: 'a change that is null', page: () => ({ changes: [good(3), null], cursor: 4, hasMore: false }), error: /changes\[1\]/ },
  { name: 'a key that is an object', page: () => ({ changes: [good(3, { key: { $ne: 1 } })], cursor: 3, hasMore: false }), error: /key/ },
  { name: 'a negative change cursor', page: () => ({ changes: [good(3, { cursor: -3 })], cursor: 3, hasMore: false }), error: /cursor/ },
  { name: 'a fractional version', page: () => ({ changes: [good(3, { version: 2.5 })], cursor: 3, hasMore: false }), error: /version/ },
  { name: 'no hasMore', page: () => ({ changes: [good(3)], cursor: 3 }), error: /hasMore/ },
  { name: 'a change without origin', page: () => ({ changes: [good(3, { origin: undefined })], cursor: 3, hasMore: false }), error: /origin/ },
  { name: 'a change without op', page: () => ({ changes: [good(3, { op: undefined })], cursor: 3, hasMore: false }), error: /op/ },
  { name: 'a change with an extra field', page: () => ({ changes: [good(3, { sql: 'DROP TABLE customers' })], cursor: 3, hasMore: false }), error: /sql|unrecognized/i },
  { name: 'a cursor behind the current one', page: () => ({ changes: [good(3)], cursor: 1, hasMore: false }), error: /backwards/ },
  { name: 'a zero cursor with changes', page: () => ({ changes: [good(3)], cursor: 0, hasMore: false }), error: /backwards/ },
  { name: 'a key longer than 512 characters', page: () => ({ changes: [good(3, { key: 'k'.repeat(513) })], cursor: 3, hasMore: false }), error: /key/ },
  { name: 'a JSON array instead of a page', page: () => [good(3)], error: /pull|expected/i },
];

/**
 * A fake hub answering a good first page (c1, c2), then `second(since)` to every later pull;
 * `check` runs after the second sync with the state the first one left.
 */
async function afterGoodPage(
  dir: string,
  second: (since: number) => unknown,
  check: (summary: SyncSummary, before: ReturnType<typeof localState>, engine: SyncEngine, pos: Database.Database) => Promise<void> | void,
): Promise<void> {
  let phase = 0;
  const fake = await startFakeHub({
    '/v1/pull': (_request, url) => {
      if (phase === 0) return { body: JSON.stringify({ changes: [good(1), good(2)], cursor: 2, hasMore: false }) };
      return { body: JSON.stringify(second(Number(url.searchParams.get('since')))) };
    },
  });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: fake.url, apiKey: KEY, entities: CUSTOMERS }));
  const pos = openPos(dbPath);
  try {
    expect((await engine.sync()).status).toBe('DONE');
    const before = localState(pos);
    phase = 1;
    await check(await engine.sync(), before, engine, pos);
  } finally {
    pos.close();
    await engine.close();
    await fake.stop();
  }
}

describe('hostile pull pages: nothing written, cursor unchanged, the run FAILED with a clear error', () => {
  for (const c of hostile) {
    test(`a page with ${c.name}`, ({ dir }) =>
      afterGoodPage(dir, c.page, async (summary, before, engine, pos) => {
        expect(before.cursor).toBe(2);
        expect(summary.status).toBe('FAILED');
        expect(summary.errorCode).toBe('bad_response');
        expect(summary.error).toMatch(c.error);
        expect(localState(pos)).toEqual(before);
        const status = await engine.status();
        expect(status.lastRun?.status).toBe('FAILED');
        expect(status.lastRun?.error).toMatch(c.error);
        expect(pos.pragma('integrity_check', { simple: true })).toBe('ok');
      }));
  }

  // Found by this suite: the changes' own cursors were not checked to rise strictly within
  // (since, page.cursor], so a page repeating a key at one cursor was applied.
  test('a page repeating a key at the same cursor is refused as a whole', ({ dir }) =>
    afterGoodPage(
      dir,
      () => {
        const a = good(3, { data: { id: 'c3', first_name: 'first' } });
        const b = good(3, { data: { id: 'c3', first_name: 'second' } });
        return { changes: [a, b], cursor: 3, hasMore: false };
      },
      (summary, before, _engine, pos) => {
        expect(summary.status).toBe('FAILED');
        expect(summary.errorCode).toBe('bad_response');
        expect(localState(pos)).toEqual(before);
      },
    ));

  test('a 10 MB row in a page: the run fails naming the limit, nothing written, cursor unchanged, error in status', ({ dir }) => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    return afterGoodPage(
      dir,
      () => ({ changes: [good(3), good(4, { data: { id: 'c4', first_name: huge } })], cursor: 4, hasMore: false }),
      async (summary, before, engine, pos) => {
        expect(summary.status).toBe('FAILED');
        expect(summary.error).toBe('bad_response: hub sent customers row "c4": row is 10 MB, over the 1 MB limit per row; page not applied');
        expect(localState(pos)).toEqual(before);
        expect((await engine.status()).lastRun).toMatchObject({ status: 'FAILED', error: summary.error });
      },
    );
  });
});

const HOSTILE_KEYS = [
  'x; DROP TABLE y',
  "'); DROP TABLE customers; --",
  '"quoted" key',
  "it's",
  'sqlite_master',
  '__proto__',
  'constructor',
  'a,b',
  '["a","b"]',
  'back\\slash',
  'ключ 🍕 ü',
  '%27 OR 1=1',
];

function tablesOf(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('identifiers and values that look like SQL are data, never SQL', () => {
  test('hostile keys and values pushed by the shop and pulled from the hub are stored as data; both databases intact', async ({ dir }) => {
    const hub = await startHub(dir);
    const dbPath = join(dir, 'shop.db');
    const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: CUSTOMERS }));
    const pos = openPos(dbPath);
    try {
      const tablesBefore = tablesOf(pos);
      const insert = pos.prepare('INSERT INTO customers (id, first_name, email) VALUES (?, ?, ?)');
      for (const [i, key] of HOSTILE_KEYS.entries()) insert.run(key, `${key} name`, JSON.stringify({ n: i, list: [key, null], sql: 'DROP TABLE customers' }));
      const pushed = await engine.sync();
      expect(pushed.status).toBe('DONE');
      expect(pushed.stats.pushed).toBe(HOSTILE_KEYS.length);
      for (const [i, key] of HOSTILE_KEYS.entries()) {
        const row = await hub.store.adminGet('shop-1', 'customers', key);
        expect(row?.data).toMatchObject({ id: key, first_name: `${key} name`, email: JSON.stringify({ n: i, list: [key, null], sql: 'DROP TABLE customers' }) });
      }

      // From the hub: the same kinds of keys, with objects and arrays as values.
      const admin = await hub.adminKey();
      for (const key of HOSTILE_KEYS) {
        await adminPut(hub.url, admin, 'customers', `h-${key}`, { id: `h-${key}`, first_name: { nested: [key], drop: 'DROP TABLE y' }, email: [1, key, { a: null }] });
      }
      const pulled = await engine.sync();
      expect(pulled.status).toBe('DONE');
      expect(pulled.stats.pulled).toBe(HOSTILE_KEYS.length);
      for (const key of HOSTILE_KEYS) {
        const row = pos.prepare('SELECT first_name, email FROM customers WHERE id = ?').get(`h-${key}`) as { first_name: string; email: string };
        expect(JSON.parse(row.first_name)).toEqual({ nested: [key], drop: 'DROP TABLE y' });
        expect(JSON.parse(row.email)).toEqual([1, key, { a: null }]);
      }
      expect(count(pos, 'customers')).toBe(HOSTILE_KEYS.length * 2);
      expect(tablesOf(pos)).toEqual(tablesBefore);
      expect(pos.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(outboxRows(pos).filter((r) => r.status !== 'done' && r.status !== 'sent')).toEqual([]);
      expect(({} as Record<string, unknown>).nested).toBeUndefined();
    } finally {
      pos.close();
      await engine.close();
      await hub.stop();
    }
    const hubDb = openPos(join(dir, 'hub.db'));
    try {
      expect(hubDb.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      hubDb.close();
    }
  });

  test('the hub refuses hostile entity names in pushes and admin paths, and stores hostile keys as data', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const nodeKey = await hub.nodeKey();
      const admin = await hub.adminKey();
      const source = 'outbox-hostile-01';
      for (const entity of ['x; DROP TABLE y', '__proto__', 'Customers', 'a"b', "o'k", '', 'a'.repeat(64)]) {
        const push = await fetch(`${hub.url}/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': nodeKey },
          body: JSON.stringify({ protocol: 1, source, changes: [{ seq: 1, entity, key: 'k', op: 'upsert', data: { id: 'k' }, baseVersion: null }] }),
        });
        expect(push.status, entity).toBe(400);
        const put = await fetch(`${hub.url}/v1/admin/scopes/shop-1/entities/${encodeURIComponent(entity)}/rows/k`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', 'x-api-key': admin },
          body: JSON.stringify({ data: { id: 'k' } }),
        });
        expect([400, 404], entity).toContain(put.status);
        const pull = await fetch(`${hub.url}/v1/pull?entity=${encodeURIComponent(entity)}`, { headers: { 'x-api-key': nodeKey } });
        expect(pull.status, entity).toBe(400);
      }
      // A lowercase entity called sqlite_master is a name like any other: data in the hub's rows.
      const push = await fetch(`${hub.url}/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': nodeKey },
        body: JSON.stringify({
          protocol: 1,
          source,
          changes: HOSTILE_KEYS.map((key, i) => ({ seq: i + 1, entity: 'sqlite_master', key, op: 'upsert', data: { id: key, sql: 'DROP TABLE rows' }, baseVersion: null })),
        }),
      });
      expect(push.status).toBe(200);
      for (const key of HOSTILE_KEYS) expect((await hub.store.adminGet('shop-1', 'sqlite_master', key))?.data).toEqual({ id: key, sql: 'DROP TABLE rows' });
    } finally {
      await hub.stop();
    }
    const hubDb = openPos(join(dir, 'hub.db'));
    try {
      expect(hubDb.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(tablesOf(hubDb).length).toBeGreaterThan(0);
    } finally {
      hubDb.close();
    }
  });

  test('config refuses entity and table names that are not plain identifiers', () => {
    const base = { hub: { url: 'http://127.0.0.1:1', apiKey: KEY }, database: { type: 'sqlite', path: '/tmp/never.db' } };
    for (const name of ['x; DROP TABLE y', '__proto__', 'a"b', "o'k", 'Customers', 'a b', '']) {
      expect(() => parseConfig({ ...base, entities: [{ name, direction: 'both' }] }, { baseDir: '/' }), name).toThrow(/entities\[0\]\.name/);
    }
    for (const table of ['x; DROP TABLE y', 'a"b', "o'k", 'a b', 'main.t']) {
      expect(() => parseConfig({ ...base, entities: [{ name: 'a', table, direction: 'both' }] }, { baseDir: '/' }), table).toThrow(/entities\[0\]\.table/);
    }
    for (const column of ['id; DROP TABLE y', 'a"b']) {
      expect(() => parseConfig({ ...base, entities: [{ name: 'a', key: column, direction: 'both' }] }, { baseDir: '/' }), column).toThrow(/entities\[0\]\.key/);
    }
    expect(() =>
      parseConfig({ ...base, entities: [{ name: 'a', direction: 'both', create: { columns: { id: 'TEXT); DROP TABLE y; --' } } }] }, { baseDir: '/' }),
    ).toThrow(/columns/);
  });

  test('an entity whose table is sqlite_master is refused by the config, and the database is untouched', ({ dir }) => {
    const dbPath = join(dir, 'shop.db');
    const pos = openPos(dbPath);
    pos.exec('CREATE TABLE keep (id TEXT PRIMARY KEY)');
    const schemaBefore = pos.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    try {
      expect(() => instanceConfig({ dbPath, url: 'http://127.0.0.1:9', apiKey: KEY, entities: [{ name: 'sqlite_master', direction: 'both' }] })).toThrow(
        'entities[0].table: "sqlite_master" is an SQLite internal table',
      );
      const schemaAfter = pos.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
      expect(schemaAfter).toEqual(schemaBefore);
      expect(pos.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()).toEqual([]);
      expect(pos.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      pos.close();
    }
  });
});

type Rng = ReturnType<typeof seeded>;

const VALUES: readonly unknown[] = [null, 0, 1, -7, 2.5, '', 'a', "it's", '"q"', 'x; DROP TABLE y', 'ü🍕', { a: 1 }, [1, 'b'], { a: [null] }, 'true'];
const FIELDS = ['id', 'name', 'price', 'note', 'tags', 'sqlite_master'];

function genRow(r: Rng): RowData {
  const row: Record<string, unknown> = {};
  for (const f of FIELDS) row[f] = r.pick(VALUES);
  return row;
}
/** A copy of `row` with some fields changed to a value that is really different. */
function mutate(r: Rng, row: RowData, p: number): RowData {
  const out: Record<string, unknown> = { ...row };
  for (const f of FIELDS) {
    if (r.next() >= p) continue;
    let v = r.pick(VALUES);
    while (sameValue(v, row[f])) v = r.pick(VALUES);
    out[f] = v;
  }
  return out;
}
const changed = (a: RowData, b: RowData) => FIELDS.filter((f) => !sameValue(a[f], b[f]));
const STRATEGIES: ConflictStrategy[] = ['remote-wins', 'local-wins', 'newest-wins', 'manual'];
const RUNS = 500;

describe('three-way merge, seeded properties', () => {
  test('only one side changed: the merge is that side, with no decisions, whatever the strategy', () => {
    const r = seeded(0xd0e7a11);
    for (let i = 0; i < RUNS; i++) {
      const base = genRow(r);
      const edited = mutate(r, base, 0.5);
      const strategy = r.pick(STRATEGIES);
      for (const [local, remote] of [
        [edited, { ...base }],
        [{ ...base }, edited],
      ] as const) {
        const result = mergeRow({ strategy }, { base, local, remote, localAt: '2026-01-01T00:00:00Z', remoteAt: '2026-01-02T00:00:00Z' });
        expect(result.outcome, `seed run ${i}`).toBe('merged');
        if (result.outcome !== 'merged') continue;
        expect(result.row).toEqual(edited);
        expect(result.decisions).toEqual({});
        expect(result.fields.filter((f) => f.conflicting)).toEqual([]);
      }
    }
  });

  test('fields changed on both sides to different values are exactly the conflict fields', () => {
    const r = seeded(0xc0ff1c7);
    for (let i = 0; i < RUNS; i++) {
      const base = genRow(r);
      const local = mutate(r, base, 0.5);
      const remote = r.next() < 0.3 ? { ...local } : mutate(r, base, 0.5);
      const expected = FIELDS.filter((f) => changed(base, local).includes(f) && changed(base, remote).includes(f) && !sameValue(local[f], remote[f]));
      const fields = diffFields(base, local, remote);
      expect(fields.filter((f) => f.conflicting).map((f) => f.field).sort(), `run ${i}`).toEqual([...expected].sort());
      expect(fields.filter((f) => f.localChanged).map((f) => f.field).sort()).toEqual(changed(base, local).sort());
      expect(fields.filter((f) => f.remoteChanged).map((f) => f.field).sort()).toEqual(changed(base, remote).sort());

      const manual = mergeRow({ strategy: 'manual' }, { base, local, remote });
      expect(manual.outcome).toBe(expected.length > 0 ? 'manual' : 'merged');
      for (const [strategy, side] of [
        ['remote-wins', 'remote'],
        ['local-wins', 'local'],
      ] as const) {
        const merged = mergeRow({ strategy }, { base, local, remote });
        expect(merged.outcome).toBe('merged');
        if (merged.outcome !== 'merged') continue;
        expect(Object.keys(merged.decisions).sort()).toEqual([...expected].sort());
        expect(Object.values(merged.decisions).every((d) => d === side)).toBe(true);
        for (const f of FIELDS) {
          const want = expected.includes(f) ? (side === 'local' ? local[f] : remote[f]) : changed(base, local).includes(f) ? local[f] : remote[f];
          expect(sameValue(merged.row![f], want), `run ${i} field ${f}`).toBe(true);
        }
      }
    }
  });

  test('local-wins on (local, remote) equals remote-wins on the swapped sides', () => {
    const r = seeded(0x5eed);
    for (let i = 0; i < RUNS; i++) {
      const base = genRow(r);
      const local = mutate(r, base, 0.4);
      const remote = mutate(r, base, 0.4);
      const a = mergeRow({ strategy: 'local-wins' }, { base, local, remote });
      const b = mergeRow({ strategy: 'remote-wins' }, { base, local: remote, remote: local });
      expect(a.outcome === 'merged' && b.outcome === 'merged').toBe(true);
      if (a.outcome === 'merged' && b.outcome === 'merged') expect(a.row).toEqual(b.row);
    }
  });

  test('a delete against an untouched row stands; against an edited row it is decided by the policy', () => {
    const r = seeded(0xde1e7e);
    for (let i = 0; i < RUNS; i++) {
      const base = genRow(r);
      const edited = mutate(r, base, 0.5);
      const untouched = mergeRow({ strategy: 'manual' }, { base, local: null, remote: { ...base } });
      expect(untouched).toMatchObject({ outcome: 'merged', row: null });
      if (changed(base, edited).length === 0) continue;
      expect(mergeRow({ strategy: 'manual' }, { base, local: null, remote: edited }).outcome).toBe('manual');
      expect(mergeRow({ strategy: 'remote-wins' }, { base, local: null, remote: edited })).toMatchObject({ outcome: 'merged', row: edited });
      expect(mergeRow({ strategy: 'remote-wins' }, { base, local: edited, remote: null })).toMatchObject({ outcome: 'merged', row: null });
    }
  });
});

const KEY_CHARS = ['a', 'Z', '0', ',', "'", '"', '[', ']', '\\', ' ', ':', '{', 'ü', 'ключ', '🍕', '\u0000', '\n', 'null'];

describe('row codec, seeded properties', () => {
  test('keyValues(rowKeyOf(row)) round-trips composite keys of strings with quotes, commas and unicode, and integers', () => {
    const r = seeded(0xc0dec);
    const seen = new Map<string, string>();
    for (let i = 0; i < 2000; i++) {
      const columns = Array.from({ length: 2 + r.int(3) }, (_, j) => `k${j}`);
      const row: Record<string, unknown> = { other: 'x' };
      for (const c of columns) {
        row[c] = r.next() < 0.25 ? r.int(1_000_000) - 500_000 : Array.from({ length: r.int(6) }, () => r.pick(KEY_CHARS)).join('');
      }
      const key = rowKeyOf(row, columns);
      expect(keyValues(key, columns), `run ${i}`).toEqual(columns.map((c) => toSqlValue(row[c])));
      // Injective: two different tuples never share a key text.
      const tuple = JSON.stringify(columns.map((c) => [typeof row[c], row[c]]));
      const earlier = seen.get(key);
      if (earlier !== undefined) expect(earlier).toBe(tuple);
      seen.set(key, tuple);
    }
  });

  test('a single-column key is the text itself; a composite key text of the wrong shape is refused', () => {
    const r = seeded(0x51461e);
    for (let i = 0; i < 500; i++) {
      const value = Array.from({ length: 1 + r.int(8) }, () => r.pick(KEY_CHARS)).join('');
      expect(keyValues(rowKeyOf({ id: value }, ['id']), ['id'])).toEqual([value]);
    }
    for (const bad of ['["only one"]', '{"a":1}', '"text"', '[1,2,3]']) expect(() => keyValues(bad, ['a', 'b'])).toThrow(/does not match key columns/);
    expect(() => keyValues("x'); DROP TABLE y; --", ['a', 'b'])).toThrow();
  });
});
