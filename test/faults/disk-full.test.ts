import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import { startHub, test, waitFor } from '../helpers/fixtures.js';
import { openLocalStore } from '../helpers/local-store.js';
import { check, clean, parseJournal, readLocal, readSqliteHub } from './checker.js';
import { finishPos, openFaultEngine, prepareShop, settle, startPos } from './scenario.js';
import { record, tier, TIMEOUT } from './tier.js';

/** A size-capped tmpfs needs root here; elsewhere the scenario is skipped (see docs/reliability.md). */
const ROOT = process.getuid?.() === 0;

test.skipIf(!ROOT)('disk full under the shop database: the agent keeps running and says so, failed POS writes leave no half outbox, nothing lost once space returns', { timeout: TIMEOUT }, async ({ dir }) => {
  const small = join(dir, 'small');
  mkdirSync(small);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1536k', 'tmpfs', small]);
  const hub = await startHub(dir, { rateLimit: false });
  try {
    const local = await openLocalStore('sqlite', small);
    const apiKey = await hub.nodeKey();
    await prepareShop(local.database, hub.url, apiKey);
    const engine = await openFaultEngine(local.database, hub.url, apiKey, 3000);
    const agent = new Agent({ engine, logger: silentLogger(), maxBackoffMs: 1000 });
    const errors = new Set<string>();
    agent.onStatus((s) => s.lastError && errors.add(`${s.lastErrorCode}: ${s.lastError}`));
    let lines: string[] = [];
    try {
      await agent.start();
      const pos = await startPos({ database: local.database as never, prefix: 'disk', count: tier(1500, 4000), padding: 1500, pauseMs: 2, failPauseMs: 20 });
      const fullAt = Date.now();
      await waitFor(() => pos.lines.filter((l) => l.startsWith('fail ')).length >= 5, 30_000, 'the disk to fill up');
      const sawFull = await waitFor(() => [...errors].some((e) => /full|SQLITE_FULL|disk/i.test(e)) || agent.status().lastErrorCode !== null, 15_000, 'the agent to report it').catch(() => false);
      const statusWhileFull = agent.status();
      // Space returns.
      execFileSync('mount', ['-o', 'remount,size=64m', small]);
      const freedAt = Date.now();
      lines = await finishPos(pos, tier(60_000, 180_000));
      await waitFor(() => agent.status().pending === 0 && !agent.status().running, 30_000, 'the agent to catch up');
      const resumedMs = Date.now() - freedAt;
      const failedWrites = lines.filter((l) => l.startsWith('fail ')).length;
      record('disk-full', { failedWrites, committed: lines.filter((l) => l.startsWith('ok ')).length, statusWhileFull: { state: statusWhileFull.state, lastErrorCode: statusWhileFull.lastErrorCode, lastError: statusWhileFull.lastError }, fullAfterMs: Date.now() - fullAt, resumedMs, agentErrors: [...errors].slice(0, 3) });
      expect(failedWrites).toBeGreaterThanOrEqual(5);
      expect(sawFull).toBeTruthy();
    } finally {
      await agent.stop();
      await engine.close();
    }
    await settle(local.database, hub.url, apiKey);
    const verdict = check(parseJournal(lines), await readLocal(local), readSqliteHub(hub.dbPath, 'shop-1', 'products'));
    await local.close();
    record('disk-full/verdict', { ...verdict });
    // `unexpected` counts any trace (row or outbox entry) of a write that failed: there must be none.
    expect(verdict.examples).toEqual([]);
    expect(clean(verdict)).toBe(true);
  } finally {
    await hub.stop();
    execFileSync('umount', ['-l', small]);
  }
});
