import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseConfig, type InstanceConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine, type SyncOptions, type SyncSummary } from '../../src/core/sync-engine.js';
import {
  ORDER_COLUMNS,
  adminPut,
  countHubRows,
  orderData,
  orderId,
  prepareHubDb,
  seedOrders,
  startHubProcess,
  type HubKeys,
  type HubProcess,
} from './hub.js';
import { CONFLICT_METRICS } from './conflicts.js';
import { LIVE_METRICS } from './live.js';
import { BACKLOG_METRICS } from './outbox-backlog.js';
import { MYSQL_METRICS } from './mysql.js';
import { check, fmt, median, now, percentile, profiled, progress, tempDir, timed, envInt } from './util.js';

/** Engine tuning used by every metric (printed with the results); BENCH_PULL_PAGE / BENCH_PUSH_BATCH override. */
export const TUNING = {
  pullPageSize: envInt('BENCH_PULL_PAGE', 5000, 1, 10_000),
  pushBatchSize: envInt('BENCH_PUSH_BATCH', 1000, 1, 5000),
} as const;

export const SIZES = {
  pullRows: 100_000,
  pushRows: 10_000,
  incrementalBaseRows: 20_000,
  incrementalRows: 50,
  incrementalWarmup: 3,
  incrementalRuns: 20,
  captureRows: 20_000,
  captureBatch: 100,
  captureRounds: 3,
  /** Fresh-agent repetitions of the pull and push timings (median reported); BENCH_REPEAT overrides. */
  repeats: envInt('BENCH_REPEAT', 3, 1, 20),
} as const;

/** Per sync run: a stuck run is aborted instead of hanging the benchmark. */
const SYNC_TIMEOUT_MS = 5 * 60_000;

export interface MetricResult {
  readonly value: number;
  /** Extra lines for the human-readable table (timing splits, spread, checks done). */
  readonly notes: readonly string[];
  /** A figure to read the value against, shown beside it in the table (a seed's figure, a bare baseline). */
  readonly reference?: { readonly text: string; readonly value: number };
}

export interface MetricDef {
  readonly name: string;
  readonly unit: string;
  readonly target: number;
  /** `min`: value must be ≥ target; `max`: value must be ≤ target (or < when `strict`). */
  readonly kind: 'min' | 'max';
  readonly strict?: boolean;
  readonly digits: number;
  readonly description: string;
  run(): Promise<MetricResult>;
}

const ORDERS_PULL = { name: 'orders', direction: 'pull', create: { columns: ORDER_COLUMNS } };

const PRODUCT_COLUMNS = {
  id: 'TEXT NOT NULL',
  name: 'TEXT NOT NULL',
  category: 'TEXT',
  price: 'REAL NOT NULL DEFAULT 0',
  stock: 'INTEGER NOT NULL DEFAULT 0',
  updated_at: 'TEXT',
};
const PRODUCTS_PUSH = { name: 'products', direction: 'push', create: { columns: PRODUCT_COLUMNS } };

function engineConfig(dbPath: string, url: string, apiKey: string, entities: unknown[]): InstanceConfig {
  const config = parseConfig(
    { hub: { url, apiKey, timeoutMs: 60_000 }, database: { type: 'sqlite', path: dbPath }, entities },
    { baseDir: '/', env: {} },
  );
  return { ...config.instances[0]!, name: 'bench' };
}

function openEngine(config: InstanceConfig): Promise<SyncEngine> {
  return SyncEngine.open(config, { logger: silentLogger(), ...TUNING });
}

async function syncOk(engine: SyncEngine, opts: SyncOptions): Promise<SyncSummary> {
  const summary = await engine.sync({ ...opts, signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) });
  check(summary.status === 'DONE', `sync ${opts.direction ?? 'both'} ended ${summary.status}: ${summary.error ?? ''}`);
  return summary;
}

async function localCount(engine: SyncEngine, table: string): Promise<number> {
  const [row] = await engine.db.all<{ n: number }>(`SELECT COUNT(*) AS n FROM "${table}"`);
  return Number(row?.n ?? 0);
}

async function pendingOutbox(engine: SyncEngine): Promise<number> {
  return (await engine.outbox.counts()).pending;
}

function productRow(i: number, tag: string): unknown[] {
  return [
    `${tag}-${String(i).padStart(7, '0')}`,
    `Product ${i} ${['espresso', 'latte', 'croissant', 'bagel', 'salad', 'soup'][i % 6]}`,
    ['drinks', 'bakery', 'kitchen'][i % 3],
    Math.round((1 + (i % 1500) / 100) * 100) / 100,
    i % 250,
    new Date(Date.parse('2026-01-05T08:00:00.000Z') + i * 1000).toISOString(),
  ];
}

