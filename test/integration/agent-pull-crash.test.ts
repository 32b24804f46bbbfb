import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import type { AgentChildArgs } from '../helpers/agent-child.js';
import { spawnTsx } from '../helpers/child.js';
import { instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { count, cursorOf, outboxRows } from '../helpers/local-db.js';
import { seedRows } from '../helpers/seed.js';

const TOTAL = 20_000;
const CUSTOMERS = [
  {
    name: 'customers',
    direction: 'both',
    create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT', visits: 'INTEGER' } },
  },
];
const customer = (i: number) => ({ id: `c${i}`, first_name: `Customer ${i}`, email: `c${i}@example.com`, visits: i % 7 });

test('an agent killed in the middle of a pull resumes from its cursor and ends with every row exactly once', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const apiKey = await hub.nodeKey();
  await seedRows(hub, 'customers', TOTAL, customer, { prefix: 'c' });
  const head = (await hub.store.status('shop-1')).head;
  expect(head).toBe(TOTAL);

  const args: AgentChildArgs = { dbPath, url: hub.url, apiKey, entities: CUSTOMERS, pullPageSize: 200 };
  const child = spawnTsx('./agent-child.ts', [JSON.stringify(args)]);
  const watch: { db: Database.Database | null } = { db: null };
  try {
    // Watch the agent's file from outside until some, but not all, pages are committed.
    const seen = await waitFor(
      () => {
        if (!existsSync(dbPath)) return null;
        try {
          watch.db ??= new Database(dbPath, { readonly: true, fileMustExist: true });
          const cursor = cursorOf(watch.db, 'customers') ?? 0;
          return cursor >= 1000 && cursor < TOTAL ? cursor : null;
        } catch {
          return null; // the agent is still creating its tables
        }
      },
      20_000,
      'the child agent to commit its first pages',
    );
    child.process.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    expect(seen).toBeGreaterThan(0);
  } finally {
    watch.db?.close();
    if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  }

  // Right after the kill: the committed pages and their cursor agree row for row.
  const after = new Database(dbPath, { readonly: true });
  let cursor: number;
  try {
    cursor = cursorOf(after, 'customers')!;
    expect(cursor).toBeGreaterThan(0);
    expect(cursor).toBeLessThan(TOTAL);
    expect(cursor % 200).toBe(0);
    // Seeded versions run 1..TOTAL: exactly the rows with version <= cursor are here, no more.
    expect(count(after, 'customers')).toBe(cursor);
    expect(count(after, 'sync_rows')).toBe(cursor);
    const versions = after.prepare('SELECT MIN(version) AS lo, MAX(version) AS hi FROM sync_rows').get();
    expect(versions).toEqual({ lo: 1, hi: cursor });
    const lastIn = after.prepare('SELECT id, first_name, email, visits FROM customers WHERE id = ?').get(`c${cursor}`);
    expect(lastIn).toEqual(customer(cursor));
    expect(after.prepare('SELECT 1 FROM customers WHERE id = ?').get(`c${cursor + 1}`)).toBeUndefined();
    expect(after.prepare("SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1").get()).toEqual({ status: 'RUNNING' });
  } finally {
    after.close();
  }

  // A new agent on the same file finishes the job.
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: CUSTOMERS }), { pullPageSize: 500 });
  try {
    const [interrupted] = await engine.runs.list(1);
    expect(interrupted).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/interrupted/) });
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pulled).toBe(TOTAL - cursor);
    expect(await engine.state.cursor('customers')).toBe(head);

    const db = new Database(dbPath, { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    expect(count(db, 'customers')).toBe(TOTAL);
    expect(count(db, 'sync_rows')).toBe(TOTAL);
    expect((db.prepare('SELECT COUNT(DISTINCT id) AS n FROM customers').get() as { n: number }).n).toBe(TOTAL);
    const rows = db.prepare('SELECT id, first_name, email, visits FROM customers').all() as ReturnType<typeof customer>[];
    const wrong = rows.filter((r) => JSON.stringify(r) !== JSON.stringify(customer(Number(r.id.slice(1)))));
    expect(wrong).toEqual([]);
    // Nothing pulled was captured for pushing back.
    expect(outboxRows(db)).toEqual([]);
  } finally {
    await engine.close();
    await hub.stop();
  }
});
