import { join } from 'node:path';
import { expect } from 'vitest';
import type { AgentChildArgs } from '../helpers/agent-child.js';
import { spawnTsx } from '../helpers/child.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { openPos } from '../helpers/local-db.js';

/** Kill points in ms after the agent process is spawned: during start-up, capture checks, push and settle. */
const KILL_AFTER_MS = [400, 900, 650, 1200, 1500, 800, 2000, 1000, 700, 1700];

test('a POS selling and editing sales while the agent is started and SIGKILLed again and again: the hub ends with exactly the shop rows', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const apiKey = await hub.nodeKey();
  const config = instanceConfig({ dbPath, url: hub.url, apiKey, entities: ENTITIES });
  await (await openEngine(config)).close();
  const pos = spawnTsx('./pos-child.ts', [dbPath, 'products', 'mixed']);
  const args: AgentChildArgs = { dbPath, url: hub.url, apiKey, entities: ENTITIES, pushBatchSize: 50 };
  let killed = 0;
  try {
    await waitFor(() => pos.lines.includes('started'), 10_000, 'the POS to commit its first sale');
    for (const delay of KILL_AFTER_MS) {
      const agent = spawnTsx('./agent-child.ts', [JSON.stringify(args)]);
      const outcome = await Promise.race([agent.exited, new Promise((resolve) => setTimeout(() => resolve('kill'), delay))]);
      if (outcome === 'kill') {
        agent.process.kill('SIGKILL');
        killed++;
      }
      const code = await agent.exited;
      expect([0, 'SIGKILL']).toContain(code);
    }
    pos.process.stdin.end();
    expect(await pos.exited).toBe(0);
  } finally {
    pos.process.kill();
  }
  expect(killed).toBeGreaterThan(3);

  const engine = await openEngine(config);
  try {
    expect((await engine.sync()).status).toBe('DONE');
    expect((await engine.status()).outbox).toMatchObject({ pending: 0, failed: 0 });
    expect((await engine.sync()).stats.pushed).toBe(0);
  } finally {
    await engine.close();
  }
  const shop = openPos(dbPath);
  try {
    const local = shop.prepare('SELECT id, name, price FROM products ORDER BY id').all() as { id: string }[];
    const remote = (await hub.store.adminList('shop-1', 'products', { since: 0, limit: 10_000_000, includeDeleted: true }))
      .map((r) => r.data as { id: string })
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    expect(local.length).toBeGreaterThan(100);
    expect(remote).toEqual(local);
  } finally {
    shop.close();
    await hub.stop();
  }
}, 120_000);
