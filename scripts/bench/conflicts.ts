/**
 * Conflict benchmark: a push + pull of N changed rows where 10% of those rows were also changed on
 * the hub meanwhile, against the same sync with no hub changes.
 *
 * Per run, with a fresh hub (scripts/bench/hub-child.ts, its own process) and a fresh agent:
 *   setup (untimed)  N customers seeded into the hub file, pulled by the agent; the shop then edits
 *                    `notes` of every row (one transaction, N outbox rows); in the conflict variant
 *                    10% of the rows are then rewritten on the hub (straight into its file, as an
 *                    admin write would: new version, origin admin) — half change `email` only (the
 *                    merge keeps the shop's notes and re-queues the row), half change `email` and
 *                    `notes` (remote-wins takes the hub's notes: nothing to re-queue).
 *   timed            engine.sync() (push, settle, pull) repeated until the outbox is empty: the
 *                    conflicting pushes come back as `conflict`, are merged (remote-wins) and the
 *                    re-queued rows are pushed again.
 *   verified         every row equal on both sides with the expected winner per field, one resolved
 *                    conflict record per conflicting row, none for the others.
 *
 * `conflict_10pct_rows_per_s` = N / timed seconds (median of the runs); `conflict_10pct_ratio` = that
 * over the same figure of the no-conflict variant. Both metrics share one measurement.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { sameValue } from '../../src/core/merge.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { SCOPE, prepareHubDb, startHubProcess } from './hub.js';
import type { MetricDef, MetricResult } from './metrics.js';
import { check, fmt, median, progress, tempDir, timed, envInt } from './util.js';

export const CONFLICT_SIZES = {
  /** Rows changed by the shop; BENCH_CONFLICT_ROWS overrides. */
  rows: envInt('BENCH_CONFLICT_ROWS', 10_000, 100, 200_000),
  /** Every `every`-th row is also changed on the hub (10%). */
  every: 10,
  /** Fresh hub + agent per variant and run (median reported); BENCH_REPEAT overrides, as for pull/push. */
  repeats: envInt('BENCH_REPEAT', 3, 1, 20),
} as const;

/** The same engine tuning (and knobs) as the other metrics (metrics.ts TUNING). */
const TUNING = {
  pullPageSize: envInt('BENCH_PULL_PAGE', 5000, 1, 10_000),
  pushBatchSize: envInt('BENCH_PUSH_BATCH', 1000, 1, 5000),
};

/** A run whose changes do not settle in this many syncs fails the metric. */
const MAX_SYNCS = 5;
const SYNC_TIMEOUT_MS = 5 * 60_000;

const CUSTOMER_COLUMNS = {
  id: 'TEXT NOT NULL',
  first_name: 'TEXT',
  last_name: 'TEXT',
  email: 'TEXT',
  phone: 'TEXT',
  notes: 'TEXT',
  visits: 'INTEGER NOT NULL DEFAULT 0',
  is_banned: 'INTEGER NOT NULL DEFAULT 0',
};
const CUSTOMERS_BOTH = { name: 'customers', direction: 'both', conflict: 'remote-wins', create: { columns: CUSTOMER_COLUMNS } };

type Row = Record<string, unknown>;

const customerId = (i: number) => `cust-${String(i).padStart(7, '0')}`;

function customer(i: number): Row {
  return {
    id: customerId(i),
    first_name: ['Ana', 'Bruno', 'Carla', 'Duarte', 'Eva', 'Filipe'][i % 6],
    last_name: `Family ${i % 997}`,
    email: `customer${i}@example.com`,
    phone: `+351 9${String(10_000_000 + i).slice(-8)}`,
    notes: null,
    visits: i % 40,
    is_banned: 0,
  };
}

/** Which rows the hub also changes, and how: `email` only, or `email` and `notes`. */
function hubChange(i: number): 'email' | 'email+notes' | null {
  if (i % CONFLICT_SIZES.every !== 0) return null;
  return (i / CONFLICT_SIZES.every) % 2 === 0 ? 'email+notes' : 'email';
}

const shopNotes = (i: number) => `shop: table ${i % 30}, usual order`;
const hubEmail = (i: number) => `customer${i}@hub.example.com`;
const hubNotes = (i: number) => `hub: verified by phone (${i})`;

