import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { failFirst, startHubWith } from '../helpers/hub-harness.js';
import { openLocalStore } from '../helpers/local-store.js';
import { openFaultEngine, prepareShop } from './scenario.js';
import { record, TIMEOUT } from './tier.js';

/** The agent's back-off cap (config default `sync.maxBackoffSeconds`: 300). */
/** Retry-After is honoured up to an hour (src/core/push.ts RETRY_AFTER_CAP_MS). */
const CAP_MS = 3_600_000;

/** One push answered 503 with `retryAfter`, then a sync: how long it took, how it ended, when the entries are due again. */
async function pushAgainst(parent: string, retryAfter: string) {
  const dir = mkdtempSync(join(parent, 'case-'));
  const hub = await startHubWith(dir, (app) => failFirst(app, { path: '/v1/push', count: 1, status: 503, headers: { 'retry-after': retryAfter } }));
  const local = await openLocalStore('sqlite', dir);
  try {
    const apiKey = await hub.nodeKey();
    await prepareShop(local.database, hub.url, apiKey);
    await local.run("INSERT INTO products (id, name, price) VALUES ('ra-1', 'sale', 1)");
    const engine = await openFaultEngine(local.database, hub.url, apiKey);
    try {
      const started = Date.now();
      const summary = await engine.sync({ trigger: 'manual' });
      const elapsedMs = Date.now() - started;
      const [due] = await local.all<{ at: string | null }>('SELECT MAX(next_attempt_at) AS at FROM sync_outbox');
      const dueInMs = due?.at ? Date.parse(due.at) - Date.now() : null;
      const pushes = hub.requests.filter((r) => r === 'POST /v1/push').length;
      return { status: summary.status, elapsedMs, dueInMs, pushes };
    } finally {
      await engine.close();
    }
  } finally {
    await local.close();
    await hub.stop();
  }
}

test('Retry-After in seconds (1), negative (-5) and as an HTTP date (+2 s) is honoured within the run', { timeout: TIMEOUT }, async ({ dir }) => {
  const seconds = await pushAgainst(dir, '1');
  expect(seconds).toMatchObject({ status: 'DONE', pushes: 2 });
  expect(seconds.elapsedMs).toBeGreaterThanOrEqual(1000);
  expect(seconds.elapsedMs).toBeLessThan(4000);

  const negative = await pushAgainst(dir, '-5');
  expect(negative).toMatchObject({ status: 'DONE', pushes: 2 });
  expect(negative.elapsedMs).toBeLessThan(1500);

  // HTTP dates have 1 s resolution: +2 s means at least ~1 s from now.
  const date = await pushAgainst(dir, new Date(Date.now() + 2000).toUTCString());
  expect(date).toMatchObject({ status: 'DONE', pushes: 2 });
  expect(date.elapsedMs).toBeGreaterThanOrEqual(900);
  expect(date.elapsedMs).toBeLessThan(4000);
  record('retry-after/short', { seconds1: seconds, negative, httpDatePlus2s: date });
});

test('a huge Retry-After (seconds or a far HTTP date) ends the run at once; the retry is left to the agent loop', { timeout: TIMEOUT }, async ({ dir }) => {
  const huge = await pushAgainst(dir, '999999999');
  const far = await pushAgainst(dir, 'Fri, 01 Jan 2100 00:00:00 GMT');
  record('retry-after/huge', { huge, far, capMs: CAP_MS });
  for (const outcome of [huge, far]) {
    // Not slept on inside the run (axios-retry leaves anything over 30 s to the loop).
    expect(outcome).toMatchObject({ status: 'FAILED', pushes: 1 });
    expect(outcome.elapsedMs).toBeLessThan(2000);
  }
});

/**
 * Found by this suite: a batch was postponed by max(Retry-After, back-off) with no cap, so
 * `Retry-After: 999999999` (or a date in 2100) parked the entries ~31 (or 74) years ahead. The
 * postponement is now capped at one hour (or `sync.maxBackoffSeconds` when that is longer).
 */
test('a huge Retry-After postpones the outbox by at most an hour', { timeout: TIMEOUT }, async ({ dir }) => {
  const huge = await pushAgainst(dir, '999999999');
  expect(huge.dueInMs).not.toBeNull();
  expect(huge.dueInMs!).toBeLessThanOrEqual(CAP_MS + 1000);
});
