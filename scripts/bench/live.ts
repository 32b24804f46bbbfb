/**
 * Live-channel benchmarks: propagation latency hub → local and local → hub through a running
 * `Agent`, and what an idle agent costs (CPU, RSS).
 *
 * Three processes: the hub (scripts/bench/hub-child.ts), the agent (scripts/bench/agent-child.ts,
 * its own SQLite file, polling every 24 h so only the live channel and the local-write watcher move
 * data) and this one, which writes, waits and measures. Times on both sides are epoch ms from
 * performance.timeOrigin + performance.now(); the clock offset between this process and the agent
 * child is estimated by ping and printed.
 *
 * The p50/p95/p99 metrics of one direction share one measured sample (measured by whichever of them
 * runs first); `idle_cpu_percent` and `idle_rss_mb` share one 30 s window.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import type { AgentChildConfig } from './agent-child.js';
import {
  ORDER_COLUMNS,
  REPO_ROOT,
  SCOPE,
  adminPut,
  countHubRows,
  orderData,
  prepareHubDb,
  seedOrders,
  startHubProcess,
  type HubKeys,
  type HubProcess,
} from './hub.js';
import type { MetricDef, MetricResult } from './metrics.js';
import { check, fmt, median, percentile, progress, tempDir, withTimeout, envInt } from './util.js';

const AGENT_CHILD = join(REPO_ROOT, 'scripts', 'bench', 'agent-child.ts');

export const LIVE_SIZES = {
  /** Measured changes per direction (after the warm-up); BENCH_LIVE_CHANGES overrides (the hub allows 1,200 requests per key per minute). */
  changes: envInt('BENCH_LIVE_CHANGES', 500, 20, 1000),
  warmup: 20,
  /** Idle sampling window; BENCH_IDLE_SECONDS overrides. */
  idleSeconds: envInt('BENCH_IDLE_SECONDS', 30, 5, 600),
  /** Orders the idle agent pulls at startup (so it idles with a realistic database). */
  idleSeedRows: 1000,
  /** Wait after startup before the idle window opens (the post-startup GC is reported, not counted). */
  idleSettleSeconds: 20,
} as const;

/** The agent's local-write poll period and live-event debounce (its defaults, measured as they are; for the notes). */
const LOCAL_POLL_MS = 40;
const LIVE_DEBOUNCE_MS = 5;
/** Before each change the agent must have had no run for this long. */
const QUIET_MS = 20;
/** Per change: a change that has not arrived by then fails the metric. */
const CHANGE_TIMEOUT_MS = 5000;
const START_TIMEOUT_MS = 30_000;

const ORDERS_PULL = { name: 'orders', direction: 'pull', create: { columns: ORDER_COLUMNS } };
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

/** Epoch ms, sub-millisecond resolution; the agent child stamps with the same formula. */
const clock = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// The agent child
// ---------------------------------------------------------------------------------------------

interface ChildMessage {
  readonly type: string;
  readonly id?: number;
  readonly t: number;
  readonly [field: string]: unknown;
}

interface RunSpan {
  readonly start: number;
  end: number | null;
}

interface Waiter {
  readonly match: (m: ChildMessage) => boolean;
  readonly resolve: (m: ChildMessage) => void;
  readonly reject: (e: Error) => void;
}