/** Writes rows into the hub's file as the hub would (version = next scope cursor), in one transaction. */
function writeHubRows(dbPath: string, rows: readonly Row[], origin: string): void {
  const db = new Database(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    const head = db.prepare<[string], { head: number }>('SELECT head FROM hub_scopes WHERE scope = ?');
    const setHead = db.prepare('INSERT INTO hub_scopes (scope, head) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET head = excluded.head');
    const put = db.prepare(
      `INSERT INTO hub_rows (scope, entity, key, data, version, deleted, origin, updated_at) VALUES (?, 'customers', ?, ?, ?, 0, ?, ?)
       ON CONFLICT (scope, entity, key) DO UPDATE SET data = excluded.data, version = excluded.version, deleted = 0,
       origin = excluded.origin, updated_at = excluded.updated_at`,
    );
    db.transaction(() => {
      let version = head.get(SCOPE)?.head ?? 0;
      const at = new Date().toISOString();
      for (const row of rows) put.run(SCOPE, String(row.id), JSON.stringify(row), ++version, origin, at);
      setHead.run(SCOPE, version);
    }).immediate();
  } finally {
    db.close();
  }
}

function hubRows(dbPath: string): Map<string, Row> {
  const db = new Database(dbPath, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    const rows = db
      .prepare<[string], { key: string; data: string }>("SELECT key, data FROM hub_rows WHERE scope = ? AND entity = 'customers' AND deleted = 0")
      .all(SCOPE);
    return new Map(rows.map((r) => [r.key, JSON.parse(r.data) as Row]));
  } finally {
    db.close();
  }
}

interface Run {
  readonly ms: number;
  readonly syncs: number;
  readonly conflicts: number;
  readonly pushed: number;
}

/** One fresh hub + agent: setup, the timed syncs until the outbox is empty, verification. */
async function runOnce(withConflicts: boolean, rep: number): Promise<Run> {
  const label = withConflicts ? 'conflict' : 'no-conflict';
  const dir = tempDir(`conflicts-${label}`);
  const rows = CONFLICT_SIZES.rows;
  let hub: Awaited<ReturnType<typeof startHubProcess>> | null = null;
  let engine: SyncEngine | null = null;
  try {
    const hubDb = join(dir.path, 'hub.db');
    const agentDb = join(dir.path, 'agent.db');
    const keys = await prepareHubDb(hubDb);
    writeHubRows(hubDb, Array.from({ length: rows }, (_, n) => customer(n + 1)), 'admin:bench-seed');
    hub = await startHubProcess(hubDb);
    const config = parseConfig(
      { hub: { url: hub.url, apiKey: keys.node, timeoutMs: 60_000 }, database: { type: 'sqlite', path: agentDb }, entities: [CUSTOMERS_BOTH] },
      { baseDir: '/', env: {} },
    ).instances[0]!;
    engine = await SyncEngine.open({ ...config, name: 'bench' }, { logger: silentLogger(), ...TUNING });
    const initial = await engine.sync({ signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) });
    check(initial.status === 'DONE' && initial.stats.pulled === rows, `initial pull: ${initial.status}, ${initial.stats.pulled} rows`);

    // The shop edits every row; then (conflict variant) the hub rewrites every 10th.
    const app = new Database(agentDb);
    try {
      app.pragma('busy_timeout = 5000');
      const update = app.prepare('UPDATE customers SET notes = ? WHERE id = ?');
      app.transaction(() => {
        for (let i = 1; i <= rows; i++) update.run(shopNotes(i), customerId(i));
      })();
    } finally {
      app.close();
    }
    check((await engine.outbox.counts()).pending === rows, `capture queued ${(await engine.outbox.counts()).pending} rows, expected ${rows}`);
    const changedOnHub: Row[] = [];
    if (withConflicts) {
      for (let i = 1; i <= rows; i++) {
        const change = hubChange(i);
        if (change) changedOnHub.push({ ...customer(i), email: hubEmail(i), ...(change === 'email+notes' ? { notes: hubNotes(i) } : {}) });
      }
      writeHubRows(hubDb, changedOnHub, 'admin:bench-backend');
    }

    progress(`conflicts: ${label} run ${rep + 1}/${CONFLICT_SIZES.repeats}: timing engine.sync() until the outbox is empty (${fmt(rows)} rows)`);
    const totals = { syncs: 0, conflicts: 0, pushed: 0 };
    const { ms } = await timed(async () => {
      for (;;) {
        check(totals.syncs < MAX_SYNCS, `outbox not empty after ${MAX_SYNCS} syncs`);
        const summary = await engine!.sync({ signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) });
        check(summary.status === 'DONE', `sync ended ${summary.status}: ${summary.error ?? ''}`);
        totals.syncs++;
        totals.conflicts += summary.stats.conflicts;
        totals.pushed += summary.stats.pushed;
        if ((await engine!.outbox.counts()).pending === 0) break;
      }
    });

    // Both sides agree, with the expected winner of every field.
    const expectedConflicts = changedOnHub.length;
    check(totals.conflicts === expectedConflicts, `${totals.conflicts} conflicts, expected ${expectedConflicts}`);
    const reQueued = changedOnHub.filter((_, n) => hubChange((n + 1) * CONFLICT_SIZES.every) === 'email').length;
    check(totals.pushed === rows - expectedConflicts + reQueued, `${totals.pushed} rows pushed, expected ${rows - expectedConflicts + reQueued}`);
    const onHub = hubRows(hubDb);
    const local = new Map(
      (await engine.db.all<Row>('SELECT * FROM customers')).map((r) => [String(r.id), r] as const),
    );
    check(onHub.size === rows && local.size === rows, `hub has ${onHub.size} rows, agent ${local.size}, expected ${rows}`);
    for (let i = 1; i <= rows; i++) {
      const change = withConflicts ? hubChange(i) : null;
      const want: Row = {
        ...customer(i),
        notes: change === 'email+notes' ? hubNotes(i) : shopNotes(i),
        ...(change ? { email: hubEmail(i) } : {}),
      };
      const h = onHub.get(customerId(i));
      const l = local.get(customerId(i));
      for (const field of Object.keys(CUSTOMER_COLUMNS)) {
        check(h && sameValue(h[field], want[field]), `hub ${customerId(i)}.${field} = ${JSON.stringify(h?.[field])}, expected ${JSON.stringify(want[field])}`);
        check(l && sameValue(l[field], want[field]), `agent ${customerId(i)}.${field} = ${JSON.stringify(l?.[field])}, expected ${JSON.stringify(want[field])}`);
      }
    }
    const [recorded] = await engine.db.all<{ n: number; open: number }>(
      `SELECT COUNT(*) AS n, SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open FROM ${engine.tables.conflicts}`,
    );
    check(Number(recorded?.n) === expectedConflicts && !Number(recorded?.open), `conflict records: ${JSON.stringify(recorded)}, expected ${expectedConflicts} resolved`);
    return { ms, ...totals };
  } finally {
    await engine?.close().catch(() => undefined);
    await hub?.stop();
    dir.remove();
  }
}

