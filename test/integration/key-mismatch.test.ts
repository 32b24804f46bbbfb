import { describe, expect } from 'vitest';
import { formatStatus } from '../../src/cli/commands/status.js';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { startHub, test, type RunningHub } from '../helpers/fixtures.js';
import { HubApi, change, expectError } from '../helpers/hub-client.js';
import { startHubWith } from '../helpers/hub-harness.js';
import { openLocalStore, PORTABLE_ENTITIES, type LocalStore } from '../helpers/local-store.js';

/*
 * "Lost sales", case 4: a change's key decides which row it is. An upsert whose data names another
 * row (`key: "k-mismatch"`, `data.id: "victim"`) is refused by the hub, and an agent that receives
 * one anyway (from a hub that was never told the key columns, or data stored before the check)
 * writes nothing, moves its cursor past it and says so in the run log and in status.
 */

const CUSTOMERS = PORTABLE_ENTITIES.find((e) => e.name === 'customers')!;
const DECLARATION = {
  entities: [
    { entity: 'customers', key: ['id'] },
    { entity: 'contact_sectors', key: ['contact_id', 'sector_id'] },
  ],
};
const MISMATCH = 'data.id "victim" does not match the row key "k-mismatch"';

test('the hub refuses a push or an admin write whose data names another row than its key', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    const node = new HubApi(hub.url, await hub.nodeKey());
    const admin = new HubApi(hub.url, await hub.adminKey());
    const declared = await node.request('PUT', '/v1/entities', { json: DECLARATION });
    expect(declared.status, declared.text).toBe(200);
    expect(declared.body).toEqual({ declared: ['customers', 'contact_sectors'], ignored: [] });

    const results = await node.pushOk('outbox-test-0001', [
      change(1, 'victim', { id: 'victim', first_name: 'Vic' }, { entity: 'customers' }),
      change(2, 'k-mismatch', { id: 'victim', first_name: 'Mallory' }, { entity: 'customers' }),
      // A key column left out of data is filled from the key: fine.
      change(3, 'c3', { first_name: 'No id' }, { entity: 'customers' }),
      change(4, 'c4', { id: 'c4', first_name: 'Dee' }, { entity: 'customers' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'rejected', 'applied', 'applied']);
    expect(results[1]).toEqual({ seq: 2, status: 'rejected', error: { code: 'key_mismatch', message: MISMATCH } });

    expect(expectError(await admin.adminPut('shop-1', 'customers', 'k-mismatch', { id: 'victim', first_name: 'Mallory' }), 400, 'key_mismatch')).toBe(MISMATCH);
    // Composite keys: the key is a JSON array of the key columns' values, in order.
    expect(expectError(await admin.adminPut('shop-1', 'contact_sectors', '[7,3]', { contact_id: 7, sector_id: 4 }), 400, 'key_mismatch')).toBe(
      'data.sector_id 4 does not match the row key "[7,3]"',
    );
    expect(expectError(await admin.adminPut('shop-1', 'contact_sectors', '7-3', { note: 'x' }), 400, 'key_mismatch')).toMatch(
      /not a JSON array of 2 values \(contact_id, sector_id\)/,
    );
    expect(await admin.adminPutOk('shop-1', 'contact_sectors', '[7,3]', { contact_id: '7', sector_id: 3, note: 'vip' })).toBeGreaterThan(0);
    expect(await admin.adminPutOk('shop-1', 'customers', 'c5', { id: 'c5', first_name: 'Eve' })).toBeGreaterThan(0);

    expect((await hub.store.adminGet('shop-1', 'customers', 'victim'))?.data).toEqual({ id: 'victim', first_name: 'Vic' });
    expect(await hub.store.adminGet('shop-1', 'customers', 'k-mismatch')).toBeNull();
  } finally {
    await hub.stop();
  }
});

test('PUT /v1/entities: node keys only, validated, entities the hub does not serve are ignored', async ({ dir }) => {
  const hub = await startHub(dir, { entities: ['customers'] });
  try {
    const node = new HubApi(hub.url, await hub.nodeKey());
    expectError(await node.request('PUT', '/v1/entities', { json: DECLARATION, apiKey: await hub.adminKey() }), 403, 'forbidden');
    expectError(await node.request('PUT', '/v1/entities', { json: { entities: [{ entity: 'customers', key: [] }] } }), 400, 'validation');
    const answer = await node.request('PUT', '/v1/entities', { json: DECLARATION });
    expect(answer.body).toEqual({ declared: ['customers'], ignored: ['contact_sectors'] });
    expect(await hub.store.entityKeys('shop-1')).toEqual(new Map([['customers', ['id']]]));
    expect(await hub.store.entityKeys('shop-2')).toEqual(new Map());
  } finally {
    await hub.stop();
  }
});

