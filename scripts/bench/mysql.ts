/**
 * MariaDB/MySQL benchmarks: the agent on a shop's MySQL database (seed 000/001's setting), and the
 * hub on a MySQL store.
 *
 *   mysql_full_10k_messages_ms      first engine.sync() of 10,000 `messages` into a fresh database
 *   mysql_incremental_{50,200}_ms   then 50 / 200 new hub messages, one engine.sync() each (median)
 *   mysql_pull_initial_rows_per_s   initial pull of 100,000 orders (+ the bare multi-row upsert figure)
 *   mysql_hub_push_rows_per_s       push drain into a hub whose store is MySQL (scripts/bench/hub-child.ts on a mysql:// URL)
 *
 * The server is MariaDB/MySQL on 127.0.0.1 (BENCH_MYSQL_PORT / BENCH_MYSQL_USER / BENCH_MYSQL_PASSWORD,
 * default 3306 / root / empty; loopback only). Every run creates its own databases named
 * `dovetail_bench_<random>` and drops them afterwards; databases still there when the process exits
 * (error, Ctrl-C, SIGTERM) are dropped synchronously from the `exit` handler.
 *
 * The three `messages` metrics share one measured session (run by whichever of them comes first).
 * The hub is seeded by writing hub_rows / hub_scopes straight into its SQLite file (untimed), also
 * while it runs (WAL), so the incremental runs are not limited by the admin API's rate limit.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { parseConfig, type InstanceConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import type { DbAdapter, DbExecutor, RunResult, SqlValue } from '../../src/core/store/db-adapter.js';
import { MySqlAdapter } from '../../src/core/store/mysql-adapter.js';
import { mysqlDialect } from '../../src/core/store/mysql-dialect.js';
import { SyncEngine, type SyncOptions, type SyncSummary } from '../../src/core/sync-engine.js';
import {
  NODE_NAME,
  REPO_ROOT,
  SCOPE,
  orderData,
  prepareHubDb,
  seedOrders,
  startHubProcess,
  type HubKeys,
  type HubProcess,
} from './hub.js';
import type { MetricDef, MetricResult } from './metrics.js';
import { check, fmt, median, now, percentile, profiled, progress, removeLeftoverDirs, tempDir, timed, envInt } from './util.js';

/** The server the benchmark uses: loopback only. */
export const BENCH_MYSQL = {
  host: '127.0.0.1',
  port: envInt('BENCH_MYSQL_PORT', 3306, 1, 65_535),
  user: process.env.BENCH_MYSQL_USER || 'root',
  password: process.env.BENCH_MYSQL_PASSWORD ?? '',
} as const;

export const MYSQL_SIZES = {
  messages: 10_000,
  incrementalWarmup: 2,
  incrementalRuns: 9,
  pullRows: 100_000,
  pushRows: 10_000,
} as const;

/** The seeds' figures (001: "10.000 mensagens → ~2 minutos", "50 → ~2 segundos", "200 → ~5 segundos"). */
const SEED = { full10k: 120_000, inc50: 2_000, inc200: 5_000 } as const;

/** Per sync run: a stuck run is aborted instead of hanging the benchmark. */
const SYNC_TIMEOUT_MS = 5 * 60_000;

/** Engine tuning of the other metrics (read lazily: metrics.ts imports this module). */
async function tuning(): Promise<{ pullPageSize: number; pushBatchSize: number }> {
  const { TUNING } = await import('./metrics.js');
  return TUNING;
}

// ---------------------------------------------------------------------------------------------
// Databases on the server: created per run, dropped afterwards, also on exit.

const liveDatabases = new Set<string>();
let exitHooked = false;

const DROP_SCRIPT = `
import mysql from 'mysql2/promise';
const { server, names } = JSON.parse(process.env.DOVETAIL_BENCH_DROP);
const c = await mysql.createConnection({ ...server, connectTimeout: 5000 });
try {
  await c.query('SET SESSION lock_wait_timeout = 10');
  for (const name of names) {
    const [rows] = await c.query('SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [name]);
    for (const r of rows) await c.query('KILL ' + Number(r.ID)).catch(() => undefined);
    await c.query('DROP DATABASE IF EXISTS \`' + name + '\`');
  }
} finally {
  await c.end();
}
`;

/** Last resort from the `exit` handler: drops what is left, synchronously (a short-lived child). */
function dropLeftoverDatabasesSync(): void {
  if (liveDatabases.size === 0) return;
  const names = [...liveDatabases];
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', DROP_SCRIPT], {
      cwd: REPO_ROOT,
      env: { ...process.env, DOVETAIL_BENCH_DROP: JSON.stringify({ server: BENCH_MYSQL, names }) },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 30_000,
    });
    liveDatabases.clear();
    process.stderr.write(`[bench] dropped leftover database(s) ${names.join(', ')}\n`);
  } catch (error) {
    process.stderr.write(`[bench] could not drop database(s) ${names.join(', ')}: ${String(error)}\n`);
  }
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', dropLeftoverDatabasesSync);
  // SIGINT is handled by scripts/bench.ts (it exits, so the `exit` hook runs); SIGTERM would end the
  // process without it.
  process.once('SIGTERM', () => {
    removeLeftoverDirs();
    process.exit(143);
  });
}

function serverOptions(database?: string) {
  return {
    ...BENCH_MYSQL,
    ...(database ? { database } : {}),
    dateStrings: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
    timezone: 'Z',
    connectTimeout: 10_000,
  };
}

/** The benchmark's admin connection: creates and drops `dovetail_bench_*` databases, checks results. */
class Server {
  private constructor(readonly pool: Pool) {}

