import { describe, expect } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { startHub, test, type RunningHub } from '../helpers/fixtures.js';
import { openLocalStore, type LocalStore } from '../helpers/local-store.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Each column type a POS uses, per engine, and the values a shop sells with. */
const SHAPES = {
  mysql: {
    table: `CREATE TABLE sales (
      id BIGINT NOT NULL PRIMARY KEY, total DECIMAL(22,2), price DECIMAL(10,2), note_latin1 VARCHAR(64) CHARACTER SET latin1,
      note TEXT, photo BLOB, code VARBINARY(8), flags BIT(8), extra JSON, sold_at DATETIME(3), day DATE, at_time TIME, empty VARCHAR(8)
    ) DEFAULT CHARSET=utf8mb4`,
    insert: `INSERT INTO sales VALUES
      (9007199254740993, 12345678901234567890.12, 12.50, 'Pão de queijo', 'ñandú 🍕 "quoted" \\\\ back', X'00FFC3A9', X'0001FF', b'10100101',
       '{"a":1,"b":[true,null,"é"]}', '2026-03-08 02:30:00.123', '2026-12-31', '23:59:59', NULL),
      (1, -0.01, 0.00, 'café', '', X'', X'00', b'00000000', '[]', '1999-12-31 23:59:59.999', '1970-01-01', '00:00:00', NULL)`,
  },
  sqlite: {
    table: `CREATE TABLE sales (
      id INTEGER NOT NULL PRIMARY KEY, total TEXT, price NUMERIC, note_latin1 TEXT, note TEXT, photo BLOB, code BLOB, flags INTEGER,
      extra TEXT, sold_at TEXT, day TEXT, at_time TEXT, empty TEXT
    )`,
    insert: `INSERT INTO sales VALUES
      (9007199254740993, '12345678901234567890.12', 12.5, 'Pão de queijo', 'ñandú 🍕 "quoted" \\ back', X'00FFC3A9', X'0001FF', 165,
       '{"a":1,"b":[true,null,"é"]}', '2026-03-08 02:30:00.123', '2026-12-31', '23:59:59', NULL),
      (1, '-0.01', 0.1, 'café', '', X'', X'00', 0, '[]', '1999-12-31 23:59:59.999', '1970-01-01', '00:00:00', NULL)`,
  },
} as const;

/** Every column of every row as the database holds it: bytes in hex with their type, so nothing can hide. */
function exactSql(kind: 'sqlite' | 'mysql'): string {
  const columns = ['id', 'total', 'price', 'note_latin1', 'note', 'photo', 'code', 'flags', 'extra', 'sold_at', 'day', 'at_time', 'empty'];
  const cell = (c: string) => (kind === 'sqlite' ? `typeof(${c}) || ':' || hex(${c})` : `CONCAT_WS(':', ${c} IS NULL, HEX(${c}))`);
  return `SELECT ${columns.map((c) => `${cell(c)} AS ${c}`).join(', ')} FROM sales ORDER BY id`;
}

function open(local: LocalStore, hub: RunningHub, apiKey: string, direction: 'push' | 'pull'): Promise<SyncEngine> {
  const config = parseConfig(
    { hub: { url: hub.url, apiKey, timeoutMs: 20_000 }, database: local.database, entities: [{ name: 'sales', direction }] },
    { baseDir: '/', env: {} },
  );
  return SyncEngine.open(config.instances[0]!, { logger: silentLogger() });
}

describe.each(['sqlite', 'mysql'] as const)('every column type a POS uses, shop → hub → shop on %s', (kind) => {
  test('arrives byte for byte: big ids and long decimals exact, bytes as bytes, text in any charset, dates unshifted, NULLs', async ({ dir }) => {
    const hub = await startHub(dir);
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const shopA = await openLocalStore(kind, join(dir, 'a'));
    const shopB = await openLocalStore(kind, join(dir, 'b'));
    try {
      for (const shop of [shopA, shopB]) await shop.run(SHAPES[kind].table);
      const sender = await open(shopA, hub, await hub.nodeKey('shop-1', 'till-a'), 'push');
      const receiver = await open(shopB, hub, await hub.nodeKey('shop-1', 'till-b'), 'pull');
      await shopA.run(SHAPES[kind].insert);
      const sent = await sender.sync();
      expect(sent.error).toBeNull();
      expect(sent.stats.pushed).toBe(2);
      // The hub holds the exact values a JSON number cannot: as decimal text, never rounded.
      const onHub = await hub.store.adminGet('shop-1', 'sales', '9007199254740993');
      expect(onHub?.data).toMatchObject({ id: '9007199254740993', total: '12345678901234567890.12', photo: { $base64: 'AP/DqQ==' } });
      const received = await receiver.sync();
      expect(received.error).toBeNull();
      expect(received.stats.pulled).toBe(2);
      const original = await shopA.all(exactSql(kind));
      expect(original).toHaveLength(2);
      expect(await shopB.all(exactSql(kind))).toEqual(original);
      await sender.close();
      await receiver.close();
    } finally {
      await shopA.close();
      await shopB.close();
      await hub.stop();
    }
  });
});