const PRODUCT_INSERT = 'INSERT INTO products (id, name, category, price, stock, updated_at) VALUES (?, ?, ?, ?, ?, ?)';

/** Everything one metric needs on disk and in processes; `close()` undoes all of it. */
class Bench {
  private readonly dir: { path: string; remove(): void };
  private hubProcess: HubProcess | null = null;
  private readonly engines = new Set<SyncEngine>();
  readonly hubDb: string;
  readonly agentDb: string;

  constructor(private readonly label: string) {
    this.dir = tempDir(label);
    this.hubDb = join(this.dir.path, 'hub.db');
    this.agentDb = this.agentPath('agent');
  }

  agentPath(name: string): string {
    return join(this.dir.path, `${name}.db`);
  }

  get hub(): HubProcess {
    if (!this.hubProcess) throw new Error('hub not started');
    return this.hubProcess;
  }

  async prepareHub(seedRows: number): Promise<HubKeys> {
    const keys = await prepareHubDb(this.hubDb);
    if (seedRows > 0) {
      const { ms } = await timed(() => Promise.resolve(seedOrders(this.hubDb, seedRows)));
      progress(`${this.label}: seeded ${fmt(seedRows)} orders into the hub file in ${fmt(ms)} ms`);
    }
    return keys;
  }

  async startHub(): Promise<HubProcess> {
    this.hubProcess = await startHubProcess(this.hubDb);
    return this.hubProcess;
  }

  /** Opens an agent (default file `agent.db`, default URL the running hub's). */
  async engine(apiKey: string, entities: unknown[], opts: { url?: string; dbPath?: string } = {}): Promise<SyncEngine> {
    const engine = await openEngine(engineConfig(opts.dbPath ?? this.agentDb, opts.url ?? this.hub.url, apiKey, entities));
    this.engines.add(engine);
    return engine;
  }

  async closeEngine(engine: SyncEngine): Promise<void> {
    this.engines.delete(engine);
    await engine.close();
  }

  async close(): Promise<void> {
    for (const engine of this.engines) await engine.close().catch(() => undefined);
    this.engines.clear();
    await this.hubProcess?.stop();
    this.dir.remove();
  }
}

async function withBench<T>(label: string, fn: (bench: Bench) => Promise<T>): Promise<T> {
  const bench = new Bench(label);
  try {
    return await fn(bench);
  } finally {
    await bench.close();
  }
}

function samplesText(samples: readonly number[], digits = 0): string {
  return samples.map((v) => fmt(v, digits)).join(', ');
}

/** 1. Initial pull of 100k orders into an empty agent database (median of SIZES.repeats fresh agents). */
function pullInitial(): Promise<MetricResult> {
  return withBench('pull', async (bench) => {
    const rows = SIZES.pullRows;
    const keys = await bench.prepareHub(rows);
    await bench.startHub();
    const times: number[] = [];
    let fetchMs = 0;
    for (let rep = 0; rep < SIZES.repeats; rep++) {
      const engine = await bench.engine(keys.node, [ORDERS_PULL], { dbPath: bench.agentPath(`agent-${rep}`) });
      check((await localCount(engine, 'orders')) === 0, 'agent database is not empty before the initial pull');

      progress(`pull: run ${rep + 1}/${SIZES.repeats}: timing engine.sync({ direction: 'pull' }) of ${fmt(rows)} rows`);
      const { ms, value: summary } = await profiled(`pull_initial-${rep + 1}`, () => timed(() => syncOk(engine, { direction: 'pull' })));
      const local = await localCount(engine, 'orders');
      check(local === rows, `local orders count is ${local}, expected ${rows}`);
      check(summary.stats.pulled === rows, `sync reported ${summary.stats.pulled} pulled, expected ${rows}`);
      const cursor = (await engine.state.all()).find((s) => s.entity === 'orders')?.cursor;
      check(cursor === rows, `orders cursor is ${String(cursor)}, expected ${rows}`);
      times.push(ms);
      // Split (once): the same pages fetched (hub query + HTTP + JSON + zod) without applying them.
      if (rep === 0) fetchMs = await timeFetchOnly(engine, 'orders');
      await bench.closeEngine(engine);
    }
    const ms = median(times);
    return {
      value: rows / (ms / 1000),
      notes: [
        `${fmt(rows)} rows, ${Math.ceil(rows / TUNING.pullPageSize)} pages of ${fmt(TUNING.pullPageSize)}; median of ${times.length} fresh agents: ` +
          `${fmt(ms)} ms (runs: ${samplesText(times)} ms); verified local count, stats and cursor each run`,
        `split: fetching the same pages alone (hub + HTTP + JSON + zod, no apply) takes ${fmt(fetchMs)} ms ` +
          `= ${fmt((fetchMs / ms) * 100)}% of the sync time (the engine is meant to overlap fetch and apply)`,
      ],
    };
  });
}