  static async connect(): Promise<Server> {
    const pool = mysql.createPool({ ...serverOptions(), connectionLimit: 2 });
    try {
      await pool.query('SELECT 1');
    } catch (error) {
      await pool.end();
      throw new Error(
        `cannot reach MySQL/MariaDB at ${BENCH_MYSQL.user}@${BENCH_MYSQL.host}:${BENCH_MYSQL.port}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new Server(pool);
  }

  async version(): Promise<string> {
    const [rows] = await this.pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
    return String(rows[0]?.v ?? '?');
  }

  async createDatabase(label: string): Promise<string> {
    const name = `dovetail_bench_${label}_${randomBytes(5).toString('hex')}`;
    hookExit();
    liveDatabases.add(name);
    await this.pool.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    return name;
  }

  async dropDatabase(name: string): Promise<void> {
    if (!liveDatabases.has(name)) return;
    const conn = await this.pool.getConnection();
    try {
      await conn.query('SET SESSION lock_wait_timeout = 10');
      // Connections left on it (an engine that failed half-way) would block the DROP.
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
        [name],
      );
      for (const r of rows) await conn.query(`KILL ${Number(r.ID)}`).catch(() => undefined);
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      liveDatabases.delete(name);
    } finally {
      conn.release();
    }
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(sql, params);
    return rows as T[];
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Data: seed 001's `messages`, and `orders` with MySQL column types.

const INSTANCE = 'exatron';
const WORDS = (
  'oi bom dia tudo bem pedido entrega hoje amanhã obrigado valor total pix cartão endereço rua número ' +
  'confirmado aguardando cliente atendimento horário cardápio promoção mesa reserva combo troco nota ok'
).split(' ');
const BODY_POOL = 499;
let bodies: string[] | null = null;

/** A fixed pool of chat message texts, 2–60 words (so seeding does not spend its time on text). */
function messageBody(i: number): string {
  bodies ??= Array.from({ length: BODY_POOL }, (_, b) =>
    Array.from({ length: 2 + ((b * 37) % 59) }, (_, w) => WORDS[(b * 13 + w * 7) % WORDS.length]).join(' '),
  );
  return bodies[i % BODY_POOL]!;
}

const MESSAGE_BASE_MS = Date.parse('2026-01-05T08:00:00.000Z');

/** `YYYY-MM-DD HH:MM:SS`: what a MySQL DATETIME column accepts (see the report on ISO strings). */
function sqlDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** One message as the hub stores it (seed 001's wpp messages; booleans as the backend sends them). */
function messageData(id: number): Record<string, unknown> {
  return {
    id,
    instance: INSTANCE,
    chat_id: 1 + ((id * 7919) % 3001),
    from_me: id % 3 === 0,
    body: messageBody(id),
    created_at: sqlDateTime(MESSAGE_BASE_MS + id * 17_000),
    is_deleted: false,
  };
}

/** Expected aggregates of messages 1..n, as the checks query them. */
function messageSums(n: number): { rows: number; ids: number; chats: number; fromMe: number; bodyChars: number } {
  const sums = { rows: n, ids: 0, chats: 0, fromMe: 0, bodyChars: 0 };
  for (let id = 1; id <= n; id++) {
    const m = messageData(id);
    sums.ids += id;
    sums.chats += m.chat_id as number;
    sums.fromMe += m.from_me ? 1 : 0;
    sums.bodyChars += (m.body as string).length;
  }
  return sums;
}

const MESSAGES_PULL = {
  name: 'messages',
  direction: 'pull',
  softDelete: 'is_deleted',
  create: {
    columns: {
      id: 'INT NOT NULL',
      instance: 'VARCHAR(255) NOT NULL',
      chat_id: 'INT NOT NULL',
      from_me: 'TINYINT(1) NOT NULL DEFAULT 0',
      body: 'TEXT NULL',
      created_at: 'DATETIME NOT NULL',
      is_deleted: 'TINYINT(1) NOT NULL DEFAULT 0',
    },
  },
};

/** `orders` (scripts/bench/hub.ts's orderData) with MySQL types; created_at stays the hub's ISO text. */
const MYSQL_ORDER_COLUMNS = {
  id: 'VARCHAR(64) NOT NULL',
  customer_id: 'VARCHAR(64)',
  status: 'VARCHAR(32)',
  total: 'DOUBLE',
  items: 'TEXT',
  created_at: 'VARCHAR(32)',
};
const ORDERS_PULL = { name: 'orders', direction: 'pull', create: { columns: MYSQL_ORDER_COLUMNS } };

/**
 * Seeds messages `from+1 … from+count` straight into the hub's SQLite file in one transaction
 * (versions continue from the scope head), like scripts/bench/hub.ts's seedOrders. Safe while the
 * hub runs (WAL; nothing else writes then).
 */
function seedMessages(hubDb: string, from: number, count: number): void {
  const db = new Database(hubDb);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = OFF');
    const head = db.prepare<[string], { head: number }>('SELECT head FROM hub_scopes WHERE scope = ?');
    const insert = db.prepare(
      `INSERT INTO hub_rows (scope, entity, key, data, version, deleted, origin, updated_at)
       VALUES (?, 'messages', ?, ?, ?, 0, 'admin:bench-seed', ?)`,
    );
    const setHead = db.prepare('INSERT INTO hub_scopes (scope, head) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET head = excluded.head');
    const at = new Date().toISOString();
    db.transaction(() => {
      let version = head.get(SCOPE)?.head ?? 0;
      for (let id = from + 1; id <= from + count; id++) insert.run(SCOPE, String(id), JSON.stringify(messageData(id)), ++version, at);
      setHead.run(SCOPE, version);
    }).immediate();
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Where the time goes: the engine's statements by kind (a DbAdapter wrapper), CPU per process.

/** `upsert orders`, `SELECT sync_outbox`, `SET @dovetail_capture_off`…: a statement's kind and table. */
function statementKind(sql: string): string {
  // Only the head: a page's upsert is tens of kB, and this runs inside the timed sync.
  const s = sql.slice(0, 240).trimStart().replace(/\s+/g, ' ');
  const table = (t: string | undefined) => (t ?? '?').replace(/[`"]/g, '');
  let m = /^INSERT (?:IGNORE )?INTO (\S+)/i.exec(s);
  if (m) return `${sql.includes('ON DUPLICATE KEY UPDATE', sql.length - 4096) ? 'upsert' : 'INSERT'} ${table(m[1])}`;
  m = /^(UPDATE|DELETE FROM|REPLACE INTO) (\S+)/i.exec(s);
  if (m) return `${m[1]!.split(' ')[0]!.toUpperCase()} ${table(m[2])}`;
  m = /^SELECT .*? FROM (\S+)/i.exec(s);
  if (m) return `SELECT ${table(m[1])}`;
  m = /^SET (\S+)/i.exec(s);
  if (m) return `SET ${m[1]}`;
  return s.split(' ')[0]!.toUpperCase();
}

/**
 * The engine's database with a stopwatch: wall time of every statement by kind, and of each
 * transaction split into its statements, its COMMIT (+ the adapter's cleanup) and the rest
 * (BEGIN, the agent's own work between statements).
 */
class StatementClock implements DbAdapter {
  private readonly kinds = new Map<string, { count: number; ms: number }>();
  private tx = { count: 0, ms: 0, statementsMs: 0, commitMs: 0 };

  constructor(private readonly inner: DbAdapter) {}

  get dialect() {
    return this.inner.dialect;
  }

  /** What the MySQL capture triggers read off the adapter. */
  get compactJson(): boolean {
    return (this.inner as { readonly compactJson?: boolean }).compactJson ?? true;
  }

  reset(): void {
    this.kinds.clear();
    this.tx = { count: 0, ms: 0, statementsMs: 0, commitMs: 0 };
  }

  private async time<T>(sql: string, inTx: boolean, fn: () => Promise<T>): Promise<T> {
    const start = now();
    try {
      return await fn();
    } finally {
      const ms = now() - start;
      const kind = statementKind(sql);
      const entry = this.kinds.get(kind) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += ms;
      this.kinds.set(kind, entry);
      if (inTx) this.tx.statementsMs += ms;
    }
  }

  private wrap(target: DbExecutor, inTx: boolean): DbExecutor {
    return {
      all: <T>(sql: string, params?: readonly SqlValue[]) => this.time(sql, inTx, () => target.all<T>(sql, params)),
      run: (sql: string, params?: readonly SqlValue[]): Promise<RunResult> => this.time(sql, inTx, () => target.run(sql, params)),
    };
  }

  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.time(sql, false, () => this.inner.all<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.time(sql, false, () => this.inner.run(sql, params));
  }

  readExact(sql: string, params?: readonly SqlValue[]) {
    return this.time(sql, false, () => this.inner.readExact(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.time(sql, false, () => this.inner.exec(sql));
  }

  async transaction<T>(fn: (tx: DbExecutor) => Promise<T>): Promise<T> {
    const start = now();
    let bodyEnd = 0;
    try {
      return await this.inner.transaction(async (tx) => {
        const result = await fn(this.wrap(tx, true));
        bodyEnd = now();
        return result;
      });
    } finally {
      const end = now();
      this.tx.count++;
      this.tx.ms += end - start;
      if (bodyEnd > 0) this.tx.commitMs += end - bodyEnd;
    }
  }

  columns(table: string): Promise<string[]> {
    return this.inner.columns(table);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Lines for the notes, against the wall time of the span measured. */
  summary(wallMs: number): string[] {
    const pct = (ms: number) => `${fmt((ms / wallMs) * 100)}%`;
    const kinds = [...this.kinds.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const statementsMs = kinds.reduce((sum, [, k]) => sum + k.ms, 0);
    const outsideTx = wallMs - this.tx.ms - (statementsMs - this.tx.statementsMs);
    return [
      `where the wall time goes (engine's statements timed from the agent, incl. the round trip): ` +
        kinds
          .filter(([, k]) => k.ms >= wallMs / 200)
          .map(([kind, k]) => `${kind} ×${k.count} ${fmt(k.ms)} ms (${pct(k.ms)})`)
          .join(', '),
      `  ${this.tx.count} transactions: COMMIT + adapter cleanup ${fmt(this.tx.commitMs)} ms (${pct(this.tx.commitMs)}), BEGIN + agent work between ` +
        `statements ${fmt(this.tx.ms - this.tx.statementsMs - this.tx.commitMs)} ms (${pct(this.tx.ms - this.tx.statementsMs - this.tx.commitMs)}); ` +
        `outside any statement or transaction (waiting for a page: hub, HTTP, JSON, zod) ${fmt(outsideTx)} ms (${pct(outsideTx)})`,
    ];
  }
}

let serverPid: number | null | undefined;

/** The local MariaDB/MySQL server process, when it runs on this machine (Linux /proc). */
function findServerPid(): number | null {
  if (serverPid !== undefined) return serverPid;
  serverPid = null;
  if (process.platform !== 'linux') return serverPid;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'mariadbd' || comm === 'mysqld') return (serverPid = Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return serverPid;
}

/** CPU time (user + system) of a process, ms, from /proc (USER_HZ 100); null when unreadable. */
function procCpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Linux PSI: µs during which some runnable task waited for a CPU (null where unavailable). */
function cpuPressureUs(): number | null {
  try {
    const some = /^some .* total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return some ? Number(some[1]) : null;
  } catch {
    return null;
  }
}

/** CPU used by the agent (this process), the hub child and the database server over a span. */
function cpuMeter(hubPid: number): () => (wallMs: number) => string {
  const server = findServerPid();
  const agent0 = process.cpuUsage();
  const hub0 = procCpuMs(hubPid);
  const server0 = procCpuMs(server);
  const pressure0 = cpuPressureUs();
  return () => {
    const pressure1 = cpuPressureUs();
    const agentMs = (() => {
      const d = process.cpuUsage(agent0);
      return (d.user + d.system) / 1000;
    })();
    const hub1 = procCpuMs(hubPid);
    const server1 = procCpuMs(server);
    return (wallMs: number) => {
      const part = (name: string, ms: number | null) =>
        ms === null ? `${name} n/a` : `${name} ${fmt(ms)} ms (${fmt((ms / wallMs) * 100)}% of one CPU)`;
      return (
        `CPU over the ${fmt(wallMs)} ms: ${part('agent', agentMs)}, ${part('hub', hub0 !== null && hub1 !== null ? hub1 - hub0 : null)}, ` +
        `${part(server === null ? 'database server' : 'mariadbd/mysqld', server0 !== null && server1 !== null ? server1 - server0 : null)} ` +
        `(the server's figure includes any other client of it); load average ${loadText()}` +
        (pressure0 !== null && pressure1 !== null
          ? `; some task was waiting for a CPU ${fmt(Math.min(100, (pressure1 - pressure0) / 10 / wallMs))}% of the time (PSI)`
          : '')
      );
    };
  };
}

function loadText(): string {
  return `${loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')} on ${cpus().length} CPUs`;
}

// ---------------------------------------------------------------------------------------------
// One metric's resources: temp dir, hub child, engines, databases; `close()` undoes all of it.

class MySqlBench {
  private readonly dir: { path: string; remove(): void };
  private readonly hubs: HubProcess[] = [];
  private readonly engines = new Set<SyncEngine>();
  private readonly databases = new Set<string>();
  readonly hubDb: string;

  private constructor(
    private readonly label: string,
    readonly server: Server,
  ) {
    this.dir = tempDir(`mysql-${label}`);
    this.hubDb = join(this.dir.path, 'hub.db');
  }

  static async create(label: string): Promise<MySqlBench> {
    return new MySqlBench(label, await Server.connect());
  }

  get path(): string {
    return this.dir.path;
  }

  /** The first hub started. */
  get hub(): HubProcess {
    if (!this.hubs[0]) throw new Error('hub not started');
    return this.hubs[0];
  }

  prepareHub(): Promise<HubKeys> {
    return prepareHubDb(this.hubDb);
  }

  /** Starts a hub child (default: scripts/bench/hub-child.ts on `hubDb`); all are stopped on close. */
  async startHub(start: () => Promise<HubProcess> = () => startHubProcess(this.hubDb)): Promise<HubProcess> {
    const hub = await start();
    this.hubs.push(hub);
    return hub;
  }

  async database(): Promise<string> {
    const name = await this.server.createDatabase(this.label);
    this.databases.add(name);
    return name;
  }

  async dropDatabase(name: string): Promise<void> {
    await this.server.dropDatabase(name);
    this.databases.delete(name);
  }

  async engine(
    database: InstanceConfig['database'],
    apiKey: string,
    entities: unknown[],
    opts: { url?: string; db?: DbAdapter } = {},
  ): Promise<SyncEngine> {
    const config = parseConfig(
      { hub: { url: opts.url ?? this.hub.url, apiKey, timeoutMs: 60_000 }, database, entities },
      { baseDir: '/', env: {} },
    );
    const engine = await SyncEngine.open(
      { ...config.instances[0]!, name: 'bench' },
      { logger: silentLogger(), ...(await tuning()), ...(opts.db ? { db: opts.db } : {}) },
    );
    this.engines.add(engine);
    return engine;
  }

  /** An engine on a MySQL database, its statements timed (the adapter is the engine's own MySqlAdapter). */
  async mysqlEngine(database: string, apiKey: string, entities: unknown[]): Promise<{ engine: SyncEngine; clock: StatementClock }> {
    const clock = new StatementClock(await MySqlAdapter.open({ ...BENCH_MYSQL, database }));
    const engine = await this.engine({ type: 'mysql', ...BENCH_MYSQL, database }, apiKey, entities, { db: clock });
    return { engine, clock };
  }

  async closeEngine(engine: SyncEngine): Promise<void> {
    this.engines.delete(engine);
    await engine.close();
  }

  async close(): Promise<void> {
    for (const engine of this.engines) await engine.close().catch(() => undefined);
    this.engines.clear();
    for (const hub of this.hubs) await hub.stop().catch(() => undefined);
    for (const name of this.databases) {
      await this.server.dropDatabase(name).catch((error: unknown) => progress(`mysql: could not drop ${name}: ${String(error)}`));
    }
    this.databases.clear();
    await this.server.close().catch(() => undefined);
    this.dir.remove();
  }
}

export async function withMySqlBench<T>(label: string, fn: (bench: MySqlBench) => Promise<T>): Promise<T> {
  const bench = await MySqlBench.create(label);
  try {
    return await fn(bench);
  } finally {
    await bench.close();
  }
}

async function syncOk(engine: SyncEngine, opts: SyncOptions): Promise<SyncSummary> {
  const summary = await engine.sync({ ...opts, signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) });
  check(summary.status === 'DONE', `sync ${opts.direction ?? 'both'} ended ${summary.status}: ${summary.error ?? ''}`);
  return summary;
}

async function cursorOf(engine: SyncEngine, entity: string): Promise<number | undefined> {
  return (await engine.state.all()).find((s) => s.entity === entity)?.cursor;
}

/** The same pages fetched (hub + HTTP + JSON + zod) without applying them. */
async function timeFetchOnly(engine: SyncEngine, entity: string, pageSize: number): Promise<number> {
  const start = now();
  let since = 0;
  for (let page = 0; page < 10_000; page++) {
    const response = await engine.client.pull(entity, since, pageSize, AbortSignal.timeout(60_000));
    if (response.changes.length === 0) break;
    since = response.cursor;
    if (!response.hasMore) break;
  }
  return now() - start;
}

function samplesText(samples: readonly number[], digits = 0): string {
  return samples.map((v) => fmt(v, digits)).join(', ');
}

function spread(s: readonly number[]): string {
  return `median ${fmt(median(s), 1)} ms, p95 ${fmt(percentile(s, 95), 1)} ms, min ${fmt(Math.min(...s), 1)}, max ${fmt(Math.max(...s), 1)}`;
}

/** Index of the sample closest to `value` (the median run, for its diagnosis). */
function nearest(samples: readonly number[], value: number): number {
  let best = 0;
  samples.forEach((v, i) => {
    if (Math.abs(v - value) < Math.abs(samples[best]! - value)) best = i;
  });
  return best;
}

function seedText(value: number, seed: number): string {
  return `seed ~${fmt(seed)} ms (${fmt(seed / value, 0)}× faster)`;
}

// ---------------------------------------------------------------------------------------------
// 1–3. messages: full sync of 10k into a fresh database, then incremental 50 / 200.

interface MessagesSession {
  readonly full: MetricResult;
  readonly inc50: MetricResult;
  readonly inc200: MetricResult;
}

let messagesSession: Promise<MessagesSession> | null = null;

function messages(): Promise<MessagesSession> {
  messagesSession ??= runMessages();
  return messagesSession;
}

async function verifyMessages(bench: MySqlBench, database: string, n: number): Promise<void> {
  const [got] = await bench.server.all<{ n: number; ids: string; chats: string; fromMe: string; bodyChars: string; deleted: string }>(
    `SELECT COUNT(*) AS n, SUM(id) AS ids, SUM(chat_id) AS chats, SUM(from_me) AS fromMe, SUM(CHAR_LENGTH(body)) AS bodyChars,
       SUM(is_deleted) AS deleted FROM \`${database}\`.messages`,
  );
  const want = messageSums(n);
  check(Number(got?.n) === n, `local messages count is ${got?.n}, expected ${n}`);
  check(
    Number(got?.ids) === want.ids && Number(got?.chats) === want.chats && Number(got?.fromMe) === want.fromMe && Number(got?.bodyChars) === want.bodyChars,
    `local messages content differs from the hub's (sums ${JSON.stringify(got)}, expected ${JSON.stringify(want)})`,
  );
  check(Number(got?.deleted) === 0, 'some local messages are marked deleted');
  const [last] = await bench.server.all<{ created_at: string; instance: string }>(
    `SELECT created_at, instance FROM \`${database}\`.messages WHERE id = ?`,
    [n],
  );
  const expected = messageData(n);
  check(last?.created_at === expected.created_at && last?.instance === INSTANCE, `message ${n} reads back as ${JSON.stringify(last)}`);
}

async function runMessages(): Promise<MessagesSession> {
  const { pullPageSize } = await tuning();
  const { repeats } = (await import('./metrics.js')).SIZES;
  return withMySqlBench('messages', async (bench) => {
    const n = MYSQL_SIZES.messages;
    const keys = await bench.prepareHub();
    seedMessages(bench.hubDb, 0, n);
    progress(`mysql messages: seeded ${fmt(n)} messages into the hub file; server ${await bench.server.version()}`);
    await bench.startHub();

    // Full sync, each time into a fresh database (median of `repeats`); the last one is kept.
    const openTimes: number[] = [];
    const syncTimes: number[] = [];
    const diagnoses: string[][] = [];
    let engine: SyncEngine | null = null;
    let clock: StatementClock | null = null;
    let database = '';
    let fetchMs = 0;
    for (let rep = 0; rep < repeats; rep++) {
      database = await bench.database();
      const { ms: openMs, value: opened } = await timed(() => bench.mysqlEngine(database, keys.node, [MESSAGES_PULL]));
      ({ engine, clock } = opened);
      const tables = await bench.server.all<{ n: number }>(
        "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'messages'",
        [database],
      );
      check(Number(tables[0]?.n) === 1, 'the engine did not create the messages table from config `create`');
      progress(`mysql messages: run ${rep + 1}/${repeats}: timing the first engine.sync() of ${fmt(n)} messages into ${database}`);
      clock.reset();
      const cpu = cpuMeter(bench.hub.pid);
      const { ms, value: summary } = await profiled(`mysql_full_10k-${rep + 1}`, () => timed(() => syncOk(engine!, {})));
      diagnoses.push([...clock.summary(ms), cpu()(ms)]);
      check(summary.stats.pulled === n, `sync reported ${summary.stats.pulled} pulled, expected ${n}`);
      check((await cursorOf(engine, 'messages')) === n, `messages cursor is not ${n}`);
      await verifyMessages(bench, database, n);
      openTimes.push(openMs);
      syncTimes.push(ms);
      if (rep === 0) fetchMs = await timeFetchOnly(engine, 'messages', pullPageSize);
      if (rep < repeats - 1) {
        await bench.closeEngine(engine);
        await bench.dropDatabase(database);
      }
    }
    const fullMs = median(syncTimes);
    const openMs = median(openTimes);
    const medianRun = nearest(syncTimes, fullMs);
    const full: MetricResult = {
      value: fullMs,
      reference: { text: `seed ~${fmt(SEED.full10k)}`, value: SEED.full10k },
      notes: [
        `${fmt(n)} messages (seed 001's table: INT id, VARCHAR instance, INT chat_id, TINYINT from_me, TEXT body, DATETIME created_at, ` +
          `TINYINT is_deleted soft delete), pages of ${fmt(pullPageSize)}; the first engine.sync() (push + pull) on a fresh database, ` +
          `median of ${syncTimes.length}: ${fmt(fullMs)} ms (runs: ${samplesText(syncTimes)} ms) = ${fmt(n / (fullMs / 1000))} rows/s; ` +
          `verified count, column sums, a DATETIME read back, stats and cursor each run`,
        `before it, SyncEngine.open (agent tables migrated + messages created from config): median ${fmt(openMs)} ms ` +
          `(runs: ${samplesText(openTimes)} ms); open + sync ${fmt(openMs + fullMs)} ms`,
        `split: fetching the same pages alone (hub + HTTP + JSON + zod, no apply) takes ${fmt(fetchMs)} ms = ${fmt((fetchMs / fullMs) * 100)}% of the sync`,
        `run ${medianRun + 1} (the median):`,
        ...diagnoses[medianRun]!.map((line) => `  ${line}`),
        `vs the seed: ${seedText(fullMs, SEED.full10k)}`,
      ],
    };

    // Incremental: new messages on the hub (untimed, straight into its file), one engine.sync() each.
    const live = engine!;
    const liveClock = clock!;
    let next = n;
    const incremental = async (size: number, seed: number): Promise<MetricResult> => {
      const samples: number[] = [];
      const total = MYSQL_SIZES.incrementalWarmup + MYSQL_SIZES.incrementalRuns;
      let cpu: (() => (wallMs: number) => string) | null = null;
      for (let run = 0; run < total; run++) {
        seedMessages(bench.hubDb, next, size);
        next += size;
        if (run === MYSQL_SIZES.incrementalWarmup) {
          liveClock.reset();
          cpu = cpuMeter(bench.hub.pid);
        }
        const { ms, value: summary } = await profiled(`mysql_incremental_${size}-${run + 1}`, () => timed(() => syncOk(live, {})));
        check(summary.stats.pulled === size, `incremental run ${run + 1} pulled ${summary.stats.pulled}, expected ${size}`);
        if (run >= MYSQL_SIZES.incrementalWarmup) samples.push(ms);
      }
      const measuredMs = samples.reduce((a, b) => a + b, 0);
      const diagnosis = [...liveClock.summary(measuredMs), cpu!()(measuredMs)];
      await verifyMessages(bench, database, next);
      check((await cursorOf(live, 'messages')) === next, `messages cursor is not ${next}`);
      const value = median(samples);
      progress(`mysql messages: incremental ${size}: ${spread(samples)}`);
      return {
        value,
        reference: { text: `seed ~${fmt(seed)}`, value: seed },
        notes: [
          `${size} new hub messages (written to the hub file, untimed) then engine.sync() push + pull, ${samples.length} runs after ` +
            `${MYSQL_SIZES.incrementalWarmup} warm-up, on the database of the full sync (${fmt(n)}+ messages):`,
          `  ${spread(samples)} (runs: ${samplesText(samples, 1)} ms)`,
          `  verified count, column sums and cursor after the runs; vs the seed: ${seedText(value, seed)}`,
          `over the ${samples.length} measured runs (${fmt(measuredMs)} ms of sync; the statements of the runs' bookkeeping included):`,
          ...diagnosis.map((line) => `  ${line}`),
        ],
      };
    };
    const inc50 = await incremental(50, SEED.inc50);
    const inc200 = await incremental(200, SEED.inc200);
    return { full, inc50, inc200 };
  });
}

// ---------------------------------------------------------------------------------------------
// 4. Initial pull of 100k orders into MariaDB, next to a bare multi-row upsert of the same rows.

interface BareTimes {
  /** The table only: multi-row upserts of 500, one transaction per page. */
  readonly table: number;
  /** The same plus the agent's per-row bookkeeping (a sync_rows-shaped upsert) in the same transaction. */
  readonly withBookkeeping: number;
}

/** The rows exactly as the hub serves them (untimed), as parameter arrays in column order. */
function hubOrderParams(hubDb: string): { columns: string[]; params: unknown[][] } {
  const db = new Database(hubDb, { readonly: true });
  try {
    const rows = db
      .prepare<[string], { data: string }>("SELECT data FROM hub_rows WHERE scope = ? AND entity = 'orders' ORDER BY version")
      .all(SCOPE);
    const columns = Object.keys(MYSQL_ORDER_COLUMNS);
    return { columns, params: rows.map((r) => {
      const data = JSON.parse(r.data) as Record<string, unknown>;
      return columns.map((c) => data[c] ?? null);
    }) };
  } finally {
    db.close();
  }
}

async function bareUpsert(database: string, rows: { columns: string[]; params: unknown[][] }, pageSize: number): Promise<BareTimes> {
  const pool = mysql.createPool({ ...serverOptions(database), connectionLimit: 1 });
  try {
    const defs = Object.entries(MYSQL_ORDER_COLUMNS).map(([name, type]) => `\`${name}\` ${type}`);
    for (const table of ['bare_orders', 'bare_orders_2']) {
      await pool.query(`CREATE TABLE \`${table}\` (${defs.join(', ')}, PRIMARY KEY (id))`);
    }
    await pool.query(
      `CREATE TABLE bare_rows (entity VARCHAR(64) NOT NULL, row_key VARCHAR(512) NOT NULL, version BIGINT NOT NULL,
        synced_at VARCHAR(32) NOT NULL, data LONGTEXT, PRIMARY KEY (entity, row_key)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    );
    const chunk = 500;
    const run = async (table: string, bookkeeping: boolean): Promise<number> => {
      const conn = await pool.getConnection();
      try {
        const start = now();
        for (let p = 0; p < rows.params.length; p += pageSize) {
          const page = rows.params.slice(p, p + pageSize);
          const at = new Date().toISOString();
          await conn.beginTransaction();
          for (let i = 0; i < page.length; i += chunk) {
            const slice = page.slice(i, i + chunk);
            await conn.query(mysqlDialect.upsert(table, rows.columns, ['id'], slice.length), slice.flat());
          }
          if (bookkeeping) {
            for (let i = 0; i < page.length; i += chunk) {
              const slice = page.slice(i, i + chunk);
              await conn.query(
                mysqlDialect.upsert('bare_rows', ['entity', 'row_key', 'version', 'synced_at', 'data'], ['entity', 'row_key'], slice.length),
                slice.flatMap((r, k) => ['orders', r[0], p + i + k + 1, at, null]),
              );
            }
          }
          await conn.commit();
        }
        return now() - start;
      } finally {
        conn.release();
      }
    };
    const table = await run('bare_orders', false);
    const withBookkeeping = await run('bare_orders_2', true);
    const [count] = (await pool.query<RowDataPacket[]>('SELECT (SELECT COUNT(*) FROM bare_orders) AS a, (SELECT COUNT(*) FROM bare_orders_2) AS b'))[0];
    check(Number(count?.a) === rows.params.length && Number(count?.b) === rows.params.length, 'bare upsert did not store every row');
    return { table, withBookkeeping };
  } finally {
    await pool.end();
  }
}

function pullInitial(): Promise<MetricResult> {
  return withMySqlBench('pull', async (bench) => {
    const { pullPageSize } = await tuning();
    const { SIZES } = await import('./metrics.js');
    const rows = MYSQL_SIZES.pullRows;
    const keys = await bench.prepareHub();
    const { ms: seedMs } = await timed(() => Promise.resolve(seedOrders(bench.hubDb, rows)));
    progress(`mysql pull: seeded ${fmt(rows)} orders into the hub file in ${fmt(seedMs)} ms; server ${await bench.server.version()}`);
    const bareRows = hubOrderParams(bench.hubDb);
    await bench.startHub();

    const times: number[] = [];
    const bare: BareTimes[] = [];
    const diagnoses: string[][] = [];
    let fetchMs = 0;
    for (let rep = 0; rep < SIZES.repeats; rep++) {
      const database = await bench.database();
      const { engine, clock } = await bench.mysqlEngine(database, keys.node, [ORDERS_PULL]);
      progress(`mysql pull: run ${rep + 1}/${SIZES.repeats}: timing engine.sync({ direction: 'pull' }) of ${fmt(rows)} rows into ${database}`);
      clock.reset();
      const cpu = cpuMeter(bench.hub.pid);
      const { ms, value: summary } = await profiled(`mysql_pull_initial-${rep + 1}`, () => timed(() => syncOk(engine, { direction: 'pull' })));
      diagnoses.push([...clock.summary(ms), cpu()(ms)]);
      const [local] = await bench.server.all<{ n: number; total: number }>(`SELECT COUNT(*) AS n, SUM(total) AS total FROM \`${database}\`.orders`);
      check(Number(local?.n) === rows, `local orders count is ${local?.n}, expected ${rows}`);
      const [probe] = await bench.server.all<{ id: string; items: string }>(`SELECT id, items FROM \`${database}\`.orders WHERE id = ?`, [
        orderData(rows, '').id,
      ]);
      check(probe?.items === orderData(rows, '').items, `order ${rows} reads back as ${JSON.stringify(probe)}`);
      check(summary.stats.pulled === rows, `sync reported ${summary.stats.pulled} pulled, expected ${rows}`);
      check((await cursorOf(engine, 'orders')) === rows, `orders cursor is not ${rows}`);
      times.push(ms);
      if (rep === 0) fetchMs = await timeFetchOnly(engine, 'orders', pullPageSize);
      await bench.closeEngine(engine);
      // The bare figure on the same server, right after (same database, its own tables).
      progress(`mysql pull: run ${rep + 1}/${SIZES.repeats}: bare multi-row upserts of the same ${fmt(rows)} rows`);
      bare.push(await bareUpsert(database, bareRows, pullPageSize));
      await bench.dropDatabase(database);
    }
    const ms = median(times);
    const value = rows / (ms / 1000);
    const medianRun = nearest(times, ms);
    const bareMs = median(bare.map((b) => b.table));
    const bookMs = median(bare.map((b) => b.withBookkeeping));
    const bareFigure = rows / (bareMs / 1000);
    const perSecond = (t: number) => fmt(rows / (t / 1000));
    return {
      value,
      reference: { text: `bare upsert ${perSecond(bareMs)}`, value: bareFigure },
      notes: [
        `${fmt(rows)} orders (VARCHAR/DOUBLE/TEXT columns), ${Math.ceil(rows / pullPageSize)} pages of ${fmt(pullPageSize)}; median of ${times.length} ` +
          `fresh databases: ${fmt(ms)} ms (runs: ${samplesText(times)} ms); verified count, one row's content, stats and cursor each run`,
        `context: a bare multi-row upsert from Node (mysql2, 500 rows per INSERT … ON DUPLICATE KEY UPDATE, one transaction per ` +
          `${fmt(pullPageSize)} rows, same server and column types): ${perSecond(bareMs)} rows/s (runs: ${samplesText(bare.map((b) => rows / (b.table / 1000)))}); ` +
          `the engine reaches ${fmt(value / bareFigure, 2)}× that`,
        `context: the same plus a sync_rows-shaped upsert per row (entity, row_key, version, synced_at) in the same transaction — the ` +
          `agent's own bookkeeping — ${perSecond(bookMs)} rows/s; the engine reaches ${fmt(value / (rows / (bookMs / 1000)), 2)}× that`,
        `split: fetching the same pages alone (hub + HTTP + JSON + zod, no apply) takes ${fmt(fetchMs)} ms = ${fmt((fetchMs / ms) * 100)}% of the sync time`,
        `run ${medianRun + 1} (the median):`,
        ...diagnoses[medianRun]!.map((line) => `  ${line}`),
      ],
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 5. Push drain into a hub whose store is MySQL (scripts/bench/hub-child.ts given a mysql:// URL).

function mysqlUrl(database: string): string {
  const auth = `${encodeURIComponent(BENCH_MYSQL.user)}:${encodeURIComponent(BENCH_MYSQL.password)}`;
  return `mysql://${auth}@${BENCH_MYSQL.host}:${BENCH_MYSQL.port}/${database}`;
}

/** Creates the MySQL hub's tables and the benchmark's keys, before any hub process serves it. */
async function prepareMySqlHub(database: string): Promise<HubKeys> {
  // Imported here so the other mysql_* metrics never depend on the MySQL hub store.
  const { MySqlHubStore } = await import('../../src/hub/mysql-hub-store.js');
  const store = await MySqlHubStore.open({ ...BENCH_MYSQL, database });
  try {
    const node = await store.createKey({ role: 'node', scope: SCOPE, name: NODE_NAME });
    const admin = await store.createKey({ role: 'admin', scope: SCOPE, name: 'bench-backend' });
    return { node: node.key, admin: admin.key };
  } finally {
    await store.close();
  }
}

const PRODUCTS_PUSH = {
  name: 'products',
  direction: 'push',
  create: {
    columns: {
      id: 'TEXT NOT NULL',
      name: 'TEXT NOT NULL',
      category: 'TEXT',
      price: 'REAL NOT NULL DEFAULT 0',
      stock: 'INTEGER NOT NULL DEFAULT 0',
      updated_at: 'TEXT',
    },
  },
};
const PRODUCT_INSERT = 'INSERT INTO products (id, name, category, price, stock, updated_at) VALUES (?, ?, ?, ?, ?, ?)';

/** The same products as scripts/bench/metrics.ts's push_drain_rows_per_s. */
function productRow(i: number, tag: string): [string, string, string, number, number, string] {
  return [
    `${tag}-${String(i).padStart(7, '0')}`,
    `Product ${i} ${['espresso', 'latte', 'croissant', 'bagel', 'salad', 'soup'][i % 6]}`,
    ['drinks', 'bakery', 'kitchen'][i % 3]!,
    Math.round((1 + (i % 1500) / 100) * 100) / 100,
    i % 250,
    new Date(Date.parse('2026-01-05T08:00:00.000Z') + i * 1000).toISOString(),
  ];
}

function productData(i: number, tag: string): Record<string, unknown> {
  const [id, name, category, price, stock, updated_at] = productRow(i, tag);
  return { id, name, category, price, stock, updated_at };
}

async function adminGet(url: string, adminKey: string, entity: string, key: string): Promise<{ data: Record<string, unknown> | null }> {
  const response = await fetch(`${url}/v1/admin/scopes/${encodeURIComponent(SCOPE)}/entities/${entity}/rows/${encodeURIComponent(key)}`, {
    headers: { 'x-api-key': adminKey, 'x-dovetail-protocol': '1' },
    signal: AbortSignal.timeout(10_000),
  });
  check(response.ok, `admin GET ${entity}/${key}: HTTP ${response.status}`);
  return (await response.json()) as { data: Record<string, unknown> | null };
}

interface Drain {
  readonly ms: number;
  readonly cpu: string;
}

/**
 * One fresh SQLite agent: the app writes `rows` products (capture triggers queue them), then one
 * timed engine.sync({ direction: 'push' }) drains the outbox into the hub at `hub`.
 */
async function drainInto(
  bench: MySqlBench,
  hub: HubProcess,
  keys: HubKeys,
  name: string,
  tag: string,
  expectOnHub: number,
): Promise<Drain> {
  const rows = MYSQL_SIZES.pushRows;
  const dbPath = join(bench.path, `${name}.db`);
  const engine = await bench.engine({ type: 'sqlite', path: dbPath }, keys.node, [PRODUCTS_PUSH], { url: hub.url });
  const app = new Database(dbPath);
  try {
    app.pragma('journal_mode = WAL');
    app.pragma('synchronous = FULL');
    app.pragma('busy_timeout = 5000');
    const insert = app.prepare(PRODUCT_INSERT);
    app.transaction(() => {
      for (let i = 1; i <= rows; i++) insert.run(...productRow(i, tag));
    })();
  } finally {
    app.close();
  }
  check((await engine.outbox.counts()).pending === rows, `capture triggers did not queue ${rows} outbox rows`);
  const cpu = cpuMeter(hub.pid);
  const { ms, value: summary } = await profiled(`mysql_hub_push-${name}`, () => timed(() => syncOk(engine, { direction: 'push' })));
  const cpuLine = cpu()(ms);
  check(summary.stats.pushed === rows, `sync reported ${summary.stats.pushed} pushed, expected ${rows}`);
  check((await engine.outbox.counts()).pending === 0, 'outbox rows still pending after the drain');
  const status = await engine.client.status();
  const onHub = status.entities.find((e) => e.entity === 'products')?.rows ?? 0;
  check(onHub === expectOnHub, `hub reports ${onHub} products, expected ${expectOnHub}`);
  const probe = Math.ceil(rows / 2);
  const stored = await adminGet(hub.url, keys.admin, 'products', productRow(probe, tag)[0]);
  check(JSON.stringify(stored.data) === JSON.stringify(productData(probe, tag)), `hub holds ${JSON.stringify(stored.data)} for product ${probe}`);
  await bench.closeEngine(engine);
  return { ms, cpu: cpuLine };
}

/** One batch of `size` sent straight through HubClient.push (HTTP + hub, no outbox), median of 3. */
async function pushRoundTrip(bench: MySqlBench, hub: HubProcess, keys: HubKeys, size: number, tag: string): Promise<number> {
  const engine = await bench.engine({ type: 'sqlite', path: join(bench.path, `${tag}.db`) }, keys.node, [PRODUCTS_PUSH], { url: hub.url });
  try {
    const samples: number[] = [];
    for (let round = 0; round < 3; round++) {
      const changes = Array.from({ length: size }, (_, i) => {
        const data = productData(i, `${tag}${round}`);
        return { seq: i + 1, entity: 'products', key: String(data.id), op: 'upsert' as const, data, baseVersion: null };
      });
      const { ms, value } = await timed(() => engine.client.push(`bench-${tag}-${round}`, changes));
      check(value.results.every((r) => r.status === 'applied'), 'round-trip batch was not applied');
      samples.push(ms);
    }
    return median(samples);
  } finally {
    await bench.closeEngine(engine);
  }
}

function hubPush(): Promise<MetricResult> {
  return withMySqlBench('hubpush', async (bench) => {
    const { pushBatchSize } = await tuning();
    const { SIZES } = await import('./metrics.js');
    const rows = MYSQL_SIZES.pushRows;
    const hubDatabase = await bench.database();
    const mysqlKeys = await prepareMySqlHub(hubDatabase);
    const mysqlHub = await bench.startHub(() => startHubProcess(mysqlUrl(hubDatabase)));
    // The same drain into the usual SQLite hub, alternated with it, for reference.
    const sqliteKeys = await bench.prepareHub();
    const sqliteHub = await bench.startHub();
    progress(`mysql hub push: server ${await bench.server.version()}; ${SIZES.repeats} fresh agents per hub, alternating`);

    const onMySql: Drain[] = [];
    const onSqlite: Drain[] = [];
    for (let rep = 0; rep < SIZES.repeats; rep++) {
      const order: ('mysql' | 'sqlite')[] = rep % 2 === 0 ? ['mysql', 'sqlite'] : ['sqlite', 'mysql'];
      for (const which of order) {
        progress(`mysql hub push: run ${rep + 1}/${SIZES.repeats}: timing engine.sync({ direction: 'push' }) of ${fmt(rows)} rows into the ${which} hub`);
        if (which === 'mysql') onMySql.push(await drainInto(bench, mysqlHub, mysqlKeys, `mysql-${rep}`, `prod${rep}`, (rep + 1) * rows));
        else onSqlite.push(await drainInto(bench, sqliteHub, sqliteKeys, `sqlite-${rep}`, `prod${rep}`, (rep + 1) * rows));
      }
    }
    const roundTrip = {
      mysql: await pushRoundTrip(bench, mysqlHub, mysqlKeys, pushBatchSize, 'rt'),
      sqlite: await pushRoundTrip(bench, sqliteHub, sqliteKeys, pushBatchSize, 'rt'),
    };
    const ms = median(onMySql.map((d) => d.ms));
    const sqliteMs = median(onSqlite.map((d) => d.ms));
    const value = rows / (ms / 1000);
    const sqliteValue = rows / (sqliteMs / 1000);
    const batches = Math.ceil(rows / pushBatchSize);
    return {
      value,
      reference: { text: `SQLite hub ${fmt(sqliteValue)}`, value: sqliteValue },
      notes: [
        `${fmt(rows)} outbox rows of a fresh SQLite agent (the app's inserts, capture triggers), ${batches} batches of ${fmt(pushBatchSize)}, ` +
          `into a hub on MariaDB (MySqlHubStore, its own database); median of ${onMySql.length}: ${fmt(ms)} ms ` +
          `(runs: ${samplesText(onMySql.map((d) => d.ms))} ms); verified stats, empty outbox, the hub's row count and one row's data each run`,
        `reference: the same drain into the SQLite hub (scripts/bench/hub-child.ts), alternated with it: ${fmt(sqliteValue)} rows/s, ` +
          `median ${fmt(sqliteMs)} ms (runs: ${samplesText(onSqlite.map((d) => d.ms))} ms); MySQL / SQLite = ${fmt(value / sqliteValue, 2)}`,
        `split: one batch of ${fmt(pushBatchSize)} straight through HubClient.push (HTTP + hub, no outbox): MySQL hub ${fmt(roundTrip.mysql, 1)} ms, ` +
          `SQLite hub ${fmt(roundTrip.sqlite, 1)} ms; × ${batches} = ${fmt((roundTrip.mysql * batches * 100) / ms)}% of the MySQL drain, ` +
          `the rest is the agent's outbox read and settle`,
        `median MySQL run: ${onMySql[nearest(onMySql.map((d) => d.ms), ms)]!.cpu}`,
      ],
    };
  });
}

// ---------------------------------------------------------------------------------------------

export const MYSQL_METRICS: readonly MetricDef[] = [
  {
    name: 'mysql_full_10k_messages_ms',
    unit: 'ms',
    target: SEED.full10k,
    kind: 'max',
    digits: 0,
    description: `MariaDB: first sync of ${fmt(MYSQL_SIZES.messages)} messages into a fresh database (target: the seed's ~2 min)`,
    run: () => messages().then((s) => s.full),
  },
  {
    name: 'mysql_incremental_50_ms',
    unit: 'ms',
    target: SEED.inc50,
    kind: 'max',
    digits: 1,
    description: `MariaDB: engine.sync() picking up 50 new hub messages (median of ${MYSQL_SIZES.incrementalRuns}, after the full sync, same session; target: the seed's ~2 s)`,
    run: () => messages().then((s) => s.inc50),
  },
  {
    name: 'mysql_incremental_200_ms',
    unit: 'ms',
    target: SEED.inc200,
    kind: 'max',
    digits: 1,
    description: `MariaDB: engine.sync() picking up 200 new hub messages (median of ${MYSQL_SIZES.incrementalRuns}, after the full sync, same session; target: the seed's ~5 s)`,
    run: () => messages().then((s) => s.inc200),
  },
  {
    name: 'mysql_pull_initial_rows_per_s',
    unit: 'rows/s',
    target: 15_000,
    kind: 'min',
    digits: 0,
    description: `MariaDB: initial pull of ${fmt(MYSQL_SIZES.pullRows)} orders hub → agent (and a bare multi-row upsert for scale)`,
    run: pullInitial,
  },
  {
    name: 'mysql_hub_push_rows_per_s',
    unit: 'rows/s',
    target: 8_000,
    kind: 'min',
    digits: 0,
    description: `hub on MariaDB (MySqlHubStore): drain of ${fmt(MYSQL_SIZES.pushRows)} outbox rows agent → hub (SQLite hub for reference)`,
    run: hubPush,
  },
];
