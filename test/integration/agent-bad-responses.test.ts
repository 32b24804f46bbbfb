import { join } from 'node:path';
import { expect } from 'vitest';
import { instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { startFakeHub, type FakeRoute } from '../helpers/hub-harness.js';
import { adminPut, count, cursorOf, openPos, outboxRows } from '../helpers/local-db.js';

const CUSTOMERS = [
  { name: 'customers', direction: 'both', create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT' } } },
];

const change = (n: number, extra: Record<string, unknown> = {}) => ({
  cursor: n,
  key: `c${n}`,
  op: 'upsert',
  data: { id: `c${n}`, first_name: `name ${n}` },
  version: n,
  origin: 'admin:backend',
  ...extra,
});

const cases: { name: string; pull: FakeRoute; error: RegExp }[] = [
  { name: 'text that is not JSON', pull: () => ({ body: '{"changes": [ this is not json' }), error: /GET \/v1\/pull/ },
  { name: 'an HTML error page with status 200', pull: () => ({ body: '<html>proxy says hi</html>', headers: { 'content-type': 'text/html' } }), error: /GET \/v1\/pull/ },
  { name: 'changes that are not a list', pull: () => ({ body: JSON.stringify({ changes: 'none', cursor: 0, hasMore: false }) }), error: /changes/ },
  {
    name: 'a change without a version',
    pull: () => ({ body: JSON.stringify({ changes: [change(1), { ...change(2), version: undefined }], cursor: 2, hasMore: false }) }),
    error: /changes\[1\]\.version/,
  },
  {
    name: 'an unknown operation',
    pull: () => ({ body: JSON.stringify({ changes: [change(1, { op: 'truncate' })], cursor: 1, hasMore: false }) }),
    error: /changes\[0\]\.op/,
  },
  { name: 'no cursor', pull: () => ({ body: JSON.stringify({ changes: [change(1)], hasMore: false }) }), error: /cursor/ },
  {
    name: 'a cursor that moves backwards',
    pull: (_request, url) => ({
      body: JSON.stringify({ changes: [change(1)], cursor: Number(url.searchParams.get('since')), hasMore: false }),
    }),
    error: /backwards/,
  },
];

for (const c of cases) {
  test(`a pull answered with ${c.name} fails the run with bad_response and writes nothing`, async ({ dir }) => {
    const fake = await startFakeHub({ '/v1/pull': c.pull });
    const dbPath = join(dir, 'shop.db');
    const engine = await openEngine(instanceConfig({ dbPath, url: fake.url, apiKey: 'dvt_00000000000a_anyanyanyanyanyanyanyanyany', entities: CUSTOMERS }));
    const pos = openPos(dbPath);
    try {
      const summary = await engine.sync();
      expect(summary.status).toBe('FAILED');
      expect(summary.errorCode).toBe('bad_response');
      expect(summary.error).toMatch(c.error);
      expect(summary.modules['pull:customers']?.status).toBe('failed');
      // Not retried: a malformed answer is not a blip.
      expect(fake.requests.filter((r) => r.startsWith('GET /v1/pull'))).toHaveLength(1);
      expect(count(pos, 'customers')).toBe(0);
      expect(count(pos, 'sync_rows')).toBe(0);
      expect(cursorOf(pos, 'customers') ?? 0).toBe(0);
      expect(outboxRows(pos)).toEqual([]);
    } finally {
      pos.close();
      await engine.close();
      await fake.stop();
    }
  });
}

test('a bad second page keeps the first page and its cursor, and nothing of the second', async ({ dir }) => {
  const fake = await startFakeHub({
    '/v1/pull': (_request, url) => {
      const since = Number(url.searchParams.get('since'));
      if (since === 0) return { body: JSON.stringify({ changes: [change(1), change(2)], cursor: 2, hasMore: true }) };
      return { body: JSON.stringify({ changes: [change(3), { ...change(4), key: 42 }], cursor: 4, hasMore: false }) };
    },
  });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: fake.url, apiKey: 'dvt_00000000000a_anyanyanyanyanyanyanyanyany', entities: CUSTOMERS }), { pullPageSize: 2 });
  const pos = openPos(dbPath);
  try {
    const summary = await engine.sync();
    expect(summary.status).toBe('FAILED');
    expect(summary.errorCode).toBe('bad_response');
    expect(summary.error).toMatch(/changes\[1\]\.key/);
    expect(cursorOf(pos, 'customers')).toBe(2);
    expect(pos.prepare('SELECT id FROM customers ORDER BY id').all()).toEqual([{ id: 'c1' }, { id: 'c2' }]);
  } finally {
    pos.close();
    await engine.close();
    await fake.stop();
  }
});

test('a /v1/status answer of the wrong shape fails the run before anything is pushed', async ({ dir }) => {
  const fake = await startFakeHub({ '/v1/status': () => ({ body: JSON.stringify({ ok: true }) }) });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: fake.url, apiKey: 'dvt_00000000000a_anyanyanyanyanyanyanyanyany', entities: CUSTOMERS }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
    const summary = await engine.sync();
    expect(summary.status).toBe('FAILED');
    expect(summary.errorCode).toBe('bad_response');
    expect(summary.error).toMatch(/\/v1\/status.*node/);
    expect(fake.requests.filter((r) => r.startsWith('POST'))).toEqual([]);
    expect(outboxRows(pos).map((r) => [r.row_key, r.status, r.attempts])).toEqual([['c1', 'pending', 0]]);
  } finally {
    pos.close();
    await engine.close();
    await fake.stop();
  }
});

test('columns the local table does not have are dropped from pulled rows; the row is written and the table intact', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: CUSTOMERS }));
  const pos = openPos(dbPath);
  try {
    const columnsBefore = pos.prepare("SELECT name, type FROM pragma_table_info('customers')").all();
    const admin = await hub.adminKey();
    await adminPut(hub.url, admin, 'customers', 'c1', {
      id: 'c1',
      first_name: 'Ana',
      'evil"col': 'x',
      'email) VALUES (1); DROP TABLE customers; --': 'y',
      constructor: 'z',
    });
    await adminPut(hub.url, admin, 'customers', 'c2', { id: 'c2', email: 'b@example.com' });
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pulled).toBe(2);
    expect(pos.prepare('SELECT id, first_name, email FROM customers ORDER BY id').all()).toEqual([
      { id: 'c1', first_name: 'Ana', email: null },
      { id: 'c2', first_name: null, email: 'b@example.com' },
    ]);
    expect(pos.prepare("SELECT name, type FROM pragma_table_info('customers')").all()).toEqual(columnsBefore);
    const logs = (await engine.runs.get(summary.runId))!.logs;
    expect(logs.some((l) => l.level === 'error')).toBe(false);
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('a pulled row carrying a "__proto__" field is written without it and pollutes nothing', async ({ dir }) => {
  const body = `{"changes":[{"cursor":1,"key":"c1","op":"upsert","data":{"id":"c1","__proto__":{"first_name":"proto","polluted":true},"email":"a@example.com"},"version":1,"origin":"admin:x"}],"cursor":1,"hasMore":false}`;
  const fake = await startFakeHub({ '/v1/pull': () => ({ body }) });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: fake.url, apiKey: 'dvt_00000000000a_anyanyanyanyanyanyanyanyany', entities: CUSTOMERS }));
  const pos = openPos(dbPath);
  try {
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(pos.prepare('SELECT id, first_name, email FROM customers').all()).toEqual([{ id: 'c1', first_name: null, email: 'a@example.com' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(cursorOf(pos, 'customers')).toBe(1);
  } finally {
    pos.close();
    await engine.close();
    await fake.stop();
  }
});