async function timeFetchOnly(engine: SyncEngine, entity: string): Promise<number> {
  const start = now();
  let since = 0;
  for (let page = 0; page < 10_000; page++) {
    const response = await engine.client.pull(entity, since, TUNING.pullPageSize, AbortSignal.timeout(60_000));
    if (response.changes.length === 0) break;
    since = response.cursor;
    if (!response.hasMore) break;
  }
  return now() - start;
}

/** 2. Drain of 10k outbox rows written by the app through its own connection (median of SIZES.repeats fresh agents). */
function pushDrain(): Promise<MetricResult> {
  return withBench('push', async (bench) => {
    const rows = SIZES.pushRows;
    const keys = await bench.prepareHub(0);
    await bench.startHub();
    const times: number[] = [];
    let roundTrip = 0;
    for (let rep = 0; rep < SIZES.repeats; rep++) {
      const dbPath = bench.agentPath(`agent-${rep}`);
      const engine = await bench.engine(keys.node, [PRODUCTS_PUSH], { dbPath });
      const app = new Database(dbPath);
      try {
        app.pragma('journal_mode = WAL');
        app.pragma('synchronous = FULL');
        app.pragma('busy_timeout = 5000');
        const insert = app.prepare(PRODUCT_INSERT);
        app.transaction(() => {
          for (let i = 1; i <= rows; i++) insert.run(...productRow(i, `prod${rep}`));
        })();
      } finally {
        app.close();
      }
      const queued = await pendingOutbox(engine);
      check(queued === rows, `capture triggers queued ${queued} outbox rows, expected ${rows}`);

      progress(`push: run ${rep + 1}/${SIZES.repeats}: timing engine.sync({ direction: 'push' }) of ${fmt(rows)} outbox rows`);
      const { ms, value: summary } = await profiled(`push_drain-${rep + 1}`, () => timed(() => syncOk(engine, { direction: 'push' })));
      check(summary.stats.pushed === rows, `sync reported ${summary.stats.pushed} pushed, expected ${rows}`);
      const onHub = countHubRows(bench.hubDb, 'products', `prod${rep}-`);
      check(onHub === rows, `hub has ${onHub} products of run ${rep + 1}, expected ${rows}`);
      const left = await pendingOutbox(engine);
      check(left === 0, `${left} outbox rows still pending after the drain`);
      times.push(ms);
      // Split (once): batches of the same size sent straight through the client (HTTP + hub), no outbox work.
      if (rep === 0) roundTrip = await timePushRoundTrip(engine, TUNING.pushBatchSize);
      await bench.closeEngine(engine);
    }
    const ms = median(times);
    const batches = Math.ceil(rows / TUNING.pushBatchSize);
    return {
      value: rows / (ms / 1000),
      notes: [
        `${fmt(rows)} rows, ${batches} batches of ${fmt(TUNING.pushBatchSize)}; median of ${times.length} fresh agents: ` +
          `${fmt(ms)} ms (runs: ${samplesText(times)} ms); verified hub count and empty outbox each run`,
        `split: one batch of ${fmt(TUNING.pushBatchSize)} sent straight through HubClient.push (HTTP + hub) takes ${fmt(roundTrip, 1)} ms; ` +
          `× ${batches} = ${fmt((roundTrip * batches * 100) / ms)}% of the drain, the rest is the agent's outbox read and settle`,
      ],
    };
  });
}

async function timePushRoundTrip(engine: SyncEngine, size: number): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < 3; round++) {
    const changes = Array.from({ length: size }, (_, i) => {
      const [id, name, category, price, stock, updated_at] = productRow(i, `rt${round}`);
      return {
        seq: i + 1,
        entity: 'products',
        key: String(id),
        op: 'upsert' as const,
        data: { id, name, category, price, stock, updated_at },
        baseVersion: null,
      };
    });
    const { ms, value } = await timed(() => engine.client.push(`bench-roundtrip-${round}`, changes));
    check(value.results.every((r) => r.status === 'applied'), 'round-trip batch was not applied');
    samples.push(ms);
  }
  return median(samples);
}

