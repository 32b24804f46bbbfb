/**
 * Clock jumps and skew (issue 13): hub and shop clocks 1 h apart, the agent's clock going back
 * 1 h or forward 2 h. The machine's clock is never touched: a process's wall clock is shifted by
 * test/faults/clock-shift.ts (`Date.now()` / `new Date()` only; timers stay monotonic), in a
 * child process (hub-proc.ts, agent-proc.ts) or, for the pause, in this one.
 *
 *   npx vitest run test/faults/clock.test.ts
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import { REPO_ROOT, watchChild, type Child } from '../helpers/child.js';
import { test } from '../helpers/fixtures.js';
import { startHubWith } from '../helpers/hub-harness.js';
import { openLocalStore } from '../helpers/local-store.js';
import { clockOffset, installClockShift, setClockOffset, uninstallClockShift } from './clock-shift.js';
import { FAULT_ENTITIES, openFaultEngine, prepareShop } from './scenario.js';
import { record } from './tier.js';

const HOUR = 3_600_000;
/** The longest postponement of an outbox entry: a Retry-After is honoured up to an hour (src/core/push.ts). */
const LONGEST_POSTPONEMENT_MS = HOUR;
const CLOCK_SHIFT = pathToFileURL(fileURLToPath(new URL('./clock-shift.ts', import.meta.url))).href;
const HUB_PROC = fileURLToPath(new URL('./hub-proc.ts', import.meta.url));
const AGENT_PROC = fileURLToPath(new URL('./agent-proc.ts', import.meta.url));

