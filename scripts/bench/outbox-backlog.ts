/**
 * Outbox backlog benchmark ("Lost sales", case 5): one push of 1,000,000 pending entries over
 * 1,000 rows, each row updated 1,000 times, the updates interleaved as a busy shop writes them.
 *
 *   setup (untimed)  a fresh agent; the app inserts 1,000 products (captured), then 999,000 later
 *                    states of them are written straight into the outbox in one transaction, as the
 *                    capture triggers would: entry i belongs to row i % 1,000 and carries price i.
 *   timed            engine.sync({ direction: 'push' }): the push collapses each row's entries to
 *                    its latest state, sends 1,000 changes and settles every entry.
 *   verified         1,000 pushed, the outbox empty, the hub holds 1,000 products, each with its
 *                    last price.
 *
 * push_1m_pending_s / push_1m_pending_entries_per_s share one SQLite run; mysql_push_1m_pending_s
 * is the same on a MariaDB agent database (scripts/bench/mysql.ts's server and clean-up).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine, type SyncSummary } from '../../src/core/sync-engine.js';
import { SCOPE, prepareHubDb, startHubProcess } from './hub.js';
import type { MetricDef, MetricResult } from './metrics.js';
import { BENCH_MYSQL, withMySqlBench } from './mysql.js';
import { check, fmt, progress, tempDir, timed } from './util.js';

export const BACKLOG_SIZES = { entries: 1_000_000, rows: 1_000 } as const;

const SYNC_TIMEOUT_MS = 5 * 60_000;

const PRODUCTS_PUSH = {
  name: 'products',
  direction: 'push',
  create: { columns: { id: 'VARCHAR(64) NOT NULL', name: 'VARCHAR(200) NOT NULL', price: 'REAL NOT NULL DEFAULT 0' } },
};

/** The last price of row r: the highest i ≤ entries with i % rows = r (entries is a multiple of rows). */
const lastPrice = (r: number) => BACKLOG_SIZES.entries - BACKLOG_SIZES.rows + (r === 0 ? BACKLOG_SIZES.rows : r);

/** Engine tuning of the other metrics (read lazily: metrics.ts imports this module). */
async function tuning(): Promise<{ pullPageSize: number; pushBatchSize: number }> {
  const { TUNING } = await import('./metrics.js');
  return TUNING;
}

interface Drain {
  readonly ms: number;
  readonly notes: readonly string[];
}

/** The timed push, then the checks every variant shares. */
async function drain(engine: SyncEngine, hubDb: string, label: string): Promise<Drain> {
  const queued = (await engine.outbox.counts()).pending;
  check(queued === BACKLOG_SIZES.entries, `${queued} entries pending, expected ${fmt(BACKLOG_SIZES.entries)}`);
  const rssBefore = process.memoryUsage().rss;
  progress(`${label}: timing engine.sync({ direction: 'push' }) of ${fmt(queued)} pending entries over ${fmt(BACKLOG_SIZES.rows)} rows`);
  const { ms, value: summary } = await timed(() => engine.sync({ direction: 'push', signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) }));
  const rssAfter = process.memoryUsage().rss;
  verifySummary(summary);
  check((await engine.outbox.counts()).pending === 0, 'outbox entries still pending after the push');
  const prices = hubPrices(hubDb);
  check(prices.size === BACKLOG_SIZES.rows, `hub holds ${prices.size} products, expected ${BACKLOG_SIZES.rows}`);
  for (let r = 0; r < BACKLOG_SIZES.rows; r++) {
    check(prices.get(`p${r}`) === lastPrice(r), `hub price of p${r} is ${String(prices.get(`p${r}`))}, expected ${lastPrice(r)}`);
  }
  const { pushBatchSize } = await tuning();
  return {
    ms,
    notes: [
      `${fmt(BACKLOG_SIZES.entries)} pending entries (1,000 inserts captured, 999,000 later states written into the outbox), ` +
        `${fmt(BACKLOG_SIZES.rows)} rows updated ${fmt(BACKLOG_SIZES.entries / BACKLOG_SIZES.rows)} times each, interleaved; pushBatchSize ${fmt(pushBatchSize)}`,
      `one engine.sync({ direction: 'push' }): ${fmt(ms)} ms = ${fmt(BACKLOG_SIZES.entries / (ms / 1000))} entries/s; ` +
        `agent RSS ${fmt(rssBefore / 1e6)} MB before, ${fmt(rssAfter / 1e6)} MB after`,
      `verified: ${fmt(BACKLOG_SIZES.rows)} pushed, empty outbox, every hub row holds its last price`,
    ],
  };
}

function verifySummary(summary: SyncSummary): void {
  check(summary.status === 'DONE', `push ended ${summary.status}: ${summary.error ?? ''}`);
  check(summary.stats.pushed === BACKLOG_SIZES.rows, `sync reported ${summary.stats.pushed} pushed, expected ${BACKLOG_SIZES.rows}`);
}

function hubPrices(hubDb: string): Map<string, unknown> {
  const db = new Database(hubDb, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db
      .prepare<[string], { key: string; data: string }>("SELECT key, data FROM hub_rows WHERE scope = ? AND entity = 'products' AND deleted = 0")
      .all(SCOPE);
    return new Map(rows.map((r) => [r.key, (JSON.parse(r.data) as { price?: unknown }).price]));
  } finally {
    db.close();
  }
}

async function openAgent(database: Record<string, unknown>, url: string, apiKey: string): Promise<SyncEngine> {
  const config = parseConfig({ hub: { url, apiKey, timeoutMs: 120_000 }, database, entities: [PRODUCTS_PUSH] }, { baseDir: '/', env: {} });
  return SyncEngine.open({ ...config.instances[0]!, name: 'bench' }, { logger: silentLogger(), ...(await tuning()) });
}