/** 3. Full sync (push + pull) picking up 50 orders a backend just created on the hub. */
function incremental(): Promise<MetricResult> {
  return withBench('incremental', async (bench) => {
    const base = SIZES.incrementalBaseRows;
    const n = SIZES.incrementalRows;
    const keys = await bench.prepareHub(base);
    const hub = await bench.startHub();
    const engine = await bench.engine(keys.node, [PRODUCTS_PUSH, ORDERS_PULL]);
    await syncOk(engine, {});
    check((await localCount(engine, 'orders')) === base, 'initial state did not sync');

    let next = base;
    const hubSamples: number[] = [];
    const totalRuns = SIZES.incrementalWarmup + SIZES.incrementalRuns;
    for (let run = 0; run < totalRuns; run++) {
      const createdAt = new Date().toISOString();
      for (let k = 0; k < n; k++) {
        next++;
        await adminPut(hub.url, keys.admin, 'orders', orderId(next), orderData(next, createdAt));
      }
      const { ms, value: summary } = await timed(() => syncOk(engine, {}));
      check(summary.stats.pulled === n, `incremental run ${run + 1} pulled ${summary.stats.pulled}, expected ${n}`);
      if (run >= SIZES.incrementalWarmup) hubSamples.push(ms);
    }
    const local = await localCount(engine, 'orders');
    check(local === next, `local orders count is ${local}, expected ${next}`);

    // Same, the other way: 50 rows written locally by the app, pushed by a full sync (table only).
    const app = new Database(bench.agentDb);
    const localSamples: number[] = [];
    let p = 0;
    try {
      app.pragma('busy_timeout = 5000');
      const insert = app.prepare(PRODUCT_INSERT);
      const write = app.transaction((from: number) => {
        for (let k = 1; k <= n; k++) insert.run(...productRow(from + k, 'local'));
      });
      for (let run = 0; run < totalRuns; run++) {
        write(p);
        p += n;
        const { ms, value: summary } = await timed(() => syncOk(engine, {}));
        check(summary.stats.pushed === n, `local run ${run + 1} pushed ${summary.stats.pushed}, expected ${n}`);
        if (run >= SIZES.incrementalWarmup) localSamples.push(ms);
      }
    } finally {
      app.close();
    }
    check(countHubRows(bench.hubDb, 'products', 'local-') === p, 'hub does not hold every locally created product');

    const spread = (s: number[]) =>
      `median ${fmt(median(s), 1)} ms, p95 ${fmt(percentile(s, 95), 1)} ms, min ${fmt(Math.min(...s), 1)}, max ${fmt(Math.max(...s), 1)}`;
    return {
      value: median(hubSamples),
      notes: [
        `50 hub rows (admin PUT, untimed) then engine.sync() push+pull, ${hubSamples.length} runs after ${SIZES.incrementalWarmup} warm-up, on ${fmt(base)} synced orders:`,
        `  ${spread(hubSamples)}`,
        `info (not a metric): 50 local rows then engine.sync() push+pull: ${spread(localSamples)}`,
      ],
    };
  });
}