async function openOn(local: LocalStore, url: string, apiKey: string): Promise<SyncEngine> {
  const config = parseConfig({ hub: { url, apiKey, timeoutMs: 5000 }, database: local.database, entities: [CUSTOMERS] }, { baseDir: '/', env: {} });
  return SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
}

/** Syncs and checks that the bad change was refused, the good one applied, the cursor moved on. */
async function expectRefused(engine: SyncEngine, local: LocalStore, hub: RunningHub): Promise<void> {
  const summary = await engine.sync();
  expect(summary.status).toBe('DONE');
  expect(summary.stats.pulled).toBe(1);

  // The victim is untouched, the bad row is nowhere, the good row of the same page is in.
  expect(await local.all('SELECT id, first_name FROM customers ORDER BY id')).toEqual([
    { id: 'c2', first_name: 'Bea' },
    { id: 'victim', first_name: 'Vic' },
  ]);
  expect((await local.all<{ row_key: string }>("SELECT row_key FROM sync_rows WHERE entity = 'customers' ORDER BY row_key")).map((r) => r.row_key)).toEqual([
    'c2',
    'victim',
  ]);
  expect(await engine.state.cursor('customers')).toBe((await hub.store.status('shop-1')).head);
  expect((await engine.outbox.counts()).pending).toBe(0);

  const run = await engine.runs.get(summary.runId);
  const warns = run!.logs.filter((l) => l.level === 'warn');
  expect(warns).toHaveLength(1);
  expect(warns[0]).toMatchObject({ module: 'pull:customers' });
  expect(warns[0]!.message).toContain('customers row "k-mismatch"');
  expect(warns[0]!.message).toContain(MISMATCH);

  const status = await engine.status();
  expect(status.refused).toEqual({ count: 1, last: [{ entity: 'customers', key: 'k-mismatch', reason: MISMATCH, at: expect.any(String) }] });
  expect(formatStatus(status)).toContain('  refused:     1 pulled change not applied');
  expect(formatStatus(status)).toContain(`customers "k-mismatch": ${MISMATCH}`);

  // Not stuck on it, not refused again: the next run has nothing to pull.
  expect((await engine.sync()).stats.pulled).toBe(0);
  expect((await engine.status()).refused.count).toBe(1);
  expect((await hub.store.adminGet('shop-1', 'customers', 'victim'))?.data).toMatchObject({ id: 'victim', first_name: 'Vic' });
}

describe.each(['sqlite', 'mysql'] as const)('local store on %s', (kind) => {
  test('a pulled change whose data names another row is refused: nothing written, cursor past it, run log and status tell', async ({ dir }) => {
    const hub = await startHub(dir);
    const local = await openLocalStore(kind, dir);
    try {
      const engine = await openOn(local, hub.url, await hub.nodeKey());
      try {
        await local.run("INSERT INTO customers (id, first_name) VALUES ('victim', 'Vic')");
        expect((await engine.sync()).stats.pushed).toBe(1);
        // The agent declared its key columns, so the hub's API would refuse this write: it is
        // stored directly, as data written before the check existed.
        await hub.store.adminWrite('shop-1', 'admin:legacy', { entity: 'customers', key: 'k-mismatch', op: 'upsert', data: { id: 'victim', first_name: 'Mallory' } });
        await new HubApi(hub.url, await hub.adminKey()).adminPutOk('shop-1', 'customers', 'c2', { id: 'c2', first_name: 'Bea' });
        await expectRefused(engine, local, hub);
      } finally {
        await engine.close();
      }
    } finally {
      await local.close();
      await hub.stop();
    }
  });
});

test('an older hub without PUT /v1/entities: the agent syncs as before and still refuses such a change', async ({ dir }) => {
  const hub = await startHubWith(dir, (app) => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'PUT' || request.url !== '/v1/entities') return;
      await reply.code(404).send({ error: { code: 'not_found', message: 'no route PUT /v1/entities' } });
      return reply;
    });
  });
  const local = await openLocalStore('sqlite', dir);
  try {
    const engine = await openOn(local, hub.url, await hub.nodeKey());
    try {
      await local.run("INSERT INTO customers (id, first_name) VALUES ('victim', 'Vic')");
      expect((await engine.sync()).status).toBe('DONE');
      expect(hub.requests).toContain('PUT /v1/entities');
      expect(await hub.store.entityKeys('shop-1')).toEqual(new Map());
      // Nobody told this hub the key columns: its admin API lets the bad write through.
      const admin = new HubApi(hub.url, await hub.adminKey());
      await admin.adminPutOk('shop-1', 'customers', 'k-mismatch', { id: 'victim', first_name: 'Mallory' });
      await admin.adminPutOk('shop-1', 'customers', 'c2', { id: 'c2', first_name: 'Bea' });
      await expectRefused(engine, local, hub);
    } finally {
      await engine.close();
    }
  } finally {
    await local.close();
    await hub.stop();
  }
});
