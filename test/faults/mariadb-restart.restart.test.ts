/**
 * The MariaDB server itself stopped and started again (not only connections killed) while a POS
 * process writes through the capture triggers and a real agent process syncs to a real hub
 * process. The server on 127.0.0.1:3306 is the machine's: it is stopped with `mysqladmin shutdown`
 * or SIGTERM, kept down a few seconds, and started the way the machine's CI starts it
 * (`start-stop-daemon --start --background --exec /usr/sbin/mariadbd`, same data dir).
 *
 * Other test files use that server, so this one never runs inside `npm test`: vitest.config.ts
 * leaves `*.restart.test.ts` out unless FAULTS_TIER=full (`npm run test:faults`, which runs the
 * files one after another). A finally block always leaves the server running.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { expect } from 'vitest';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { test, waitFor } from '../helpers/fixtures.js';
import { MYSQL, type LocalStore } from '../helpers/local-store.js';
import { check, clean, parseJournal, readLocal, readSqliteHub } from './checker.js';
import { FAULT_ENTITIES, finishPos, prepareShop, settle, startBackend, startPos } from './scenario.js';
import { record, seeded, TIMEOUT } from './tier.js';

const run = promisify(execFile);

/** Server restarts (full tier only: this file runs nowhere else). */
const RESTARTS = 3;
/** The agent notices a local commit within ~40 ms and its pool dials again at once: a restart may cost it this much at most. */
const RECOVERY_LIMIT_MS = 30_000;
/** How long a round waits for the agent to push its backlog before it is counted as not recovered. */
const RECOVERY_WAIT_MS = 60_000;
/** After the POS stops, how long the agent gets to empty its outbox by itself (covers one 5-minute schedule poll). */
const DRAIN_WAIT_MS = 330_000;
const MARIADBD = '/usr/sbin/mariadbd';
const ADMIN_ARGS = ['-h', MYSQL.host, '-P', String(MYSQL.port), '-u', MYSQL.user];
const AGENT = fileURLToPath(new URL('./agent-proc.ts', import.meta.url));
const HUB = fileURLToPath(new URL('./hub-proc.ts', import.meta.url));
/** The agent's one-agent-per-database lock (src/core/engine-lock.ts: `dovetail:` + outbox table). */
const LOCK_NAME = 'dovetail:sync_outbox';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ping(): Promise<boolean> {
  try {
    await run('mysqladmin', [...ADMIN_ARGS, '--connect-timeout=2', 'ping'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Running mariadbd processes (a zombie left for init to reap counts as gone). */
async function serverPids(): Promise<number[]> {
  const { stdout } = await run('pgrep', ['-x', 'mariadbd']).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
}

/** Polls (bounded) until no mariadbd process is left: a shutdown returns before the server has exited. */
async function waitServerGone(timeoutMs: number): Promise<void> {
  await waitFor(async () => (await serverPids()).length === 0, timeoutMs, 'mariadbd to exit');
}

/** Stops the server; resolves once its process has exited. */
async function stopServer(how: 'shutdown' | 'SIGTERM'): Promise<void> {
  const pids = await serverPids();
  if (pids.length !== 1) throw new Error(`expected one mariadbd, found ${JSON.stringify(pids)}`);
  if (how === 'shutdown') await run('mysqladmin', [...ADMIN_ARGS, 'shutdown'], { timeout: 30_000 });
  else process.kill(pids[0]!, 'SIGTERM');
  await waitServerGone(60_000);
}

/** Starts the server as CI does and polls `mysqladmin ping` (bounded). */
async function startServer(): Promise<void> {
  await run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', MARIADBD], { timeout: 10_000 });
  await waitFor(ping, 60_000, 'mariadbd to answer ping');
}

/** Whatever happened, leave a server that answers: wait out a start or stop in progress, then start it. */
async function ensureServerRunning(): Promise<void> {
  if (await ping()) return;
  const deadline = Date.now() + 30_000;
  while ((await serverPids()).length > 0 && Date.now() < deadline) {
    if (await ping()) return;
    await sleep(250);
  }
  if ((await serverPids()).length > 0) throw new Error('mariadbd runs but does not answer ping after 30 s');
  await startServer();
}

/** One query on a fresh connection (connections do not survive a restart). */
async function query<T>(sql: string, params: unknown[] = [], database?: string): Promise<T[]> {
  const conn = await mysql.createConnection({ ...MYSQL, database, dateStrings: true, connectTimeout: 5000 });
  try {
    return (await conn.query(sql, params))[0] as T[];
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

/** The single row of a one-row query on a fresh connection. */
async function one<T>(sql: string, params: unknown[] = [], database?: string): Promise<T> {
  const [row] = await query<T>(sql, params, database);
  if (!row) throw new Error(`no row from ${sql}`);
  return row;
}

/** The shop database as a LocalStore for the checker, on a connection opened after the restarts. */
async function openShop(database: Record<string, unknown>, name: string): Promise<LocalStore> {
  const conn = await mysql.createConnection({ ...MYSQL, database: name, dateStrings: true });
  return {
    kind: 'mysql',
    database,
    connectionId: conn.threadId,
    run: async (sql, params = []) => {
      await conn.query(sql, params);
    },
    all: async <T>(sql: string, params: unknown[] = []) => (await conn.query(sql, params))[0] as T[],
    close: () => conn.end(),
  };
}

/** Stdout lines of a child with the time each was first seen (polled every 20 ms). */
function timeLines(child: Child): { lines: { at: number; line: string }[]; stop(): void } {
  const lines: { at: number; line: string }[] = [];
  const timer = setInterval(() => {
    while (lines.length < child.lines.length) lines.push({ at: Date.now(), line: child.lines[lines.length]! });
  }, 20);
  return { lines, stop: () => clearInterval(timer) };
}

const alive = (child: Child) => child.process.exitCode === null && child.process.signalCode === null;

test(
  `MariaDB server stopped and restarted ${RESTARTS}× while the POS writes and the agent process syncs: nothing lost or doubled, agent alive and online`,
  { timeout: TIMEOUT },
  async ({ dir }) => {
    const rng = seeded();
    const started = Date.now();
    expect(await ping()).toBe(true);
    const { datadir } = await one<{ datadir: string }>('SELECT @@datadir AS datadir');
    const name = `dovetail_restart_${randomBytes(5).toString('hex')}`;
    await query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const database = { type: 'mysql', ...MYSQL, database: name };

    const hubPath = join(dir, 'hub.db');
    let hub: Child | null = null;
    let agent: Child | null = null;
    let pos: Child | null = null;
    let backend: { stop(): Promise<number> } | null = null;
    let agentTimes: ReturnType<typeof timeLines> | null = null;
    try {
      const keys = new SqliteHubStore(hubPath);
      const apiKey = (await keys.createKey({ role: 'node', scope: 'shop-1', name: 'pos-1' })).key;
      const adminKey = (await keys.createKey({ role: 'admin', scope: '*', name: 'backend' })).key;
      await keys.close();
      hub = spawnTsx(HUB, [hubPath, '0']);
      const hubChild = hub;
      const hubLine = await waitFor(() => hubChild.lines.find((l) => l.startsWith('{')) ?? (alive(hubChild) ? null : 'exit'), 20_000, 'the hub to listen');
      if (hubLine === 'exit') throw new Error(`hub exited: ${hub.stderr()}`);
      const url = (JSON.parse(hubLine) as { url: string }).url;

      await prepareShop(database, url, apiKey);
      backend = startBackend(url, adminKey, { everyMs: 100, max: 3000 });
      agent = spawnTsx(AGENT, [JSON.stringify({ database, url, apiKey, entities: FAULT_ENTITIES, pushBatchSize: 50, pullPageSize: 50, maxBackoffMs: 2000 })]);
      const agentChild = agent;
      agentTimes = timeLines(agent);
      const times = agentTimes;
      const lastState = () => {
        const line = [...agentChild.lines].reverse().find((l) => l.startsWith('state '));
        return line ? (JSON.parse(line.slice(6)) as { state: string; live: boolean; error: string | null }) : null;
      };
      await waitFor(() => agentChild.lines.includes('ready') || !alive(agentChild), 20_000, 'the agent to start');
      expect(agentChild.lines, agentChild.stderr()).toContain('ready');
      await waitFor(() => lastState()?.state === 'online', 15_000, 'the agent to be online');
      const lockBefore = (await one<{ holder: number | null }>('SELECT IS_USED_LOCK(?) AS holder', [LOCK_NAME])).holder;

      pos = await startPos({
        database: database as never,
        prefix: 'mr',
        count: 100_000, // bound only: stopped through stdin once the restarts are over
        updateEvery: 4,
        pauseMs: 8,
        failPauseMs: 100,
        connections: 2,
        holdMs: 3,
        reconnect: true,
      });
      const posChild = pos;
      await sleep(2000);

      const rounds: {
        how: 'shutdown' | 'SIGTERM';
        /** From the stop command to the server process gone. */
        stopMs: number;
        /** From the stop command to `mysqladmin ping` answering again. */
        downMs: number;
        /** After ping answered: the agent's first DONE run, and every change committed before the stop pushed. */
        firstDoneMs: number | null;
        caughtUpMs: number | null;
        /** Outbox entries waiting when the server came back. */
        backlog: number;
        agentLinesWhileDown: string[];
        /** The agent's first lines once the server answered (runs and state changes), with ms since. */
        agentLinesAfter: string[];
        lockHolderAfter: number | null;
        posFailsWhileDown: number;
      }[] = [];
      for (let round = 0; round < RESTARTS; round++) {
        const how = round % 2 === 0 ? 'shutdown' : 'SIGTERM';
        const hold = 1000 + Math.floor(rng.next() * 7000);
        const agentMark = times.lines.length;
        const posMark = posChild.lines.length;
        const stopAt = Date.now();
        await stopServer(how);
        const stopMs = Date.now() - stopAt;
        await sleep(hold);
        await startServer();
        const backAt = Date.now();
        const { datadir: after } = await one<{ datadir: string }>('SELECT @@datadir AS datadir');
        expect(after).toBe(datadir);
        // Everything committed before the server went away, plus what the POS wrote since it is back.
        const { seq } = await one<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM sync_outbox', [], name);
        const { backlog } = await one<{ backlog: number }>('SELECT COUNT(*) AS backlog FROM sync_outbox', [], name);
        const lockHolderAfter = (await one<{ holder: number | null }>('SELECT IS_USED_LOCK(?) AS holder', [LOCK_NAME])).holder;
        // Measured, not awaited forever: a round whose backlog the agent leaves waiting is recorded as such.
        const caughtUpAt = await waitFor(
          async () => {
            const { left } = await one<{ left: number }>('SELECT COUNT(*) AS `left` FROM sync_outbox WHERE seq <= ?', [seq ?? 0], name);
            return Number(left) === 0 ? Date.now() : null;
          },
          RECOVERY_WAIT_MS,
          `the agent to push the changes committed before restart ${round + 1}`,
        ).catch(() => null);
        const done = await waitFor(
          () => times.lines.slice(agentMark).find((l) => l.at >= backAt && l.line.startsWith('run ') && l.line.includes('"status":"DONE"')),
          10_000,
          'a DONE run',
        ).catch(() => null);
        rounds.push({
          how,
          stopMs,
          downMs: backAt - stopAt,
          firstDoneMs: done ? done.at - backAt : null,
          caughtUpMs: caughtUpAt === null ? null : caughtUpAt - backAt,
          backlog: Number(backlog),
          agentLinesWhileDown: times.lines.slice(agentMark).filter((l) => l.at < backAt).map((l) => l.line).slice(0, 20),
          agentLinesAfter: times.lines.slice(agentMark).filter((l) => l.at >= backAt).map((l) => `+${l.at - backAt} ms ${l.line}`).slice(0, 10),
          lockHolderAfter,
          posFailsWhileDown: posChild.lines.slice(posMark).filter((l) => l.startsWith('fail ')).length,
        });
        expect(alive(agentChild), `agent process ended after restart ${round + 1}: ${agentChild.stderr().slice(-2000)}`).toBe(true);
        await sleep(1000 + rng.next() * 2000);
      }

      // Some more normal trade after the last restart, then the POS stops.
      await sleep(2000);
      const lines = await finishPos(posChild, 30_000);
      const drainedFrom = Date.now();
      const drainedAt = await waitFor(
        async () => (Number((await one<{ n: number }>('SELECT COUNT(*) AS n FROM sync_outbox', [], name)).n) === 0 ? Date.now() : null),
        DRAIN_WAIT_MS,
        'the agent to drain the outbox',
      ).catch(() => null);
      const drainedMs = drainedAt === null ? null : drainedAt - drainedFrom;
      const adminWrites = await backend.stop();
      backend = null;
      // The customers the backend wrote on the hub reach the shop through the agent's pulls.
      const customersMissing = async () => {
        const hubCustomers = readSqliteHub(hubPath, 'shop-1', 'customers').rows;
        const shop = new Map((await query<{ id: string; first_name: string }>('SELECT id, first_name FROM customers', [], name)).map((r) => [r.id, r.first_name]));
        return { hub: hubCustomers.size, missing: [...hubCustomers].filter(([id, row]) => shop.get(id) !== row?.first_name).length };
      };
      await waitFor(async () => (await customersMissing()).missing === 0, 30_000, 'the agent to pull every customer').catch(() => undefined);
      const customers = await customersMissing();
      const agentAlive = alive(agentChild);
      const finalState = lastState();
      const lockHolderEnd = (await one<{ holder: number | null }>('SELECT IS_USED_LOCK(?) AS holder', [LOCK_NAME])).holder;
      // A clean stop: the agent drains and exits 0.
      agentChild.process.stdin.end();
      const agentExit = await Promise.race([agentChild.exited, sleep(30_000).then(() => 'still running')]);
      times.stop();
      // The run history the agent keeps (the newest runs only): runs that could not even be recorded while the server was down are not in it.
      const runs = await query<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM sync_runs GROUP BY status', [], name);
      const runErrors = (await query<{ error: string }>("SELECT DISTINCT error FROM sync_runs WHERE error IS NOT NULL LIMIT 10", [], name)).map((r) => r.error);

      await settle(database, url, apiKey);
      const shop = await openShop(database, name);
      let verdict;
      try {
        verdict = check(parseJournal(lines), await readLocal(shop), readSqliteHub(hubPath, 'shop-1', 'products'), adminWrites);
      } finally {
        await shop.close();
      }
      const unknown = lines.filter((l) => l.startsWith('unknown '));
      const figures = {
        seed: rng.seed,
        ...verdict,
        restarts: rounds.length,
        rounds,
        maxRecoveryMs: rounds.some((r) => r.caughtUpMs === null) ? null : Math.max(...rounds.map((r) => r.caughtUpMs ?? 0)),
        recoveryWaitMs: RECOVERY_WAIT_MS,
        maxFirstDoneMs: rounds.some((r) => r.firstDoneMs === null) ? null : Math.max(...rounds.map((r) => r.firstDoneMs ?? 0)),
        drainedMs,
        posFailedWrites: lines.filter((l) => l.startsWith('fail ')).length,
        posReconnects: lines.filter((l) => l.startsWith('conn ')).length - 2,
        commitsUnknown: unknown.length,
        commitsUnknownCommitted: unknown.filter((l) => l.endsWith(' committed')).length,
        adminWrites,
        customersOnHub: customers.hub,
        customersMissing: customers.missing,
        agentAlive,
        agentFinalState: finalState,
        agentExit,
        agentStderr: agent.stderr().slice(-1000),
        runsKept: Object.fromEntries(runs.map((r) => [r.status, Number(r.n)])),
        runErrors,
        lockHolderBefore: lockBefore,
        lockHolderEnd,
        elapsedMs: Date.now() - started,
      };
      record('mariadb-restart', figures);

      expect(rounds).toHaveLength(RESTARTS);
      expect(agentAlive, agent.stderr()).toBe(true);
      expect(finalState?.state).toBe('online');
      expect(agentExit).toBe(0);
      // Recovered by itself: every change committed before a stop pushed soon after the server is back, the outbox emptied.
      expect(rounds.map((r) => r.caughtUpMs ?? Infinity).every((ms) => ms <= RECOVERY_LIMIT_MS), JSON.stringify(rounds.map((r) => r.caughtUpMs))).toBe(true);
      expect(drainedMs).not.toBeNull();
      expect(verdict.examples).toEqual([]);
      expect(verdict).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, rowDiffs: 0, outboxLeft: 0 });
      expect(clean(verdict)).toBe(true);
      expect(customers.missing).toBe(0);
      expect(customers.hub).toBe(adminWrites);
    } finally {
      agentTimes?.stop();
      try {
        // The server first: the processes below may be waiting on it.
        await ensureServerRunning();
      } finally {
        await backend?.stop();
        for (const child of [pos, agent]) {
          if (child && alive(child)) {
            child.process.stdin.end();
            await Promise.race([child.exited, sleep(10_000)]);
            if (alive(child)) child.process.kill('SIGKILL');
          }
        }
        if (hub) {
          hub.process.stdin.end();
          await Promise.race([hub.exited, sleep(5000)]);
          if (alive(hub)) hub.process.kill('SIGKILL');
        }
      }
      await query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  },
);
