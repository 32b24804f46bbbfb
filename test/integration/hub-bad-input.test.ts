import { describe, expect } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { startHub, test } from '../helpers/fixtures.js';
import { HubApi, SOURCE, change, expectError, snapshot, startCustomHub } from '../helpers/hub-client.js';

describe('push bodies the hub refuses as a whole', () => {
  test('invalid JSON is 400 invalid_json and nothing is written', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const before = snapshot(hub.dbPath);
      for (const raw of ['{"protocol":1,"source":', '{changes: []}', "{'a':1}", 'null null']) {
        expectError(await node.request('POST', '/v1/push', { raw }), 400, 'invalid_json');
      }
      // An empty body announced as JSON.
      expectError(await node.request('POST', '/v1/push', { raw: '' }), 400, 'invalid_json');
      // A prototype-poisoning body is refused, not parsed.
      const poisoned = `{"protocol":1,"source":"${SOURCE}","changes":[],"__proto__":{"admin":true}}`;
      expect([400]).toContain((await node.request('POST', '/v1/push', { raw: poisoned })).status);
      expect(snapshot(hub.dbPath)).toEqual(before);
    } finally {
      await hub.stop();
    }
  });

  test('a body over the size limit is 413 too_large and nothing is written', async ({ dir }) => {
    const hub = await startCustomHub(dir, { bodyLimit: 2048 });
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      // Just under the limit works...
      const small = await node.pushOk(SOURCE, [change(1, 'p1', { note: 'x'.repeat(1500) })]);
      expect(small[0]!.status).toBe('applied');
      const before = snapshot(hub.dbPath);
      // ...just over it does not, however valid it is.
      const answer = await node.push(SOURCE, [change(2, 'p2', { note: 'x'.repeat(4000) })]);
      expectError(answer, 413, 'too_large');
      expect(snapshot(hub.dbPath)).toEqual(before);
      expect(await hub.store.adminGet('shop-1', 'products', 'p2')).toBeNull();
    } finally {
      await hub.stop();
    }
  });

  test('a batch over maxBatch is 413 too_large naming the limit, and nothing of it is written', async ({ dir }) => {
    const hub = await startCustomHub(dir, { maxBatch: 3 });
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const four = [1, 2, 3, 4].map((seq) => change(seq, `p${seq}`, { seq }));
      const before = snapshot(hub.dbPath);
      const message = expectError(await node.push(SOURCE, four), 413, 'too_large');
      expect(message).toContain('3');
      expect(snapshot(hub.dbPath)).toEqual(before);
      // At the limit it is accepted.
      expect((await node.pushOk(SOURCE, four.slice(0, 3))).map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    } finally {
      await hub.stop();
    }
  });

  test('schema violations are 400 validation naming the bad path, and nothing of the batch is written', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const good = change(1, 'ok', { v: 1 });
      const { seq: _seq, ...noSeq } = change(2, 'p2', { v: 2 });
      const cases: [string, unknown, string][] = [
        ['missing seq', [good, noSeq], 'changes[1].seq'],
        ['seq 0', [{ ...good, seq: 0 }], 'changes[0].seq'],
        ['fractional seq', [{ ...good, seq: 1.5 }], 'changes[0].seq'],
        ['op merge', [{ ...good, op: 'merge' }], 'changes[0].op'],
        ['entity Bad-Name', [{ ...good, entity: 'Bad-Name' }], 'changes[0].entity'],
        ['extra field', [{ ...good, extra: true }], 'extra'],
        ['key too long', [{ ...good, key: 'k'.repeat(513) }], 'changes[0].key'],
        ['empty key', [{ ...good, key: '' }], 'changes[0].key'],
        ['data not an object', [{ ...good, data: [1, 2] }], 'changes[0].data'],
        ['negative baseVersion', [{ ...good, baseVersion: -1 }], 'changes[0].baseVersion'],
        ['missing baseVersion', [{ seq: 1, entity: 'products', key: 'ok', op: 'upsert', data: {} }], 'changes[0].baseVersion'],
      ];
      const before = snapshot(hub.dbPath);
      for (const [name, changes, path] of cases) {
        const answer = await node.request('POST', '/v1/push', { json: { protocol: PROTOCOL_VERSION, source: SOURCE, changes } });
        const message = expectError(answer, 400, 'validation');
        expect(message, name).toContain(path);
      }
      const bodies: [string, unknown, string][] = [
        ['no changes', { protocol: PROTOCOL_VERSION, source: SOURCE, changes: [] }, 'changes'],
        ['changes not an array', { protocol: PROTOCOL_VERSION, source: SOURCE, changes: {} }, 'changes'],
        ['short source', { protocol: PROTOCOL_VERSION, source: 'abc', changes: [good] }, 'source'],
        ['source with a slash', { protocol: PROTOCOL_VERSION, source: 'outbox/../1234', changes: [good] }, 'source'],
        ['missing protocol', { source: SOURCE, changes: [good] }, 'protocol'],
        ['other protocol in the body', { protocol: 2, source: SOURCE, changes: [good] }, 'protocol'],
        ['unknown top-level field', { protocol: PROTOCOL_VERSION, source: SOURCE, changes: [good], force: true }, 'force'],
        ['an array', [good], '(root)'],
        ['a string', 'push', '(root)'],
        ['null', null, '(root)'],
      ];
      for (const [name, body, path] of bodies) {
        const answer = await node.request('POST', '/v1/push', { json: body });
        expect(answer.status, `${name}: ${answer.text}`).toBe(400);
        expect(answer.text, name).toContain(path);
      }
      expect(snapshot(hub.dbPath)).toEqual(before);
    } finally {
      await hub.stop();
    }
  });

  test('a body that is not JSON at all is refused with a JSON error and nothing is written', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const before = snapshot(hub.dbPath);
      const answer = await node.request('POST', '/v1/push', {
        raw: 'protocol=1&source=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.body).toMatchObject({ error: { code: expect.any(String) as string, message: expect.any(String) as string } });
      expect(snapshot(hub.dbPath)).toEqual(before);
    } finally {
      await hub.stop();
    }
  });
});

