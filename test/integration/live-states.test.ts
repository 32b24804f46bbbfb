import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { adminPut } from '../helpers/local-db.js';

test('live socket dropped by the hub → polling; the cron keeps syncing; the agent redials to online', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  // A one-second cron, and a slow redial so the polling phase is observable.
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 1 / 60, liveReconnectMs: 4000 });
  const states: string[] = [];
  agent.onStatus((s) => states.push(s.state));
  const pos = new Database(dbPath);
  try {
    await agent.start();
    await waitFor(() => agent.status().state === 'online', 5000, 'online');
    hub.hub.live!.io.of('/sync').disconnectSockets(true);
    await waitFor(() => agent.status().state === 'polling', 5000, 'polling');
    await adminPut(hub.url, await hub.adminKey(), 'customers', 'c9', { id: 'c9', first_name: 'Bruno' });
    await waitFor(() => pos.prepare("SELECT 1 FROM customers WHERE id = 'c9'").get(), 5000, 'c9 pulled by the cron');
    // Under load the redial may beat the cron to c9; the cron must still be syncing meanwhile.
    await waitFor(async () => (await engine.runs.list(100)).some((r) => r.trigger === 'schedule' && r.status === 'DONE'), 10_000, 'a cron run');
    await waitFor(() => agent.status().state === 'online', 10_000, 'online again');
    expect(states).toContain('polling');
  } finally {
    pos.close();
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});

test('a wrong key → auth-error, and local writes do not hammer the hub', async ({ dir }) => {
  let requests = 0;
  const hub = await startHub(dir, {
    configure: ({ app }) =>
      app.addHook('onRequest', (_req, _reply, done) => {
        requests++;
        done();
      }),
  });
  const dbPath = join(dir, 'shop.db');
  const key = await hub.nodeKey();
  const wrong = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: wrong, entities: ENTITIES }));
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 24 * 60 });
  const pos = new Database(dbPath);
  try {
    await agent.start();
    await waitFor(() => agent.status().state === 'auth-error', 5000, 'auth-error');
    await agent.idle();
    const before = requests;
    for (let i = 0; i < 20; i++) pos.prepare('INSERT INTO products (id, name, price) VALUES (?, ?, 1)').run(`p${i}`, `P${i}`);
    await waitFor(() => agent.status().pending === 20, 5000, 'the agent to notice the writes');
    await agent.idle();
    expect(requests).toBe(before);
    expect(agent.status().lastErrorCode).toBe('auth');

    // The key is fixed: the agent reconnects and delivers.
    agent.setApiKey(key);
    await waitFor(() => agent.status().state === 'online' && agent.status().pending === 0, 10_000, 'online and drained');
  } finally {
    pos.close();
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});

test('1,000 change notifications in a burst → at most one pull in flight, every row delivered', async ({ dir }) => {
  let inFlight = 0;
  let maxInFlight = 0;
  const hub = await startHub(dir, {
    rateLimit: false,
    configure: ({ app }) => {
      app.addHook('onRequest', (req, _reply, done) => {
        if (req.url.startsWith('/v1/pull')) maxInFlight = Math.max(maxInFlight, ++inFlight);
        done();
      });
      app.addHook('onResponse', (req, _reply, done) => {
        if (req.url.startsWith('/v1/pull')) inFlight--;
        done();
      });
    },
  });
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES }));
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 24 * 60 });
  const pos = new Database(dbPath);
  try {
    await agent.start();
    await waitFor(() => agent.status().state === 'online', 5000, 'online');
    await agent.idle();
    // Another shop node writes 1,000 rows in one push; then 1,000 notifications go out at once.
    const other = await hub.nodeKey('shop-1', 'shop-1-kiosk');
    const changes = Array.from({ length: 1000 }, (_, i) => ({
      seq: i + 1,
      entity: 'customers',
      key: `c${i}`,
      op: 'upsert',
      data: { id: `c${i}`, first_name: `N${i}` },
      baseVersion: null,
    }));
    const push = await fetch(`${hub.url}/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': other },
      body: JSON.stringify({ protocol: 1, source: 'kiosk-outbox', changes }),
    });
    expect(push.status).toBe(200);
    for (let cursor = 1; cursor <= 1000; cursor++) hub.hub.live!.announce([{ scope: 'shop-1', entity: 'customers', cursor }]);
    await waitFor(() => (pos.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n === 1000, 20_000, '1,000 rows');
    await agent.idle();
    expect(maxInFlight).toBe(1);
    const runs = await engine.runs.list(2000);
    expect(runs.filter((r) => r.trigger === 'live').length).toBeLessThan(1000);
  } finally {
    pos.close();
    await agent.stop();
    await engine.close();
    await hub.stop();
  }
});
