import mysql from 'mysql2/promise';
import { describe, expect } from 'vitest';
import { startHub, test } from '../helpers/fixtures.js';
import { MYSQL, openLocalStore } from '../helpers/local-store.js';
import { check, clean, parseJournal, readLocal, readSqliteHub } from './checker.js';
import { FAULT_ENTITIES, finishPos, killConnections, prepareShop, settle, startBackend, startPos } from './scenario.js';
import { superviseAgent } from './supervisor.js';
import { record, seeded, tier, TIMEOUT } from './tier.js';

/** Issue 13: 10,000 changes and 100 agent kills (full tier); a small sample in the fast tier. */
const CHANGES = tier(150, 10_000);
const KILLS = tier(2, 100);

describe.each(['sqlite', 'mysql'] as const)('%s shop database', (kind) => {
  test(
    `${CHANGES} POS changes while the agent is SIGKILLed ${KILLS} times (random moments and failpoints): 0 lost, 0 duplicated`,
    { timeout: TIMEOUT },
    async ({ dir }) => {
      const rng = seeded();
      const hub = await startHub(dir, { rateLimit: false });
      const local = await openLocalStore(kind, dir);
      const database = local.database;
      const admin = kind === 'mysql' ? await mysql.createConnection(MYSQL) : null;
      try {
        const apiKey = await hub.nodeKey();
        await prepareShop(database, hub.url, apiKey);
        const backend = startBackend(hub.url, await hub.adminKey(), { everyMs: tier(40, 60), max: tier(200, 3000) });
        const started = Date.now();
        // Spread the POS's writes over roughly the time the kills take (~2.5 s per round).
        const pos = await startPos({
          database: database as never,
          prefix: `sale-${kind}`,
          count: CHANGES,
          updateEvery: 4,
          pauseMs: Math.max(0, Math.floor((KILLS * 2500) / CHANGES) - 1),
          connections: kind === 'mysql' ? 2 : 1,
          holdMs: kind === 'mysql' ? 3 : 0,
        });
        const dbName = (database as { database?: string }).database;
        let connectionsKilled = 0;
        const report = await superviseAgent({
          args: { database, url: hub.url, apiKey, entities: FAULT_ENTITIES, pushBatchSize: 50, pullPageSize: 20 },
          kills: KILLS,
          random: rng.next,
          // MariaDB: every 4th round the server also drops the agent's connections mid-run (as a restart does).
          meanwhile:
            admin && dbName
              ? async (round) => {
                  if (round % 4 !== 1) return;
                  await new Promise((resolve) => setTimeout(resolve, 300 + rng.next() * 500));
                  const spare = [local.connectionId!, ...pos.lines.filter((l) => l.startsWith('conn ')).map((l) => Number(l.slice(5)))];
                  connectionsKilled += await killConnections(admin, dbName, spare);
                }
              : undefined,
        });
        const lines = await finishPos(pos, tier(30_000, 300_000));
        const adminWrites = await backend.stop();
        await settle(database, hub.url, apiKey);
        const elapsedMs = Date.now() - started;

        const verdict = check(parseJournal(lines), await readLocal(local), readSqliteHub(hub.dbPath, 'shop-1', 'products'), adminWrites);
        // No pull cursor passed a change the shop lacks: every customer on the hub is in the shop, as written.
        const hubCustomers = readSqliteHub(hub.dbPath, 'shop-1', 'customers').rows;
        const shopCustomers = new Map((await local.all<{ id: string; first_name: string }>('SELECT id, first_name FROM customers')).map((r) => [r.id, r.first_name]));
        const missingCustomers = [...hubCustomers].filter(([id, row]) => shopCustomers.get(id) !== row?.first_name).length;
        record(`agent-kills/${kind}`, { seed: rng.seed, ...verdict, kills: report, connectionsKilled, adminWrites, missingCustomers, elapsedMs });

        expect(report.unexpectedExits, report.stderr.join('\n')).toBe(0);
        expect(report.kills).toBe(KILLS);
        expect(verdict.examples).toEqual([]);
        expect(verdict).toMatchObject({ changes: CHANGES, ok: CHANGES, lost: 0, duplicated: 0, unexpected: 0, rowDiffs: 0, outboxLeft: 0 });
        expect(clean(verdict)).toBe(true);
        expect(missingCustomers).toBe(0);
        expect(hubCustomers.size).toBe(adminWrites);
      } finally {
        await admin?.end();
        await local.close();
        await hub.stop();
      }
    },
  );
});