describe('per-change refusals', () => {
  test('an unknown entity is rejected per change with unknown_entity while the rest of the batch is applied', async ({ dir }) => {
    const hub = await startHub(dir, { entities: ['products', 'orders'] });
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const results = await node.pushOk(SOURCE, [
        change(1, 'p1', { v: 1 }),
        change(2, 'x1', { v: 2 }, { entity: 'invoices' }),
        change(3, 'o1', { v: 3 }, { entity: 'orders' }),
      ]);
      expect(results[0]).toEqual({ seq: 1, status: 'applied', version: 1 });
      expect(results[1]).toMatchObject({ seq: 2, status: 'rejected', error: { code: 'unknown_entity' } });
      expect((results[1] as { error: { message: string } }).error.message).toContain('invoices');
      expect(results[2]).toEqual({ seq: 3, status: 'applied', version: 2 });
      expect(await hub.store.adminGet('shop-1', 'invoices', 'x1')).toBeNull();
      expect(snapshot(hub.dbPath)).toMatchObject({ rows: 2, heads: { 'shop-1': 2 } });
    } finally {
      await hub.stop();
    }
  });
});

describe('protocol version and routes', () => {
  test('X-Dovetail-Protocol: 2 is 400 protocol_mismatch on every /v1 route, and nothing is written', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      const admin = new HubApi(hub.url, await hub.adminKey());
      const headers = { 'x-dovetail-protocol': '2' };
      const before = snapshot(hub.dbPath);
      const answers = [
        await node.push(SOURCE, [change(1, 'p1', { v: 1 })], { headers }),
        await node.request('GET', '/v1/pull?entity=products', { headers }),
        await node.request('GET', '/v1/status', { headers }),
        await admin.request('PUT', '/v1/admin/scopes/shop-1/entities/orders/rows/o1', { headers, json: { data: { v: 1 } } }),
      ];
      for (const answer of answers) {
        const message = expectError(answer, 400, 'protocol_mismatch');
        expect(message).toContain('2');
        expect(message).toContain(String(PROTOCOL_VERSION));
      }
      expect(snapshot(hub.dbPath)).toEqual(before);
      // The version this build speaks is accepted.
      expect((await node.request('GET', '/v1/status', { headers: { 'x-dovetail-protocol': String(PROTOCOL_VERSION) } })).status).toBe(200);
    } finally {
      await hub.stop();
    }
  });

  test('an unknown route is a 404 JSON error', async ({ dir }) => {
    const hub = await startHub(dir);
    try {
      const node = new HubApi(hub.url, await hub.nodeKey());
      for (const [method, path] of [
        ['GET', '/nope'],
        ['POST', '/v1/pushh'],
        ['GET', '/v1/push'],
        ['DELETE', '/v1/pull'],
        ['GET', '/v2/pull?entity=products'],
      ] as const) {
        const message = expectError(await node.request(method, path), 404, 'not_found');
        expect(message).toContain(path.split('?')[0]!);
      }
    } finally {
      await hub.stop();
    }
  });
});