/** 4. App insert cost with capture triggers vs. the same table without them. */
function captureOverhead(): Promise<MetricResult> {
  return withBench('capture', async (bench) => {
    // Opening the engine creates `products` and installs its capture triggers; it never calls the
    // hub while opening, so no hub runs here (the URL is a closed loopback port).
    const engine = await bench.engine('dvt_000000000000_unused-key-unused-key', [PRODUCTS_PUSH], { url: 'http://127.0.0.1:9' });
    await bench.closeEngine(engine);

    const db = new Database(bench.agentDb);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      const ddl = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'products'").get();
      check(ddl, 'products table was not created by the engine');
      db.exec(ddl.sql.replace(/^CREATE TABLE (IF NOT EXISTS )?"?products"?/, 'CREATE TABLE "products_plain"'));
      const triggers = (name: string) =>
        db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?").get(name)!.n;
      check(triggers('products') === 4, `products has ${triggers('products')} triggers, expected 4`);
      check(/products_plain/.test(db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'products_plain'").get()?.sql ?? ''), 'products_plain was not created');
      check(triggers('products_plain') === 0, 'products_plain must have no triggers');

      const variants = {
        capture: db.prepare(PRODUCT_INSERT),
        plain: db.prepare(PRODUCT_INSERT.replace('INTO products', 'INTO products_plain')),
      };
      const rows = SIZES.captureRows;
      const batch = SIZES.captureBatch;
      const runBatch = (stmt: Database.Statement, from: number, tag: string) =>
        db.transaction(() => {
          for (let i = from; i < from + batch; i++) stmt.run(...productRow(i, tag));
        })();
      const insertAll = (which: keyof typeof variants, round: number): number => {
        db.pragma('wal_checkpoint(TRUNCATE)');
        const tag = `r${round}`;
        const start = now();
        for (let from = 0; from < rows; from += batch) runBatch(variants[which], from, tag);
        return now() - start;
      };
      const totals = { capture: 0, plain: 0 };
      const ratios: number[] = [];
      for (let round = 0; round < SIZES.captureRounds; round++) {
        // Alternate the order so neither table always runs on a warmer cache or a longer WAL.
        const order: (keyof typeof variants)[] = round % 2 === 0 ? ['plain', 'capture'] : ['capture', 'plain'];
        const ms = { capture: 0, plain: 0 };
        for (const which of order) ms[which] = insertAll(which, round);
        totals.capture += ms.capture;
        totals.plain += ms.plain;
        ratios.push(ms.capture / ms.plain);
        progress(`capture: round ${round + 1}: plain ${fmt(ms.plain)} ms, capture ${fmt(ms.capture)} ms`);
      }
      const outbox = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sync_outbox WHERE entity = 'products'").get()!.n;
      const expected = rows * SIZES.captureRounds;
      check(outbox === expected, `outbox holds ${outbox} rows, expected ${expected} (one per captured insert)`);

      // Info: the same without fsync (synchronous=OFF) isolates the triggers' CPU cost.
      db.pragma('synchronous = OFF');
      const cpu = { plain: insertAll('plain', 100), capture: insertAll('capture', 100) };
      db.pragma('synchronous = FULL');
      const perRow = (ms: number) => (ms * 1000) / (rows * SIZES.captureRounds);
      return {
        value: totals.capture / totals.plain,
        notes: [
          `${fmt(rows)} rows × ${SIZES.captureRounds} rounds, ${batch} per transaction, WAL + synchronous=FULL, one connection`,
          `with triggers ${fmt(perRow(totals.capture), 1)} µs/row, without ${fmt(perRow(totals.plain), 1)} µs/row; ` +
            `per-round ratios ${ratios.map((r) => fmt(r, 2)).join(', ')}`,
          `info: with synchronous=OFF (no fsync, CPU only) ${fmt((cpu.capture * 1000) / rows, 1)} vs ${fmt((cpu.plain * 1000) / rows, 1)} µs/row ` +
            `= ratio ${fmt(cpu.capture / cpu.plain, 2)}`,
        ],
      };
    } finally {
      db.close();
    }
  });
}

export const METRICS: readonly MetricDef[] = [
  {
    name: 'pull_initial_rows_per_s',
    unit: 'rows/s',
    target: 30_000,
    kind: 'min',
    digits: 0,
    description: `initial pull of ${fmt(SIZES.pullRows)} orders hub → agent`,
    run: pullInitial,
  },
  {
    name: 'push_drain_rows_per_s',
    unit: 'rows/s',
    target: 15_000,
    kind: 'min',
    digits: 0,
    description: `drain of ${fmt(SIZES.pushRows)} outbox rows agent → hub`,
    run: pushDrain,
  },
  {
    name: 'incremental_50_ms',
    unit: 'ms',
    target: 50,
    kind: 'max',
    strict: true,
    digits: 2,
    description: `full sync picking up ${SIZES.incrementalRows} new hub rows (median of ${SIZES.incrementalRuns})`,
    run: incremental,
  },
  {
    name: 'capture_overhead_ratio',
    unit: 'ratio',
    target: 2,
    kind: 'max',
    digits: 3,
    description: `insert time with / without capture triggers (${fmt(SIZES.captureRows)} rows, ${SIZES.captureBatch} per tx)`,
    run: captureOverhead,
  },
  // Live agent: propagation latency both ways and idle cost (scripts/bench/live.ts).
  ...LIVE_METRICS,
  // MariaDB/MySQL: the agent on a shop's MySQL database, the hub on a MySQL store (scripts/bench/mysql.ts).
  ...MYSQL_METRICS,
  // Push + pull where 10% of the rows also changed on the hub (scripts/bench/conflicts.ts).
  ...CONFLICT_METRICS,
  // One push of a 1,000,000-entry outbox over 1,000 rows, SQLite and MariaDB (scripts/bench/outbox-backlog.ts).
  ...BACKLOG_METRICS,
];