/** Polls `check` on the monotonic clock (the wall clock is what these tests move). */
async function poll<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface ShiftedChild extends Child {
  /** Moves the child's wall clock to real time + `offsetMs`; resolves once the child has applied it. */
  jump(offsetMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** A test/faults script in its own process, its wall clock `offsetMs` away from the real one. */
function spawnShifted(script: string, args: readonly string[], offsetMs: number, clockFile: string): ShiftedChild {
  writeFileSync(clockFile, String(offsetMs));
  const watched = watchChild(
    spawn(process.execPath, ['--import', 'tsx', '--import', CLOCK_SHIFT, script, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DOVETAIL_TEST_CLOCK_OFFSET_MS: String(offsetMs), DOVETAIL_TEST_CLOCK_FILE: clockFile },
      stdio: 'pipe',
    }),
  );
  const { process: child, lines, exited } = watched;
  return {
    ...watched,
    jump: async (to: number) => {
      const acks = lines.filter((l) => l === `clock-offset ${to}`).length;
      writeFileSync(clockFile, String(to));
      child.kill('SIGUSR2');
      await poll(() => lines.filter((l) => l === `clock-offset ${to}`).length > acks, 5000, `the clock of ${script} to jump`);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const ended = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 5000))]);
      if (ended === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The shop's customers, decided by newest-wins. */
const NEWEST_WINS = [
  {
    name: 'customers',
    direction: 'both',
    conflict: 'newest-wins',
    create: { columns: { id: 'VARCHAR(64) NOT NULL', first_name: 'VARCHAR(200)', email: 'VARCHAR(200)' } },
  },
];

interface ConflictRow {
  resolution: string;
  local_at: string;
  remote_at: string;
  local_data: string;
  remote_data: string;
  merged_data: string;
  status: string;
}

test('newest-wins with the shop 1 h ahead of the hub, then 1 h behind: the skew decides, the losing side is kept, both sides end equal', async ({ dir }) => {
  const hubDb = join(dir, 'hub.db');
  const store = new SqliteHubStore(hubDb);
  const nodeKey = (await store.createKey({ role: 'node', scope: 'shop-1', name: 'shop-1-pos' })).key;
  const adminKey = (await store.createKey({ role: 'admin', scope: 'shop-1', name: 'backend' })).key;
  await store.close();
  // The shop (its SQLite file, whose capture triggers stamp created_at, and this process) keeps
  // the real clock; the hub's clock is shifted, so "shop 1 h ahead" = hub 1 h behind.
  const hub = spawnShifted(HUB_PROC, [hubDb], -HOUR, join(dir, 'hub-clock'));
  const local = await openLocalStore('sqlite', dir);
  let engine: SyncEngine | null = null;
  try {
    const urlLine = await poll(() => hub.lines.find((l) => l.startsWith('{')) ?? (hub.process.exitCode !== null ? 'exit' : null), 20_000, 'the hub to listen');
    if (urlLine === 'exit') throw new Error(`hub exited: ${hub.stderr()}`);
    const { url } = JSON.parse(urlLine) as { url: string };
    const config = parseConfig({ hub: { url, apiKey: nodeKey, timeoutMs: 5000 }, database: local.database, entities: NEWEST_WINS }, { baseDir: '/', env: {} });
    engine = await SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
    const shopEngine = engine;
    const rowUrl = (key: string) => `${url}/v1/admin/scopes/shop-1/entities/customers/rows/${key}`;
    const hubWrite = async (key: string, firstName: string) => {
      const response = await fetch(rowUrl(key), {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
        body: JSON.stringify({ data: { id: key, first_name: firstName, email: `${key}@example.com` } }),
      });
      expect(response.status).toBe(200);
    };
    const hubRow = async (key: string) => {
      const response = await fetch(rowUrl(key), { headers: { 'x-api-key': adminKey } });
      return ((await response.json()) as { data: Record<string, unknown> }).data;
    };
    const syncUntilSettled = async () => {
      for (let i = 0; i < 4; i++) {
        const summary = await shopEngine.sync({ trigger: 'manual' });
        if (summary.status === 'DONE' && (await shopEngine.status()).outbox.pending === 0) return;
      }
      throw new Error('the shop did not settle in 4 runs');
    };

    /** The row is synced, then edited on both sides (`first` a few ms before the other), then synced. */
    const race = async (key: string, first: 'shop' | 'hub') => {
      await hubWrite(key, 'base');
      await syncUntilSettled();
      const edit = { shop: () => local.run('UPDATE customers SET first_name = ? WHERE id = ?', [`${key} shop`, key]), hub: () => hubWrite(key, `${key} hub`) };
      await edit[first]();
      // A deliberate gap, so the real order of the two edits is unambiguous (ms timestamps).
      await new Promise((resolve) => setTimeout(resolve, 30));
      await edit[first === 'shop' ? 'hub' : 'shop']();
      await syncUntilSettled();
      const [conflict] = await local.all<ConflictRow>('SELECT * FROM sync_conflicts WHERE row_key = ?', [key]);
      const [shop] = await local.all<Record<string, unknown>>('SELECT id, first_name, email FROM customers WHERE id = ?', [key]);
      return { conflict: conflict!, shop: shop!, hub: await hubRow(key) };
    };

    // Shop 1 h ahead: the hub's edit is the later one in real time, yet the shop wins.
    const ahead = await race('c-ahead', 'shop');
    // Shop 1 h behind: the shop's edit is the later one in real time, yet the hub wins.
    await hub.jump(HOUR);
    const behind = await race('c-behind', 'hub');

    const figures = (r: typeof ahead, hubOffsetMs: number) => {
      const localAt = Date.parse(r.conflict.local_at);
      const remoteAt = Date.parse(r.conflict.remote_at);
      return {
        resolution: r.conflict.resolution,
        /** local_at − remote_at, as newest-wins compares them (shop clock vs hub clock). */
        skewedGapMs: localAt - remoteAt,
        /** The same gap on one clock: > 0 = the shop's edit was really the later one. */
        realGapMs: localAt - (remoteAt - hubOffsetMs),
        loser: r.conflict.resolution.includes('"local"') ? JSON.parse(r.conflict.remote_data).first_name : JSON.parse(r.conflict.local_data).first_name,
        final: r.shop.first_name,
      };
    };
    const a = figures(ahead, -HOUR);
    const b = figures(behind, HOUR);
    record('clock/newest-wins', { ahead: a, behind: b });

    // Shop ahead: local_at is ~1 h after remote_at although the hub edited ~30 ms later.
    expect(a.realGapMs).toBeLessThan(0);
    expect(a.skewedGapMs).toBeGreaterThan(HOUR - 5000);
    expect(a.skewedGapMs).toBeLessThan(HOUR);
    expect(JSON.parse(ahead.conflict.resolution)).toEqual({ first_name: 'local' });
    expect(ahead.conflict.status).toBe('resolved');
    // The loser (the hub's value) is kept in sync_conflicts; both sides hold the shop's value.
    expect(a.loser).toBe('c-ahead hub');
    expect(ahead.shop).toEqual({ id: 'c-ahead', first_name: 'c-ahead shop', email: 'c-ahead@example.com' });
    expect(ahead.hub).toMatchObject(ahead.shop);

    // Shop behind: remote_at is ~1 h after local_at although the shop edited ~30 ms later.
    expect(b.realGapMs).toBeGreaterThan(0);
    expect(b.skewedGapMs).toBeLessThan(-(HOUR - 5000));
    expect(b.skewedGapMs).toBeGreaterThan(-HOUR);
    expect(JSON.parse(behind.conflict.resolution)).toEqual({ first_name: 'remote' });
    expect(behind.conflict.status).toBe('resolved');
    // The loser (the shop's value) is kept; both sides hold the hub's value.
    expect(b.loser).toBe('c-behind shop');
    expect(behind.shop).toEqual({ id: 'c-behind', first_name: 'c-behind hub', email: 'c-behind@example.com' });
    expect(behind.hub).toMatchObject(behind.shop);
  } finally {
    await engine?.close();
    await local.close();
    await hub.stop();
  }
});

describe.each(['sqlite', 'mysql'] as const)('outbox back-off on a %s shop database', (kind) => {
  test('an entry postponed further ahead than the longest postponement is due (only a clock that went back explains it)', async ({ dir }) => {
    const local = await openLocalStore(kind, dir);
    // No hub is contacted: the queue is read with an injected "now".
    const engine = await openFaultEngine(local.database, 'http://127.0.0.1:9', `dvt_000000000000_${'x'.repeat(32)}`);
    try {
      await local.run("INSERT INTO products (id, name, price) VALUES ('q-1', 'sale', 1), ('q-2', 'sale', 2), ('q-3', 'sale', 3)");
      const seqs = (await local.all<{ seq: number }>('SELECT seq FROM sync_outbox ORDER BY seq')).map((r) => Number(r.seq));
      const t = Date.now();
      // Postponed 60 s (a Retry-After) at time t.
      await engine.outbox.postpone(seqs, () => new Date(t + 60_000), 'server: 503');
      const due = async (at: number, force = false) =>
        (await engine.outbox.due(10, new Date(at), { force, maxPostponeMs: LONGEST_POSTPONEMENT_MS })).map((e) => e.rowKey).sort();
      const counts = {
        /** Still backing off: nothing. */
        atPostponement: (await due(t)).length,
        afterBackoff: (await due(t + 61_000)).length,
        /** 30 s after the postponement the clock went back 1 h: now 1 h 0.5 min ahead, beyond the longest postponement. */
        clockBack1h: (await due(t + 30_000 - HOUR)).length,
        /** A jump back of 30 min stays within the longest postponement: the entry waits (30 min + what was left). */
        clockBack30min: (await due(t + 30_000 - HOUR / 2)).length,
        forced: (await due(t, true)).length,
      };
      expect(counts).toEqual({ atPostponement: 0, afterBackoff: 3, clockBack1h: 3, clockBack30min: 0, forced: 3 });
      expect(await due(t - HOUR)).toEqual(['q-1', 'q-2', 'q-3']);
    } finally {
      await engine.close();
      await local.close();
    }
  });
});

test("agent clock back 1 h after a 503 Retry-After postponed a batch: the next automatic run sends it once the hub is back, exactly once", async ({ dir }) => {
  let down = false;
  const attempts: { refused: boolean; keys: string[] }[] = [];
  const hub = await startHubWith(dir, (app) => {
    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST' || request.url.split('?')[0] !== '/v1/push') return;
      const changes = (request.body as { changes: { key: string }[] }).changes;
      attempts.push({ refused: down, keys: changes.map((c) => c.key) });
      if (!down) return;
      // The hub refuses writes for a maintenance window: 503, Retry-After 60 s (too long to be
      // slept on inside a run: the batch is postponed and the retry left to the agent's loop).
      // Pulls and the live channel stay up: a live reconnect would force the push and hide the
      // clock's effect; here only unforced automatic runs can send the batch.
      await reply.code(503).header('retry-after', '60').send({ error: { code: 'internal', message: 'maintenance' } });
      return reply;
    });
  });
  const local = await openLocalStore('sqlite', dir);
  const apiKey = await hub.nodeKey();
  await prepareShop(local.database, hub.url, apiKey);
  const agent = spawnShifted(
    AGENT_PROC,
    [JSON.stringify({ database: local.database, url: hub.url, apiKey, entities: FAULT_ENTITIES, maxBackoffMs: 2000 })],
    0,
    join(dir, 'agent-clock'),
  );
  const runs = () => agent.lines.filter((l) => l.startsWith('run ')).map((l) => JSON.parse(l.slice(4)) as { status: string; error: string | null; stats: { pushed: number } });
  const sent = (key: string, refused: boolean) => attempts.filter((a) => a.refused === refused && a.keys.includes(key)).length;
  const pendingDue = async () => {
    const [row] = await local.all<{ n: number; first: string | null; last: string | null }>(
      "SELECT COUNT(*) AS n, MIN(next_attempt_at) AS first, MAX(next_attempt_at) AS last FROM sync_outbox WHERE status = 'pending'",
    );
    return row!;
  };
  const batch = ['s-1', 's-2', 's-3', 's-4', 's-5'];
  try {
    await poll(() => agent.lines.includes('ready') || agent.process.exitCode !== null, 20_000, 'the agent to start');
    if (!agent.lines.includes('ready')) throw new Error(`agent exited: ${agent.stderr()}`);
    await poll(() => runs().some((r) => r.status === 'DONE'), 10_000, 'the startup run');

    // The hub goes into maintenance; the POS sells 5 items in one transaction.
    down = true;
    const before = runs().length;
    await local.run(`INSERT INTO products (id, name, price) VALUES ${batch.map((k) => `('${k}', 'sale', 1)`).join(', ')}`);
    // The local-write run is refused (503) and postpones the batch; the agent's retry (not forced:
    // the hub answered) finds nothing due and ends DONE.
    const refused = before + (await poll(() => runs().slice(before).findIndex((r) => r.status === 'FAILED' && r.error === 'server') + 1, 10_000, 'the refused run'));
    await poll(() => runs().slice(refused).some((r) => r.status === 'DONE'), 10_000, 'the retry run');
    const postponed = await pendingDue();
    expect(Number(postponed.n)).toBe(batch.length);
    const dueInMs = Date.parse(postponed.first!) - Date.now(); // the agent's clock is still real
    expect(dueInMs).toBeGreaterThan(50_000);
    expect(dueInMs).toBeLessThanOrEqual(60_000);
    // The Retry-After was honoured: one refused attempt, no other.
    expect(attempts).toEqual([{ refused: true, keys: batch }]);

    // The agent's clock goes back 1 h (NTP correcting a fast clock, a dead CMOS battery …).
    await agent.jump(-HOUR);
    const dueInAfterJumpMs = Date.parse(postponed.last!) - (Date.now() - HOUR);
    expect(dueInAfterJumpMs).toBeGreaterThan(LONGEST_POSTPONEMENT_MS);

    // The hub is back; the POS keeps selling, which starts an automatic (local-write, not forced) run.
    down = false;
    const runsBefore = runs().length;
    const back = performance.now();
    await local.run("INSERT INTO products (id, name, price) VALUES ('s-6', 'sale', 1)");
    await poll(() => [...batch, 's-6'].every((k) => sent(k, false) > 0), 5000, 'the postponed batch to reach the hub');
    const deliveredMs = Math.round(performance.now() - back);
    const automaticRuns = await poll(() => {
      const after = runs().slice(runsBefore);
      return after.reduce((n, r) => n + r.stats.pushed, 0) === batch.length + 1 && after.length;
    }, 5000, 'the runs that pushed them');
    expect(Number((await pendingDue()).n)).toBe(0);

    record('clock/outbox-backoff', { retryAfterS: 60, dueInMs, dueInAfterJumpMs, deliveredMs, automaticRuns });
    // Delivered by the first automatic run (the sale's), within a second or two, not an hour.
    expect(deliveredMs).toBeLessThan(3000);
    expect(automaticRuns).toBe(1);
    // Exactly once: each change refused once (the maintenance), accepted once.
    for (const key of batch) expect([key, sent(key, true), sent(key, false)]).toEqual([key, 1, 1]);
    expect(sent('s-6', false)).toBe(1);
    const onHub = await hub.store.adminList('shop-1', 'products', { since: 0, limit: 100, includeDeleted: false });
    expect(onHub.map((r) => r.key).sort()).toEqual([...batch, 's-6']);
  } finally {
    await agent.stop();
    await local.close();
    await hub.stop();
  }
});

