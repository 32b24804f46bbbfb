import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import { spawnTsx } from '../helpers/child.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { seedRows } from '../helpers/seed.js';

const customer = (i: number) => ({ id: `c${i}`, first_name: `Name ${i}`, email: `c${i}@example.com` });

test('cancel mid-run: the run ends CANCELED between pages and the next run resumes from the cursor', async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  await seedRows(hub, 'customers', 20_000, customer, { prefix: 'c' });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }), { pullPageSize: 100 });
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 24 * 60, live: false });
  try {
    const run = agent.syncNow();
    await waitFor(() => (agent.status().currentRun?.progress['pull:customers']?.processed ?? 0) > 0, 10_000, 'pull progress');
    expect(agent.cancel()).toBe(true);
    const canceled = await run;
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.modules['pull:customers']?.status).toBe('canceled');
    const cursor = await engine.state.cursor('customers');
    expect(cursor).toBeGreaterThan(0);
    expect(cursor).toBeLessThan(20_000);
    expect((await engine.runs.get(canceled.runId))?.run.status).toBe('CANCELED');

    const resumed = await agent.syncNow();
    expect(resumed.status).toBe('DONE');
    expect(resumed.stats.pulled).toBe(20_000 - cursor);
    expect(await engine.state.cursor('customers')).toBe(20_000);
  } finally {
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});

test('a crash mid-run leaves the run RUNNING; the next start marks it FAILED and resumes from the cursor', async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  await seedRows(hub, 'customers', 20_000, customer, { prefix: 'c' });
  const dbPath = join(dir, 'shop.db');
  const apiKey = await hub.nodeKey();
  const child = spawnTsx('./agent-child.ts', [JSON.stringify({ dbPath, url: hub.url, apiKey, entities: ENTITIES, pullPageSize: 100 })]);
  const watcher = await waitFor(
    () => {
      try {
        const db = new Database(dbPath, { readonly: true, fileMustExist: true });
        const row = db.prepare("SELECT cursor FROM sync_state WHERE entity = 'customers'").get() as { cursor: number } | undefined;
        db.close();
        return row && row.cursor > 0 ? row : null;
      } catch {
        return null;
      }
    },
    20_000,
    'the child to apply a page',
  );
  child.process.kill('SIGKILL');
  expect(await child.exited).toBe('SIGKILL');
  expect(watcher.cursor).toBeLessThan(20_000);

  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: ENTITIES }));
  try {
    const [interrupted] = await engine.runs.list(1);
    expect(interrupted?.status).toBe('FAILED');
    expect(interrupted?.error).toMatch(/interrupted/);
    const before = await engine.state.cursor('customers');
    const summary = await engine.sync();
    expect(summary.status).toBe('DONE');
    expect(summary.stats.pulled).toBe(20_000 - before);
    const pos = new Database(dbPath, { readonly: true });
    expect((pos.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(20_000);
    pos.close();
  } finally {
    await engine.close();
    await hub.stop();
  }
});

test('revoking a key drops its live socket and the agent shows auth-error', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const apiKey = await hub.nodeKey();
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey, entities: ENTITIES }));
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 24 * 60, liveReconnectMs: 50 });
  try {
    await agent.start();
    await waitFor(() => agent.status().state === 'online', 5000, 'online');
    const [record] = await hub.store.listKeys();
    expect(await hub.hub.revokeKey(record!.keyId)).toBe(true);
    await waitFor(() => agent.status().state === 'auth-error', 5000, 'auth-error');
    expect(agent.status().liveConnected).toBe(false);
  } finally {
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});