/** SQLite agent: the app's 1,000 inserts, then the 999,000 later entries in one transaction. */
function seedSqlite(agentDb: string): void {
  const { entries, rows } = BACKLOG_SIZES;
  const app = new Database(agentDb);
  try {
    app.pragma('busy_timeout = 5000');
    app.transaction(() => {
      app
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows - 1})
           INSERT INTO products (id, name, price) SELECT 'p' || i, 'Product ' || i, 0 FROM n`,
        )
        .run();
      app
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT ${rows + 1} UNION ALL SELECT i + 1 FROM n WHERE i < ${entries})
           INSERT INTO sync_outbox (entity, row_key, op, data, created_at)
           SELECT 'products', 'p' || (i % ${rows}), 'upsert', json_object('id', 'p' || (i % ${rows}), 'name', 'Product ' || (i % ${rows}), 'price', i), ?
           FROM n`,
        )
        .run(new Date().toISOString());
    })();
  } finally {
    app.close();
  }
}

let sqliteRun: Promise<Drain> | null = null;

function sqliteBacklog(): Promise<Drain> {
  sqliteRun ??= (async () => {
    const dir = tempDir('backlog');
    let hub: Awaited<ReturnType<typeof startHubProcess>> | null = null;
    let engine: SyncEngine | null = null;
    try {
      const hubDb = join(dir.path, 'hub.db');
      const agentDb = join(dir.path, 'agent.db');
      const keys = await prepareHubDb(hubDb);
      hub = await startHubProcess(hubDb);
      engine = await openAgent({ type: 'sqlite', path: agentDb }, hub.url, keys.node);
      const { ms } = await timed(() => Promise.resolve(seedSqlite(agentDb)));
      progress(`backlog: queued ${fmt(BACKLOG_SIZES.entries)} entries in ${fmt(ms)} ms (untimed)`);
      return await drain(engine, hubDb, 'backlog');
    } finally {
      await engine?.close().catch(() => undefined);
      await hub?.stop();
      dir.remove();
    }
  })();
  return sqliteRun;
}

/** MySQL: numbers 1..count as a derived table `n(i)` (MariaDB caps recursive CTEs at 1,000 iterations by default). */
function mysqlNumbers(count: number): string {
  const digit = `(${Array.from({ length: 10 }, (_, d) => `SELECT ${d} AS d`).join(' UNION ALL ')})`;
  let places = 1;
  while (10 ** places < count) places++;
  const terms = Array.from({ length: places }, (_, p) => `t${p}.d * ${10 ** p}`).join(' + ');
  const from = Array.from({ length: places }, (_, p) => `${digit} t${p}`).join(', ');
  return `(SELECT ${terms} + 1 AS i FROM ${from} HAVING i <= ${count})`;
}

function mysqlBacklog(): Promise<MetricResult> {
  return withMySqlBench('backlog', async (bench) => {
    const { entries, rows } = BACKLOG_SIZES;
    const database = await bench.database();
    const keys = await bench.prepareHub();
    await bench.startHub();
    const engine = await bench.engine({ type: 'mysql', ...BENCH_MYSQL, database }, keys.node, [PRODUCTS_PUSH]);
    const { ms: seedMs } = await timed(async () => {
      await engine.db.run(`INSERT INTO products (id, name, price) SELECT CONCAT('p', i - 1), CONCAT('Product ', i - 1), 0 FROM ${mysqlNumbers(rows)} n ORDER BY i`);
      await engine.db.run(
        `INSERT INTO sync_outbox (entity, row_key, op, data, created_at)
         SELECT 'products', CONCAT('p', i % ${rows}), 'upsert', JSON_OBJECT('id', CONCAT('p', i % ${rows}), 'name', CONCAT('Product ', i % ${rows}), 'price', i), ?
         FROM ${mysqlNumbers(entries)} n WHERE i > ${rows} ORDER BY i`,
        [new Date().toISOString()],
      );
    });
    progress(`mysql backlog: server ${await bench.server.version()}; queued ${fmt(entries)} entries in ${fmt(seedMs)} ms (untimed)`);
    const result = await drain(engine, bench.hubDb, 'mysql backlog');
    return { value: result.ms / 1000, notes: [...result.notes, 'agent database on MariaDB/MySQL (its own database, dropped afterwards); hub on SQLite'] };
  });
}

export const BACKLOG_METRICS: readonly MetricDef[] = [
  {
    name: 'push_1m_pending_s',
    unit: 's',
    target: 10,
    kind: 'max',
    digits: 2,
    description: `push ${fmt(BACKLOG_SIZES.entries)} pending entries over ${fmt(BACKLOG_SIZES.rows)} rows (SQLite agent)`,
    run: async () => {
      const d = await sqliteBacklog();
      return { value: d.ms / 1000, notes: d.notes };
    },
  },
  {
    name: 'push_1m_pending_entries_per_s',
    unit: 'entries/s',
    target: 100_000,
    kind: 'min',
    digits: 0,
    description: 'the same push, as outbox entries settled per second',
    run: async () => {
      const d = await sqliteBacklog();
      return { value: BACKLOG_SIZES.entries / (d.ms / 1000), notes: d.notes };
    },
  },
  {
    name: 'mysql_push_1m_pending_s',
    unit: 's',
    target: 60,
    kind: 'max',
    digits: 2,
    description: `MariaDB: push ${fmt(BACKLOG_SIZES.entries)} pending entries over ${fmt(BACKLOG_SIZES.rows)} rows`,
    run: mysqlBacklog,
  },
];