test('pause deadline: a 2 s pause ends after 2 elapsed seconds whether the wall clock jumps back 1 h or forward 2 h', async ({ dir }) => {
  const pushesAt: number[] = [];
  const hub = await startHubWith(dir, (app) => {
    app.addHook('onRequest', (request, _reply, done) => {
      if (request.method === 'POST' && request.url.split('?')[0] === '/v1/push') pushesAt.push(performance.now());
      done();
    });
  });
  const local = await openLocalStore('sqlite', dir);
  const apiKey = await hub.nodeKey();
  await prepareShop(local.database, hub.url, apiKey);
  const engine = await openFaultEngine(local.database, hub.url, apiKey);
  const agent = new Agent({ engine, logger: silentLogger(), live: false, maxBackoffMs: 2000 });
  let resumedAt: number | null = null;
  agent.onStatus((s) => {
    if (s.state !== 'paused' && resumedAt === null) resumedAt = performance.now();
  });
  // The agent (and the in-process hub) see the shifted clock; the shop's SQLite keeps the real one,
  // so a sale captured here counts as captured before the jump.
  installClockShift();
  try {
    await agent.start();
    await poll(() => agent.status().lastSuccessAt, 10_000, 'the startup run');

    const pauseThenJump = async (jumpMs: number, prefix: string) => {
      setClockOffset(0);
      await agent.idle();
      const started = performance.now();
      agent.pause(new Date(Date.now() + 2000)); // what `dovetail pause --for 2s` would pass
      resumedAt = null;
      const shownAtPause = agent.status().pausedUntil!;
      await local.run(`INSERT INTO products (id, name, price) VALUES ('${prefix}-1', 'sale', 1)`);
      await poll(() => agent.status().pending === 1, 2000, 'the watch to see the sale');
      setClockOffset(jumpMs);
      // A second sale after the jump refreshes the counts (the stall watchdog's reading).
      await local.run(`INSERT INTO products (id, name, price) VALUES ('${prefix}-2', 'sale', 1)`);
      await poll(() => agent.status().pending === 2, 2000, 'the watch to see the second sale');
      const duringPause = agent.status();
      /** pausedUntil as the status shows it during the pause, against the agent's (jumped) clock. */
      const shownAheadMs = Date.parse(duringPause.pausedUntil!) - Date.now();
      const resumed = await poll(() => resumedAt, 5000, 'the pause to end');
      const resumeMs = Math.round(resumed - started);
      await poll(() => agent.status().pending === 0, 5000, 'the sales to be pushed after the pause');
      return {
        jumpMs,
        resumeMs,
        pushesWhilePaused: pushesAt.filter((t) => t > started && t < resumed).length,
        state: duringPause.state,
        shownAtPause,
        shownAheadMs,
        oldestPendingAgeMs: duringPause.oldestPendingAgeMs,
        stalled: duringPause.stalled,
        offset: clockOffset(),
      };
    };
    const back = await pauseThenJump(-HOUR, 'pb');
    const forward = await pauseThenJump(2 * HOUR, 'pf');
    record('clock/pause', { back, forward });

    for (const r of [back, forward]) {
      // setTimeout runs on the monotonic clock: 2 s after the pause, whatever the wall clock did.
      expect(r.resumeMs).toBeGreaterThanOrEqual(1990);
      expect(r.resumeMs).toBeLessThan(3000);
      expect(r.state).toBe('paused');
      expect(r.pushesWhilePaused).toBe(0);
    }
    // What the status shows: the deadline as set, read against the jumped clock (1 h later than
    // it will really end / 2 h in the past while the pause still holds).
    expect(back.shownAheadMs).toBeGreaterThan(HOUR);
    expect(back.shownAheadMs).toBeLessThan(HOUR + 2000);
    expect(forward.shownAheadMs).toBeLessThan(-2 * HOUR + 2000);
    // The stall watchdog reads the wall clock: a jump forward makes a 2-second-old change look 2 h
    // old (a false "stalled"); a jump back hides its age.
    expect(forward.stalled).toBe(true);
    expect(forward.oldestPendingAgeMs!).toBeGreaterThan(2 * HOUR - 5000);
    expect(back.stalled).toBe(false);
    expect(back.oldestPendingAgeMs).toBe(0);
  } finally {
    uninstallClockShift();
    await agent.stop();
    await engine.close();
    await local.close();
    await hub.stop();
  }
});
