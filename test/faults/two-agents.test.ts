import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import { spawnTsx } from '../helpers/child.js';
import { startHub, test, waitFor } from '../helpers/fixtures.js';
import { openLocalStore } from '../helpers/local-store.js';
import { FAULT_ENTITIES, openFaultEngine, prepareShop } from './scenario.js';
import { record } from './tier.js';

const AGENT = fileURLToPath(new URL('./agent-proc.ts', import.meta.url));

describe.each(['sqlite', 'mysql'] as const)('%s shop database', (kind) => {
  test('a second agent started on the same database refuses with a clear message; the first keeps syncing', { timeout: 60_000 }, async ({ dir }) => {
    const hub = await startHub(dir, { rateLimit: false });
    const local = await openLocalStore(kind, dir);
    const apiKey = await hub.nodeKey();
    await prepareShop(local.database, hub.url, apiKey);
    const engine = await openFaultEngine(local.database, hub.url, apiKey);
    const first = new Agent({ engine, logger: silentLogger() });
    try {
      await first.start();
      const second = spawnTsx(AGENT, [JSON.stringify({ database: local.database, url: hub.url, apiKey, entities: FAULT_ENTITIES })]);
      const started = Date.now();
      const code = await Promise.race([second.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
      if (code === 'still running') second.process.kill('SIGKILL');
      const message = second.stderr().split('\n').find((l) => /in use|already/i.test(l)) ?? second.stderr().slice(0, 300);
      record(`two-agents/${kind}`, { exit: code, refusedAfterMs: Date.now() - started, message });
      expect(code).toBe(1);
      expect(second.lines).not.toContain('ready');
      expect(message).toMatch(/the database is in use by (dovetail run \(pid \d+|another Dovetail sync or agent \(MySQL connection \d+)/);
      // The first agent is unaffected.
      await local.run("INSERT INTO products (id, name, price) VALUES ('after-refusal', 'sale', 1)");
      await waitFor(async () => (await hub.store.adminGet('shop-1', 'products', 'after-refusal')) !== null, 10_000, 'the first agent to push');
    } finally {
      await first.stop();
      await engine.close();
      await local.close();
      await hub.stop();
    }
  });
});