interface Measurement {
  readonly conflict: readonly Run[];
  readonly clean: readonly Run[];
}

let measured: Promise<Measurement> | null = null;

/** Both variants, alternating so neither always runs on a warmer machine; shared by both metrics. */
function measure(): Promise<Measurement> {
  measured ??= (async () => {
    const conflict: Run[] = [];
    const clean: Run[] = [];
    for (let rep = 0; rep < CONFLICT_SIZES.repeats; rep++) {
      const order = rep % 2 === 0 ? [false, true] : [true, false];
      for (const withConflicts of order) (withConflicts ? conflict : clean).push(await runOnce(withConflicts, rep));
    }
    return { conflict, clean };
  })();
  return measured;
}

const rate = (runs: readonly Run[]) => CONFLICT_SIZES.rows / (median(runs.map((r) => r.ms)) / 1000);

function notes(m: Measurement): string[] {
  const describe = (runs: readonly Run[]) =>
    `median ${fmt(median(runs.map((r) => r.ms)))} ms (runs: ${runs.map((r) => fmt(r.ms)).join(', ')} ms; syncs ${runs.map((r) => r.syncs).join(', ')})`;
  const c = m.conflict[0]!;
  return [
    `${fmt(CONFLICT_SIZES.rows)} rows changed by the shop, push + pull by engine.sync() until the outbox is empty; fresh hub and agent per run`,
    `with conflicts (every ${CONFLICT_SIZES.every}th row also changed on the hub: ${fmt(c.conflicts)} conflicts settled by remote-wins, ` +
      `${fmt(c.pushed - (CONFLICT_SIZES.rows - c.conflicts))} merged rows pushed again): ${describe(m.conflict)} = ${fmt(rate(m.conflict))} rows/s`,
    `without conflicts: ${describe(m.clean)} = ${fmt(rate(m.clean))} rows/s`,
    `verified each run: every field on hub and agent equals its expected winner; one resolved conflict record per conflicting row`,
  ];
}

export const CONFLICT_METRICS: readonly MetricDef[] = [
  {
    name: 'conflict_10pct_rows_per_s',
    unit: 'rows/s',
    // Push (15,000 rows/s) then pull (30,000 rows/s) of the same rows at their targets is 10,000 rows/s; half of that.
    target: 5_000,
    kind: 'min',
    digits: 0,
    description: `push + pull of ${fmt(CONFLICT_SIZES.rows)} rows, 10% also changed on the hub (merged, remote-wins)`,
    run: async (): Promise<MetricResult> => {
      const m = await measure();
      return { value: rate(m.conflict), notes: notes(m) };
    },
  },
  {
    name: 'conflict_10pct_ratio',
    unit: 'ratio',
    target: 0.5,
    kind: 'min',
    digits: 3,
    description: 'rows/s of that sync over the same sync without conflicts',
    run: async (): Promise<MetricResult> => {
      const m = await measure();
      return { value: rate(m.conflict) / rate(m.clean), notes: notes(m) };
    },
  },
];
