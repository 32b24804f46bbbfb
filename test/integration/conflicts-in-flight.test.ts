import { join } from 'node:path';
import { expect } from 'vitest';
import { instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { adminPut, openPos, outboxRows } from '../helpers/local-db.js';

/**
 * The shop keeps writing while a push is on the wire. When that push comes back as a conflict,
 * the merge must not undo the shop's newer write (locally or on the hub), and the newer write must
 * not carry the shop's stale copy of fields the hub changed back over the hub's values.
 */

type Row = Record<string, unknown>;

const COLUMNS = { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT', phone: 'TEXT', notes: 'TEXT' };
const ANA = { id: 'c1', first_name: 'Ana', email: 'ana@old.example', phone: '555-0100', notes: null };

interface Case {
  readonly name: string;
  readonly strategy: string;
  /** SET clause of the shop's edit before the sync, and the hub's row (admin PUT) meanwhile. */
  readonly shop: string;
  readonly hub: Row;
  readonly expected: Row;
}

const CASES: Case[] = [
  {
    // The merged row differs from the hub's (the shop's note): it is pushed again.
    name: 'remote-wins, fields changed on one side each',
    strategy: 'remote-wins',
    shop: "notes = 'shop note'",
    hub: { ...ANA, email: 'ana@hub.example' },
    expected: { ...ANA, email: 'ana@hub.example', phone: '555-7777', notes: 'shop note' },
  },
  {
    name: 'local-wins, fields changed on one side each',
    strategy: 'local-wins',
    shop: "notes = 'shop note'",
    hub: { ...ANA, email: 'ana@hub.example' },
    expected: { ...ANA, email: 'ana@hub.example', phone: '555-7777', notes: 'shop note' },
  },
  {
    // The merged row IS the hub's row: nothing is re-queued, so the in-flight edit's entry is what goes next.
    name: 'remote-wins, the hub wins every field the shop changed',
    strategy: 'remote-wins',
    shop: "first_name = 'Ana (shop)'",
    hub: { ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example' },
    expected: { ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example', phone: '555-7777' },
  },
];

test.for(CASES)('$name: a shop edit made while the conflicting push is in flight survives, and reverts nothing on the hub', async (c, { dir }) => {
  let duringPush: (() => void) | null = null;
  const hub = await startHub(dir, {
    configure: (h) =>
      h.app.addHook('preHandler', (request, _reply, done) => {
        if (request.url.startsWith('/v1/push') && duringPush) {
          const write = duringPush;
          duringPush = null;
          write();
        }
        done();
      }),
  });
  const dbPath = join(dir, 'shop.db');
  const entities = [{ name: 'customers', direction: 'both', conflict: c.strategy, create: { columns: COLUMNS } }];
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities }));
  const pos = openPos(dbPath);
  const adminKey = await hub.adminKey();
  const local = () => pos.prepare("SELECT * FROM customers WHERE id = 'c1'").get() as Row;
  const remote = async () => (await hub.store.adminGet('shop-1', 'customers', 'c1'))?.data as Row;
  try {
    await adminPut(hub.url, adminKey, 'customers', 'c1', ANA);
    await engine.sync();

    pos.prepare(`UPDATE customers SET ${c.shop} WHERE id = 'c1'`).run();
    await adminPut(hub.url, adminKey, 'customers', 'c1', c.hub);
    // While that push is on the wire (the hub has not answered yet), the shop also changes the phone.
    duringPush = () => pos.prepare("UPDATE customers SET phone = '555-7777' WHERE id = 'c1'").run();

    const first = await engine.sync();
    expect(first.stats.conflicts).toBe(1);
    expect(duringPush).toBeNull();
    await engine.sync();
    await engine.sync();

    expect({ local: local(), hub: await remote() }).toEqual({ local: c.expected, hub: c.expected });
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});