/** `scripts/bench/agent-child.ts` in its own Node process, spoken to in JSON lines. */
class AgentProcess {
  private readonly waiters = new Set<Waiter>();
  private nextId = 1;
  private exitError: Error | null = null;
  private stopped = false;
  readonly runs: RunSpan[] = [];
  running = false;
  state = '';
  lastRunEnd = 0;
  readonly errors: string[] = [];
  pid = 0;

  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<unknown>,
  ) {}

  static async start(config: AgentChildConfig): Promise<AgentProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', AGENT_CHILD, JSON.stringify(config)], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const agent = new AgentProcess(child, exited);
    void exited.then(([code, signal]) => agent.onExit(code as number | null, signal as string | null));
    createInterface({ input: child.stdout }).on('line', (line) => agent.onLine(line));
    try {
      const ready = await agent.waitFor((m) => m.type === 'ready', START_TIMEOUT_MS, 'agent child start');
      agent.pid = Number(ready.pid);
      progress(`agent child pid ${agent.pid}`);
      return agent;
    } catch (error) {
      await agent.stop();
      throw error;
    }
  }

  private onLine(line: string): void {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) return;
    let message: ChildMessage;
    try {
      message = JSON.parse(trimmed) as ChildMessage;
    } catch {
      return;
    }
    if (message.type === 'run') {
      const running = message.running === true;
      if (running && !this.running) this.runs.push({ start: message.t, end: null });
      if (!running && this.running) {
        const span = this.runs[this.runs.length - 1];
        if (span) span.end = message.t;
        this.lastRunEnd = message.t;
      }
      this.running = running;
      this.state = String(message.state);
      if (typeof message.error === 'string') this.errors.push(message.error);
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.match(message)) {
        this.waiters.delete(waiter);
        waiter.resolve(message);
      }
    }
  }

  /** The child has exited. */
  get gone(): boolean {
    return this.exitError !== null;
  }

  private onExit(code: number | null, signal: string | null): void {
    this.exitError = new Error(`agent child exited (code ${String(code)}, signal ${String(signal)})`);
    for (const waiter of this.waiters) waiter.reject(this.exitError);
    this.waiters.clear();
  }

  /** The next message matching `match` (register before causing it). */
  waitFor(match: (m: ChildMessage) => boolean, timeoutMs: number, what: string): Promise<ChildMessage> {
    if (this.exitError) return Promise.reject(this.exitError);
    let waiter: Waiter | undefined;
    const promise = new Promise<ChildMessage>((resolve, reject) => {
      waiter = { match, resolve, reject };
      this.waiters.add(waiter);
    });
    return withTimeout(promise, timeoutMs, what).finally(() => {
      if (waiter) this.waiters.delete(waiter);
    });
  }

  send(cmd: Record<string, unknown>): number {
    const id = this.nextId++;
    this.child.stdin!.write(`${JSON.stringify({ ...cmd, id })}\n`);
    return id;
  }

  async request(cmd: Record<string, unknown>, reply: string, timeoutMs = 5000): Promise<ChildMessage> {
    const id = this.nextId;
    const answer = this.waitFor((m) => m.type === reply && m.id === id, timeoutMs, `agent child ${String(cmd.cmd)}`);
    this.send(cmd);
    return answer;
  }

  /** Resolves once the agent has had no run in progress for `quietMs`. */
  async quiet(quietMs: number, timeoutMs: number, what: string): Promise<void> {
    const deadline = clock() + timeoutMs;
    for (;;) {
      if (this.exitError) throw this.exitError;
      const left = deadline - clock();
      if (left <= 0) throw new Error(`${what}: the agent did not go quiet within ${fmt(timeoutMs)} ms`);
      if (this.running) {
        await this.waitFor((m) => m.type === 'run' && m.running === false, left, what).catch(() => undefined);
        continue;
      }
      const wait = this.lastRunEnd + quietMs - clock();
      if (wait <= 0) return;
      await sleep(Math.min(wait, left));
    }
  }

  /** Estimated agent clock − this clock (ms) from the ping with the shortest round trip. */
  async clockOffset(pings = 30): Promise<{ offsetMs: number; rttMs: number }> {
    let best = { offsetMs: 0, rttMs: Infinity };
    for (let i = 0; i < pings; i++) {
      const t0 = clock();
      const pong = await this.request({ cmd: 'ping' }, 'pong');
      const t1 = clock();
      if (t1 - t0 < best.rttMs) best = { offsetMs: pong.t - (t0 + t1) / 2, rttMs: t1 - t0 };
      await sleep(2);
    }
    return best;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin?.end();
    try {
      await withTimeout(this.exited, 10_000, 'agent child shutdown');
    } catch {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      await withTimeout(this.exited, 5000, 'agent child kill').catch(() => undefined);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One hub + one agent, torn down afterwards
// ---------------------------------------------------------------------------------------------

interface LiveSession {
  readonly hub: HubProcess;
  readonly agent: AgentProcess;
  readonly keys: HubKeys & { readonly listener: string };
  readonly hubDb: string;
  readonly agentDb: string;
}

async function withLiveSession<T>(label: string, opts: { seedRows: number }, fn: (s: LiveSession) => Promise<T>): Promise<T> {
  const dir = tempDir(label);
  let hub: HubProcess | null = null;
  let agent: AgentProcess | null = null;
  try {
    const hubDb = join(dir.path, 'hub.db');
    const agentDb = join(dir.path, 'agent.db');
    const base = await prepareHubDb(hubDb);
    // A second node key of the same scope: the measuring process listens on /sync with it.
    const store = new SqliteHubStore(hubDb);
    let listener: string;
    try {
      listener = (await store.createKey({ role: 'node', scope: SCOPE, name: 'bench-live-listener' })).key;
    } finally {
      await store.close();
    }
    if (opts.seedRows > 0) seedOrders(hubDb, opts.seedRows);
    hub = await startHubProcess(hubDb);
    agent = await AgentProcess.start({
      dbPath: agentDb,
      url: hub.url,
      apiKey: base.node,
      entities: [ORDERS_PULL, PRODUCTS_PUSH],
      intervalMinutes: 24 * 60,
    });
    const started = clock();
    while (agent.state !== 'online') {
      check(clock() - started < START_TIMEOUT_MS, `agent not online after ${START_TIMEOUT_MS / 1000} s (state ${agent.state || 'unknown'})`);
      await agent.waitFor((m) => m.type === 'run', 1000, 'agent state').catch((error: unknown) => {
        if (agent?.gone) throw error;
      });
    }
    await agent.quiet(500, START_TIMEOUT_MS, `${label}: startup sync`);
    check(agent.errors.length === 0, `agent reported errors during startup: ${agent.errors.join(', ')}`);
    progress(`${label}: agent online and idle after ${fmt(clock() - started)} ms`);
    return await fn({ hub, agent, keys: { ...base, listener }, hubDb, agentDb });
  } finally {
    await agent?.stop();
    await hub?.stop();
    dir.remove();
  }
}

function readAgentDb<T>(agentDb: string, fn: (db: Database.Database) => T): T {
  const db = new Database(agentDb, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}

function runsByTrigger(agentDb: string, sinceId: number): { byTrigger: string; notDone: number; emptyLive: number; lastId: number } {
  return readAgentDb(agentDb, (db) => {
    const rows = db
      .prepare<[number], { trigger: string; n: number }>('SELECT trigger, COUNT(*) AS n FROM sync_runs WHERE id > ? GROUP BY trigger ORDER BY trigger')
      .all(sinceId);
    const notDone = db.prepare<[number], { n: number }>("SELECT COUNT(*) AS n FROM sync_runs WHERE id > ? AND status <> 'DONE'").get(sinceId)!.n;
    const emptyLive = db
      .prepare<[number], { n: number }>("SELECT COUNT(*) AS n FROM sync_runs WHERE id > ? AND trigger = 'live' AND progress = '{}'")
      .get(sinceId)!.n;
    const lastId = db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM sync_runs').get()?.id ?? 0;
    return { byTrigger: rows.map((r) => `${r.trigger} ${r.n}`).join(', ') || 'none', notDone, emptyLive, lastId };
  });
}

function lastRunId(agentDb: string): number {
  return runsByTrigger(agentDb, Number.MAX_SAFE_INTEGER).lastId;
}

/** Random phase against the agent's 40 ms local-write timer, so no change lands on a fixed point of it. */
function jitter(): Promise<unknown> {
  return sleep(Math.random() * LOCAL_POLL_MS);
}

// ---------------------------------------------------------------------------------------------
// Latency samples
// ---------------------------------------------------------------------------------------------

interface LatencySample {
  readonly latencies: readonly number[];
  readonly notes: readonly string[];
  measuredBy: string;
}

function spread(values: readonly number[], digits = 2): string {
  return (
    `p50 ${fmt(percentile(values, 50), digits)}, p95 ${fmt(percentile(values, 95), digits)}, p99 ${fmt(percentile(values, 99), digits)}, ` +
    `min ${fmt(Math.min(...values), digits)}, max ${fmt(Math.max(...values), digits)} ms`
  );
}

/** The agent's run that started within [from, to], if any. */
function runWithin(agent: AgentProcess, from: number, to: number): RunSpan | undefined {
  for (let i = agent.runs.length - 1; i >= 0; i--) {
    const run = agent.runs[i]!;
    if (run.start < from) return undefined;
    if (run.start <= to) return run;
  }
  return undefined;
}

/** Hub admin PUT of one order → the row committed in the agent's SQLite file. */
async function measureHubToLocal(): Promise<LatencySample> {
  return withLiveSession('live-h2l', { seedRows: 0 }, async ({ hub, agent, keys, agentDb }) => {
    const offset = await agent.clockOffset();
    const firstRun = lastRunId(agentDb);
    const total = LIVE_SIZES.warmup + LIVE_SIZES.changes;
    const latencies: number[] = [];
    const putMs: number[] = [];
    const toRunStart: number[] = [];
    const runToRow: number[] = [];
    const createdAt = new Date().toISOString();
    progress(`live hub → local: ${LIVE_SIZES.warmup} warm-up + ${LIVE_SIZES.changes} measured changes, one at a time`);
    for (let i = 1; i <= total; i++) {
      await agent.quiet(QUIET_MS, CHANGE_TIMEOUT_MS, `hub → local change ${i}`);
      await jitter();
      const key = `live-${String(i).padStart(6, '0')}`;
      const id = agent.send({ cmd: 'watch', table: 'orders', column: 'id', key });
      const arrived = agent.waitFor((m) => m.type === 'arrived' && m.id === id, CHANGE_TIMEOUT_MS + 2000, `hub → local change ${i} (${key})`);
      arrived.catch(() => undefined);
      await agent.waitFor((m) => m.type === 'watching' && m.id === id, 2000, 'watch ack');
      const t0 = clock();
      await adminPut(hub.url, keys.admin, 'orders', key, { ...orderData(i, createdAt), id: key });
      const tPut = clock();
      const at = (await arrived).t;
      const latency = at - t0;
      check(latency > 0, `change ${i} arrived before it was written (${fmt(latency, 3)} ms): clocks disagree`);
      check(latency < CHANGE_TIMEOUT_MS, `change ${i} took ${fmt(latency)} ms`);
      if (i <= LIVE_SIZES.warmup) continue;
      latencies.push(latency);
      putMs.push(tPut - t0);
      const run = runWithin(agent, t0, at);
      if (run) {
        toRunStart.push(run.start - t0);
        runToRow.push(at - run.start);
      }
      if (i % 100 === 0) progress(`live hub → local: ${i}/${total}, median so far ${fmt(median(latencies), 2)} ms`);
    }
    await agent.quiet(QUIET_MS, CHANGE_TIMEOUT_MS, 'hub → local: final');
    const local = readAgentDb(agentDb, (db) => db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM orders WHERE id LIKE 'live-%'").get()!.n);
    check(local === total, `agent database holds ${local} of the ${total} hub rows`);
    const runs = runsByTrigger(agentDb, firstRun);
    check(runs.notDone === 0, `${runs.notDone} agent runs did not end DONE`);
    check(!/schedule/.test(runs.byTrigger), `a scheduled (polling) run moved data: ${runs.byTrigger}`);
    check(agent.errors.length === 0, `agent reported errors: ${agent.errors.join(', ')}`);
    return {
      latencies,
      measuredBy: '',
      notes: [
        `${latencies.length} sequential admin PUTs (after ${LIVE_SIZES.warmup} warm-up), each once the agent had been idle ≥ ${QUIET_MS} ms + 0–${LOCAL_POLL_MS} ms random;`,
        `  latency = agent-side stamp right after the COMMIT holding the row − parent stamp just before the PUT: ${spread(latencies)}`,
        `  split (medians): PUT round trip ${fmt(median(putMs), 2)} ms; PUT start → agent run start ${fmt(median(toRunStart), 2)} ms ` +
          `(hub commit + socket.io event + ${LIVE_DEBOUNCE_MS} ms debounce); run start → row committed ${fmt(median(runToRow), 2)} ms (run bookkeeping + GET /v1/pull + apply)` +
          (toRunStart.length < latencies.length ? `; ${latencies.length - toRunStart.length} changes had no run start in the window` : ''),
        `  clock offset agent − parent ${fmt(offset.offsetMs, 3)} ms (± ${fmt(offset.rttMs / 2, 3)} ms, best of 30 pings; not corrected)`,
        `  verified: all ${total} rows in the agent file (own read-only connection); agent runs since start: ${runs.byTrigger}, all DONE, no polling run`,
      ],
    };
  });
}

/** POS insert into the agent's SQLite file → the hub's `changes` event for it (socket.io, second node key). */
async function measureLocalToHub(): Promise<LatencySample> {
  return withLiveSession('live-l2h', { seedRows: 0 }, async ({ hub, agent, keys, hubDb, agentDb }) => {
    const events: { entity: string; cursor: number; t: number }[] = [];
    const waiters = new Set<() => void>();
    const socket: Socket = io(`${hub.url}/sync`, { auth: { apiKey: keys.listener }, transports: ['websocket'], reconnection: false, timeout: 10_000 });
    const app = new Database(agentDb);
    try {
      socket.on('changes', (payload: { entity: string; cursor: number }) => {
        events.push({ entity: payload.entity, cursor: payload.cursor, t: clock() });
        for (const w of [...waiters]) w();
      });
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', (error) => reject(error));
        }),
        10_000,
        'listener socket connect',
      );
      const nextEvent = (after: number, timeoutMs: number): Promise<{ entity: string; cursor: number; t: number }> => {
        let waiter: (() => void) | undefined;
        const promise = new Promise<{ entity: string; cursor: number; t: number }>((resolve) => {
          waiter = () => {
            const e = events.find((ev) => ev.entity === 'products' && ev.cursor > after);
            if (e) resolve(e);
          };
          waiters.add(waiter);
          waiter();
        });
        return withTimeout(promise, timeoutMs, 'hub changes event').finally(() => {
          if (waiter) waiters.delete(waiter);
        });
      };

      app.pragma('busy_timeout = 5000');
      const insert = app.prepare('INSERT INTO products (id, name, category, price, stock, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
      const firstRun = lastRunId(agentDb);
      const total = LIVE_SIZES.warmup + LIVE_SIZES.changes;
      const latencies: number[] = [];
      const insertMs: number[] = [];
      const toRunStart: number[] = [];
      const runToHub: number[] = [];
      let cursor = 0;
      progress(`live local → hub: ${LIVE_SIZES.warmup} warm-up + ${LIVE_SIZES.changes} measured changes, one at a time`);
      for (let i = 1; i <= total; i++) {
        await agent.quiet(QUIET_MS, CHANGE_TIMEOUT_MS, `local → hub change ${i}`);
        await jitter();
        events.length = 0;
        const id = `live-${String(i).padStart(6, '0')}`;
        const t0 = clock();
        insert.run(id, `Live product ${i}`, 'drinks', 2.5 + (i % 100) / 10, i % 50, new Date().toISOString());
        const tInserted = clock();
        const event = await nextEvent(cursor, CHANGE_TIMEOUT_MS);
        cursor = event.cursor;
        const latency = event.t - t0;
        if (i <= LIVE_SIZES.warmup) continue;
        latencies.push(latency);
        insertMs.push(tInserted - t0);
        const run = runWithin(agent, t0, event.t);
        if (run) {
          toRunStart.push(run.start - t0);
          runToHub.push(event.t - run.start);
        }
        if (i % 100 === 0) progress(`live local → hub: ${i}/${total}, median so far ${fmt(median(latencies), 2)} ms`);
      }
      await agent.quiet(QUIET_MS, CHANGE_TIMEOUT_MS, 'local → hub: final');
      const onHub = countHubRows(hubDb, 'products', 'live-');
      check(onHub === total, `hub holds ${onHub} of the ${total} local rows`);
      const pending = readAgentDb(agentDb, (db) => db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sync_outbox WHERE status = 'pending'").get()!.n);
      check(pending === 0, `${pending} outbox rows still pending`);
      const runs = runsByTrigger(agentDb, firstRun);
      check(runs.notDone === 0, `${runs.notDone} agent runs did not end DONE`);
      check(!/schedule/.test(runs.byTrigger), `a scheduled (polling) run moved data: ${runs.byTrigger}`);
      check(agent.errors.length === 0, `agent reported errors: ${agent.errors.join(', ')}`);
      return {
        latencies,
        measuredBy: '',
        notes: [
          `${latencies.length} sequential single-row inserts by a second connection (the POS, autocommit) into the agent's file (after ${LIVE_SIZES.warmup} warm-up),`,
          `  each once the agent had been idle ≥ ${QUIET_MS} ms + 0–${LOCAL_POLL_MS} ms random (local-write poll at its default ${LOCAL_POLL_MS} ms);`,
          `  latency = hub's socket.io \`changes\` event received by a second node key − stamp just before the INSERT: ${spread(latencies)}`,
          `  split (medians): the INSERT itself (capture trigger + commit) ${fmt(median(insertMs), 2)} ms; INSERT start → agent run start ` +
            `${fmt(median(toRunStart), 2)} ms (waiting for the ${LOCAL_POLL_MS} ms data_version poll + outbox counts); run start → hub event ${fmt(median(runToHub), 2)} ms (run bookkeeping + POST /v1/push + hub commit)` +
            (toRunStart.length < latencies.length ? `; ${latencies.length - toRunStart.length} changes had no run start in the window` : ''),
          `  verified: all ${total} rows on the hub, outbox empty; agent runs since start: ${runs.byTrigger}, all DONE, no polling run` +
            (runs.emptyLive > 0 ? ` — ${runs.emptyLive} of them are empty 'live' runs started by the hub echoing the agent's own push` : ''),
        ],
      };
    } finally {
      socket.removeAllListeners();
      socket.disconnect();
      app.close();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Idle cost
// ---------------------------------------------------------------------------------------------

interface IdleSample {
  readonly cpuPercent: number;
  readonly rssMb: number;
  readonly notes: readonly string[];
  measuredBy: string;
}

const MB = 1024 * 1024;

/** VmRSS of a process in bytes (Linux /proc), or null elsewhere. */
function procRss(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** utime + stime of a process in seconds (Linux /proc, clock-tick resolution), or null elsewhere. */
function procCpuSeconds(pid: number, ticksPerSecond: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** On-CPU time of all threads of a process in ms (Linux schedstat, ns resolution), or null elsewhere. */
function procCpuMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // thread gone meanwhile
      }
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

interface Baseline {
  readonly name: string;
  /** CPU % and RSS (bytes) since `begin()`; null where /proc is missing. */
  readonly result: () => { cpuPercent: number; rss: number } | null;
  begin(): void;
  stop(): Promise<void>;
}

/**
 * An idle Node process with an empty event loop (kept alive by stdin), for scale: what the agent
 * child's CPU and RSS include before any agent code runs. Linux only (reads /proc).
 */
function startBaseline(name: string, nodeArgs: string[]): Baseline {
  const child = spawn(process.execPath, [...nodeArgs, '-e', 'process.stdin.on("end", () => process.exit(0)); process.stdin.resume();'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const exited = once(child, 'exit');
  let from: { cpu: number; t: number } | null = null;
  return {
    name,
    begin() {
      const cpu = child.pid ? procCpuMs(child.pid) : null;
      from = cpu === null ? null : { cpu, t: clock() };
    },
    result() {
      const cpu = child.pid ? procCpuMs(child.pid) : null;
      const rss = child.pid ? procRss(child.pid) : null;
      if (!from || cpu === null || rss === null) return null;
      return { cpuPercent: ((cpu - from.cpu) / (clock() - from.t)) * 100, rss };
    },
    async stop() {
      child.stdin.end();
      await withTimeout(exited, 5000, `${name} baseline exit`).catch(() => child.kill('SIGKILL'));
    },
  };
}

async function usage(agent: AgentProcess): Promise<{ t: number; cpuMs: number; userMs: number; rss: number }> {
  const u = await agent.request({ cmd: 'usage' }, 'usage');
  return { t: u.t, cpuMs: (Number(u.userUs) + Number(u.systemUs)) / 1000, userMs: Number(u.userUs) / 1000, rss: Number(u.rss) };
}

async function measureIdle(): Promise<IdleSample> {
  return withLiveSession('live-idle', { seedRows: LIVE_SIZES.idleSeedRows }, async ({ agent, agentDb }) => {
    const seconds = LIVE_SIZES.idleSeconds;
    const pulled = readAgentDb(agentDb, (db) => db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM orders').get()!.n);
    check(pulled === LIVE_SIZES.idleSeedRows, `startup sync pulled ${pulled} of ${LIVE_SIZES.idleSeedRows} orders`);
    const runsBefore = agent.runs.length;
    const linux = existsSync('/proc/self/status');
    const baselines = linux ? [startBaseline('bare node', []), startBaseline('node --import tsx', ['--import', 'tsx'])] : [];
    try {
      // Settle: the startup's tail (module compilation, JIT, GC of the startup sync's garbage) is
      // not idling. V8's memory reducer (full GCs shrinking the heap, ~0.2 s CPU once) fires at an
      // unpredictable point 10–100 s after activity; when it lands in the window it is counted and
      // shows in the per-second line.
      progress(`idle: agent online; settling ${LIVE_SIZES.idleSettleSeconds} s, then sampling agent child ${agent.pid} for ${seconds} s`);
      const settle = await usage(agent);
      await sleep(LIVE_SIZES.idleSettleSeconds * 1000);
      const ticks = clockTicks();
      const a = await usage(agent);
      const procA = procCpuSeconds(agent.pid, ticks);
      for (const b of baselines) b.begin();
      const procRssSamples: number[] = [];
      // Per-second CPU (Linux schedstat): shows whether the window is steady or holds a burst (a GC).
      const perSecond: number[] = [];
      let last = { cpu: procCpuMs(agent.pid), t: clock() };
      const end = a.t + seconds * 1000;
      while (clock() < end - 1000) {
        await sleep(1000);
        const r = procRss(agent.pid);
        if (r !== null) procRssSamples.push(r);
        const now = { cpu: procCpuMs(agent.pid), t: clock() };
        if (now.cpu !== null && last.cpu !== null) perSecond.push(((now.cpu - last.cpu) / (now.t - last.t)) * 100);
        last = now;
      }
      await sleep(Math.max(0, end - clock()));
      const procB = procCpuSeconds(agent.pid, ticks);
      const b = await usage(agent);
      const base = baselines.map((x) => ({ name: x.name, r: x.result() }));

      const wallS = (b.t - a.t) / 1000;
      const cpuPercent = ((b.cpuMs - a.cpuMs) / (b.t - a.t)) * 100;
      const runsDuring = agent.runs.length - runsBefore;
      check(runsDuring === 0, `the agent ran ${runsDuring} sync run(s) after startup, during the settle or idle window`);
      check(agent.state === 'online', `agent is ${agent.state} at the end of the idle window`);
      const allRss = [a.rss, b.rss, ...procRssSamples];
      const rssMb = Math.max(...allRss) / MB;
      const procCpu = procA !== null && procB !== null ? ((procB - procA) / wallS) * 100 : null;
      const settlePercent = ((a.cpuMs - settle.cpuMs) / (a.t - settle.t)) * 100;
      const baseText = base
        .filter((x) => x.r)
        .map((x) => `${x.name} ${fmt(x.r!.cpuPercent, 3)}% CPU, ${fmt(x.r!.rss / MB, 1)} MB`)
        .join('; ');
      return {
        cpuPercent,
        rssMb,
        measuredBy: '',
        notes: [
          `agent child (pid ${agent.pid}) online with ${fmt(pulled)} pulled orders, no writes anywhere, live socket open, local-write poll every ${LOCAL_POLL_MS} ms;`,
          `  window ${fmt(wallS, 2)} s after a ${LIVE_SIZES.idleSettleSeconds} s settle: CPU ${fmt(b.cpuMs - a.cpuMs, 1)} ms (user ${fmt(b.userMs - a.userMs, 1)} ms) ` +
            `by process.cpuUsage() = ${fmt(cpuPercent, 3)}% of one core` +
            (procCpu !== null ? `; /proc utime+stime says ${fmt(procCpu, 3)}% (${ticks} ticks/s resolution)` : ''),
          ...(perSecond.length > 0
            ? [
                `  per second (/proc schedstat): median ${fmt(median(perSecond), 3)}%, max ${fmt(Math.max(...perSecond), 3)}%` +
                  (Math.max(...perSecond) > 5 * Math.max(median(perSecond), 0.1)
                    ? a.rss - b.rss > 10 * MB
                      ? ` — a burst in the window while RSS fell ${fmt((a.rss - b.rss) / MB, 1)} MB: V8 shrinking the heap once after activity`
                      : ' — a burst in the window'
                    : ''),
              ]
            : []),
          `  RSS: max ${fmt(rssMb, 1)} MB (MiB) of ${allRss.length} samples (window start ${fmt(a.rss / MB, 1)}, end ${fmt(b.rss / MB, 1)})`,
          `  settle (not counted): ${fmt(a.cpuMs - settle.cpuMs, 1)} ms CPU in ${fmt((a.t - settle.t) / 1000, 1)} s = ${fmt(settlePercent, 3)}%, ` +
            `RSS ${fmt(settle.rss / MB, 1)} → ${fmt(a.rss / MB, 1)} MB`,
          ...(baseText ? [`  for scale, idle processes over the same window: ${baseText} (the agent child runs under tsx; a compiled install does not)`] : []),
          `  verified: no sync run after startup, connection state online`,
        ],
      };
    } finally {
      for (const x of baselines) await x.stop();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Metric definitions
// ---------------------------------------------------------------------------------------------

function shared<T extends { measuredBy: string }>(measure: () => Promise<T>): (by: string) => Promise<T> {
  let sample: Promise<T> | null = null;
  return (by) => {
    sample ??= measure().then((s) => {
      s.measuredBy = by;
      return s;
    });
    return sample;
  };
}

const hubToLocal = shared(measureHubToLocal);
const localToHub = shared(measureLocalToHub);
const idle = shared(measureIdle);

function latencyMetric(direction: 'hub_to_local' | 'local_to_hub', p: 50 | 95 | 99, target: number): MetricDef {
  const name = `live_${direction}_p${p}_ms`;
  const sample = direction === 'hub_to_local' ? hubToLocal : localToHub;
  const what = direction === 'hub_to_local' ? 'hub admin write → row in the local DB' : 'local write → change committed on the hub';
  return {
    name,
    unit: 'ms',
    target,
    kind: 'max',
    digits: 2,
    description: `p${p} propagation latency ${what} (live agent, ${LIVE_SIZES.changes} sequential changes)`,
    async run(): Promise<MetricResult> {
      const s = await sample(name);
      return {
        value: percentile(s.latencies, p),
        notes: s.measuredBy === name ? s.notes : [`same sample as ${s.measuredBy}: ${spread(s.latencies)}`],
      };
    },
  };
}

/**
 * Targets from the issue: hub → local p99 ≤ 25 ms and local → hub p99 ≤ 100 ms on loopback; the
 * p50/p95 rows carry the same bound (a percentile below p99 that misses it says more).
 */
export const LIVE_METRICS: readonly MetricDef[] = [
  latencyMetric('hub_to_local', 50, 25),
  latencyMetric('hub_to_local', 95, 25),
  latencyMetric('hub_to_local', 99, 25),
  latencyMetric('local_to_hub', 50, 100),
  latencyMetric('local_to_hub', 95, 100),
  latencyMetric('local_to_hub', 99, 100),
  {
    name: 'idle_cpu_percent',
    unit: '%',
    target: 1,
    kind: 'max',
    strict: true,
    digits: 3,
    description: `CPU of an idle, online agent over ${LIVE_SIZES.idleSeconds} s (% of one core)`,
    async run(): Promise<MetricResult> {
      const s = await idle('idle_cpu_percent');
      return { value: s.cpuPercent, notes: s.measuredBy === 'idle_cpu_percent' ? s.notes : [`same window as ${s.measuredBy}`] };
    },
  },
  {
    name: 'idle_rss_mb',
    unit: 'MB',
    target: 150,
    kind: 'max',
    strict: true,
    digits: 1,
    description: `peak RSS of an idle, online agent over ${LIVE_SIZES.idleSeconds} s`,
    async run(): Promise<MetricResult> {
      const s = await idle('idle_rss_mb');
      return { value: s.rssMb, notes: s.measuredBy === 'idle_rss_mb' ? s.notes : [`same window as ${s.measuredBy}`] };
    },
  },
];
