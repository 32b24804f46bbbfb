import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { ENTITIES, instanceConfig, openEngine, test, waitFor } from '../helpers/fixtures.js';
import { failFirst, loseAnswers, startHubWith } from '../helpers/hub-harness.js';
import { openPos, outboxRows } from '../helpers/local-db.js';

/** Three POS rows, then one sync against a hub configured by `configure`; returns what the hub holds. */
async function pushThrough(dir: string, configure: (app: FastifyInstance) => void) {
  const hub = await startHubWith(dir, configure);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10), ('p2', 'Soda', 2)").run();
    pos.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
    const summary = await engine.sync();
    return {
      summary,
      requests: hub.requests.filter((r) => r === 'POST /v1/push').length,
      head: (await hub.store.status('shop-1')).head,
      rows: [
        ...(await hub.store.adminList('shop-1', 'products', { since: 0, limit: 10, includeDeleted: true })),
        ...(await hub.store.adminList('shop-1', 'customers', { since: 0, limit: 10, includeDeleted: true })),
      ].map((r) => [r.key, r.version, r.data]),
      outbox: outboxRows(pos),
    };
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
}

const DELIVERED = expect.arrayContaining([
  ['p1', expect.any(Number), { id: 'p1', name: 'Pizza', price: 10 }],
  ['p2', expect.any(Number), { id: 'p2', name: 'Soda', price: 2 }],
  ['c1', expect.any(Number), { id: 'c1', first_name: 'Ana', email: null, is_deleted: 0 }],
]);

test('three 503 answers to /v1/push are retried and the changes land exactly once', async ({ dir }) => {
  let failures = { failed: () => 0 };
  const out = await pushThrough(dir, (app) => (failures = failFirst(app, { path: '/v1/push', count: 3, status: 503 })));
  expect(failures.failed()).toBe(3);
  expect(out.summary.status).toBe('DONE');
  expect(out.summary.stats.pushed).toBe(3);
  expect(out.requests).toBe(4);
  // Exactly once: three rows, three versions, head 3.
  expect(out.rows).toHaveLength(3);
  expect(out.rows).toEqual(DELIVERED);
  expect(out.head).toBe(3);
  expect(out.outbox).toEqual([]);
});

test('a 429 with Retry-After: 1 is honoured, then the changes land exactly once', async ({ dir }) => {
  let failures = { failed: () => 0 };
  const started = Date.now();
  const out = await pushThrough(
    dir,
    (app) => (failures = failFirst(app, { path: '/v1/push', count: 1, status: 429, headers: { 'retry-after': '1' } })),
  );
  expect(failures.failed()).toBe(1);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(out.summary.status).toBe('DONE');
  expect(out.requests).toBe(2);
  expect(out.rows).toEqual(DELIVERED);
  expect(out.head).toBe(3);
  expect(out.outbox).toEqual([]);
});

test('a connection closed before the hub reads the push is retried; the changes land once', async ({ dir }) => {
  let failures = { failed: () => 0 };
  const out = await pushThrough(dir, (app) => (failures = failFirst(app, { path: '/v1/push', count: 1, status: 'close' })));
  expect(failures.failed()).toBe(1);
  expect(out.summary.status).toBe('DONE');
  expect(out.rows).toEqual(DELIVERED);
  expect(out.head).toBe(3);
  expect(out.outbox).toEqual([]);
});

test('an answer lost after the hub committed the push is retried and not applied twice', async ({ dir }) => {
  let lost = { lost: () => 0 };
  const out = await pushThrough(dir, (app) => (lost = loseAnswers(app, { path: '/v1/push', count: 1 })));
  expect(lost.lost()).toBe(1);
  expect(out.requests).toBe(2);
  expect(out.summary.status).toBe('DONE');
  expect(out.summary.stats.pushed).toBe(3);
  // The replay was answered from the hub's receipts: still one version per row.
  expect(out.rows).toEqual(DELIVERED);
  expect(out.head).toBe(3);
  expect(out.outbox).toEqual([]);
});

test('a hub failing more often than the retries: the run FAILs, entries are postponed, nothing is lost, a later sync delivers', async ({ dir }) => {
  let down = true;
  const hub = await startHubWith(dir, (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (!down || !request.url.startsWith('/v1/push')) return;
      await reply.code(503).send({ error: { code: 'internal', message: 'down for maintenance' } });
      return reply;
    });
  });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10), ('p2', 'Soda', 2)").run();
    const before = outboxRows(pos);
    const started = Date.now();
    const failed = await engine.sync();
    expect(failed.status).toBe('FAILED');
    expect(failed.errorCode).toBe('server');
    expect(failed.error).toMatch(/503|down for maintenance/);
    expect(failed.modules.push?.status).toBe('failed');
    // One try and three quick retries, then the outbox's own back-off takes over.
    expect(hub.requests.filter((r) => r === 'POST /v1/push')).toHaveLength(4);
    // The pulls still ran.
    expect(failed.modules['pull:customers']?.status).toBe('done');
    const after = outboxRows(pos);
    expect(after.map((r) => [r.seq, r.row_key, r.data, r.status])).toEqual(before.map((r) => [r.seq, r.row_key, r.data, r.status]));
    for (const r of after) {
      expect(r.attempts).toBe(1);
      expect(r.last_error).toMatch(/server/);
      expect(Date.parse(r.next_attempt_at!)).toBeGreaterThanOrEqual(started + 500);
    }

    // The hub is back: once their back-off expires, a plain (scheduled) sync delivers the entries.
    down = false;
    let pushed = 0;
    await waitFor(
      async () => {
        const summary = await engine.sync({ trigger: 'schedule' });
        expect(summary.status).toBe('DONE');
        pushed += summary.stats.pushed;
        return outboxRows(pos).length === 0;
      },
      10_000,
      'the postponed entries to be delivered',
    );
    expect(pushed).toBe(2);
    expect((await hub.store.status('shop-1')).head).toBe(2);
    expect((await hub.store.adminGet('shop-1', 'products', 'p2'))?.data).toEqual({ id: 'p2', name: 'Soda', price: 2 });
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});

test('a 503 with a long Retry-After is not retried at once and postpones the entries by that much', async ({ dir }) => {
  const hub = await startHubWith(dir, (app) => failFirst(app, { path: '/v1/push', count: 1, status: 503, headers: { 'retry-after': '3600' } }));
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const pos = openPos(dbPath);
  try {
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
    const started = Date.now();
    const failed = await engine.sync();
    expect(failed.status).toBe('FAILED');
    expect(hub.requests.filter((r) => r === 'POST /v1/push')).toHaveLength(1);
    const [entry] = outboxRows(pos);
    expect(Date.parse(entry!.next_attempt_at!) - started).toBeGreaterThanOrEqual(3_500_000);

    // Not due: a scheduled sync leaves it alone; a person's "Sync now" (force) sends it.
    expect((await engine.sync({ trigger: 'schedule' })).stats.pushed).toBe(0);
    expect(hub.requests.filter((r) => r === 'POST /v1/push')).toHaveLength(1);
    expect((await engine.sync({ force: true })).stats.pushed).toBe(1);
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});
