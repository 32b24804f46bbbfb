import { join } from 'node:path';
import { expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { openPos, outboxRows } from '../helpers/local-db.js';

test('hub back after an outage: changes postponed while it was down go at once, not when their back-off ends', { timeout: 60_000 }, async ({ dir }) => {
  let hub = await startHub(dir);
  const port = Number(new URL(hub.url).port);
  const dbPath = join(dir, 'shop.db');
  // The outbox back-off keeps its default cap (5 min); only the agent's own retry loop is short.
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 60, maxBackoffMs: 1000, liveReconnectMs: 200 });
  const pos = openPos(dbPath);
  try {
    await agent.start();
    await waitFor(() => agent.status().liveConnected && agent.status().lastSuccessAt !== null, 10_000, 'the agent online');
    await hub.stop();
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p-1', 'Calabresa', 42)").run();
    // Four failed attempts put the change's own next try at least 8 s away.
    await waitFor(() => (outboxRows(pos)[0]?.attempts ?? 0) >= 4, 30_000, 'four failed attempts');
    const postponedUntil = Date.parse(outboxRows(pos)[0]!.next_attempt_at!);
    hub = await startHub(dir, { dbPath: hub.dbPath, port });
    const back = Date.now();
    await waitFor(async () => (await hub.store.adminGet('shop-1', 'products', 'p-1'))?.data, 10_000, 'p-1 on the hub');
    expect(Date.now() - back).toBeLessThan(postponedUntil - back);
    expect(await hub.store.adminGet('shop-1', 'products', 'p-1')).toMatchObject({ data: { id: 'p-1', name: 'Calabresa', price: 42 } });
    await waitFor(() => outboxRows(pos).length === 0, 10_000, 'the outbox settled');
  } finally {
    pos.close();
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});
