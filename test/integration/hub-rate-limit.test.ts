import { expect } from 'vitest';
import { test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, expectError, snapshot, startCustomHub } from '../helpers/hub-client.js';

test('over the per-key limit: 429 rate_limited with Retry-After, nothing written; other keys and /healthz unaffected', async ({ dir }) => {
  const hub = await startCustomHub(dir, { rateLimit: { max: 3, windowMs: 60_000 } });
  try {
    const busy = new HubApi(hub.url, await hub.nodeKey('shop-1', 'pos-1'));
    const calm = new HubApi(hub.url, await hub.nodeKey('shop-2', 'pos-2'));
    for (let i = 0; i < 3; i++) expect((await busy.status()).status).toBe(200);
    const before = snapshot(hub.dbPath);

    const limited = await busy.push(SOURCE, [change(1, 'p1', { v: 1 })]);
    expectError(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(snapshot(hub.dbPath)).toEqual(before);

    // Another shop behind the same address has its own budget.
    expect((await calm.status()).status).toBe(200);
    // Health checks are never limited.
    for (let i = 0; i < 5; i++) expect((await busy.request('GET', '/healthz')).status).toBe(200);
  } finally {
    await hub.stop();
  }
});

test('requests without a key are limited per address', async ({ dir }) => {
  const hub = await startCustomHub(dir, { rateLimit: { max: 2, windowMs: 60_000 } });
  try {
    const anonymous = new HubApi(hub.url, null);
    expectError(await anonymous.status(), 401, 'unauthorized');
    expectError(await anonymous.status(), 401, 'unauthorized');
    expectError(await anonymous.status(), 429, 'rate_limited');
  } finally {
    await hub.stop();
  }
});

test('rateLimit: false disables the limit', async ({ dir }) => {
  const hub = await startCustomHub(dir, { rateLimit: false });
  try {
    const node = new HubApi(hub.url, await hub.nodeKey());
    for (let i = 0; i < 20; i++) expect((await node.status()).status).toBe(200);
  } finally {
    await hub.stop();
  }
});
