import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { describe, expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import type { HubStore } from '../../src/hub/hub-store.js';
import { MySqlHubStore } from '../../src/hub/mysql-hub-store.js';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { test, waitFor } from '../helpers/fixtures.js';
import { MYSQL, openLocalStore } from '../helpers/local-store.js';
import { check, clean, parseJournal, readLocal, readMysqlHub, readSqliteHub, type HubView } from './checker.js';
import { finishPos, openFaultEngine, settle, startPos } from './scenario.js';
import { record, seeded, tier, TIMEOUT } from './tier.js';

/** Issue 13: hub killed 50× mid-batch (full tier). */
const HUB_KILLS = tier(2, 50);
const HUB = fileURLToPath(new URL('./hub-proc.ts', import.meta.url));

function startHubProc(target: string, port: number, failpoint: string | null): Child {
  return spawnTsx(HUB, [target, String(port)], { ...process.env, DOVETAIL_FAILPOINTS: failpoint ?? '' });
}

async function hubUrl(child: Child): Promise<string> {
  const line = await waitFor(() => child.lines.find((l) => l.startsWith('{')) ?? (child.process.exitCode !== null ? 'exit' : null), 20_000, 'the hub to listen');
  if (line === 'exit') throw new Error(`hub exited: ${child.stderr()}`);
  return (JSON.parse(line) as { url: string }).url;
}

describe.each(['sqlite', 'mysql'] as const)('%s hub store', (kind) => {
  test(`hub SIGKILLed ${HUB_KILLS}× mid-batch (random and after apply, before answering): 0 lost, 0 duplicated, live back within 10 s`, { timeout: TIMEOUT }, async ({ dir }) => {
    const rng = seeded();
    const hubDb = `dovetail_hubfault_${randomBytes(5).toString('hex')}`;
    const target = kind === 'sqlite' ? join(dir, 'hub.db') : `mysql://root@127.0.0.1:3306/${hubDb}`;
    const admin = kind === 'mysql' ? await mysql.createConnection(MYSQL) : null;
    await admin?.query(`CREATE DATABASE \`${hubDb}\` CHARACTER SET utf8mb4`);
    const store: HubStore = kind === 'sqlite' ? new SqliteHubStore(target) : await MySqlHubStore.open({ ...MYSQL, database: hubDb });
    const apiKey = (await store.createKey({ role: 'node', scope: 'shop-1', name: 'pos-1' })).key;
    await store.close();
    const readHub = (): Promise<HubView> =>
      kind === 'sqlite' ? Promise.resolve(readSqliteHub(target, 'shop-1', 'products')) : readMysqlHub({ ...MYSQL, database: hubDb }, 'shop-1', 'products');

    // Even rounds end at the hub's after-apply failpoint (armed at start), odd ones at a random moment.
    let hub = startHubProc(target, 0, `hub:after-apply@${1 + Math.floor(rng.next() * 3)}`);
    const url = await hubUrl(hub);
    const port = Number(new URL(url).port);
    const local = await openLocalStore('sqlite', dir);
    const engine = await openFaultEngine(local.database, url, apiKey, 3000);
    const agent = new Agent({ engine, logger: silentLogger(), maxBackoffMs: 1500 });
    const liveBackMs: number[] = [];
    let failpointKills = 0;
    try {
      await agent.start();
      await waitFor(() => agent.status().liveConnected, 10_000, 'the live channel');
      const pos = await startPos({ database: local.database as never, prefix: `hk-${kind}`, count: tier(100, 5000), updateEvery: 5, pauseMs: tier(15, 40) });
      for (let round = 0; round < HUB_KILLS; round++) {
        const viaFailpoint = round % 2 === 0;
        if (!viaFailpoint) {
          await new Promise((resolve) => setTimeout(resolve, 200 + rng.next() * 800));
          hub.process.kill('SIGKILL');
        }
        // A failpoint hub dies by itself after committing a push, before answering it.
        const outcome = await Promise.race([hub.exited, new Promise((resolve) => setTimeout(() => resolve('alive'), 10_000))]);
        if (outcome === 'alive') hub.process.kill('SIGKILL');
        else if (viaFailpoint && /failpoint hub:after-apply fired/.test(hub.stderr())) failpointKills++;
        await hub.exited;
        await waitFor(() => !agent.status().liveConnected, 10_000, 'the agent to notice');
        const next = round + 1 < HUB_KILLS && (round + 1) % 2 === 0 ? `hub:after-apply@${1 + Math.floor(rng.next() * 3)}` : null;
        hub = startHubProc(target, port, next);
        await hubUrl(hub);
        const back = Date.now();
        const restarted = hub;
        await waitFor(() => agent.status().liveConnected || restarted.process.exitCode !== null || restarted.process.signalCode !== null, 15_000, 'the live channel to come back');
        // An armed hub may die at its failpoint before the channel is back: only whole returns are timed.
        if (agent.status().liveConnected) liveBackMs.push(Date.now() - back);
      }
      const lines = await finishPos(pos, tier(30_000, 300_000));
      await agent.stop();
      await engine.close();
      await settle(local.database, url, apiKey);
      const verdict = check(parseJournal(lines), await readLocal(local), await readHub());
      record(`hub-kills/${kind}`, { seed: rng.seed, ...verdict, hubKills: HUB_KILLS, failpointKills, liveBackMsMax: Math.max(...liveBackMs), liveBackMs });
      expect(verdict.examples).toEqual([]);
      expect(clean(verdict)).toBe(true);
      expect(failpointKills).toBeGreaterThan(0);
      expect(Math.max(...liveBackMs)).toBeLessThanOrEqual(10_000);
    } finally {
      await agent.stop();
      await engine.close().catch(() => undefined);
      hub.process.stdin.end();
      await Promise.race([hub.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (hub.process.exitCode === null && hub.process.signalCode === null) hub.process.kill('SIGKILL');
      await local.close();
      await admin?.query(`DROP DATABASE IF EXISTS \`${hubDb}\``);
      await admin?.end();
    }
  });
});
