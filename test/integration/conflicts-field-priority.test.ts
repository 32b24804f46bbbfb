import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../helpers/child.js';
import { instanceConfig, openEngine, startHub, test } from '../helpers/fixtures.js';
import { adminPut, openPos, outboxRows } from '../helpers/local-db.js';

/**
 * Seed 002's rules for the two entities both sides write, with the policies exactly as
 * examples/restaurant.json ships them: customers — is_banned, ban_reason, notes are the shop's;
 * first_name, last_name, email the hub's; addresses — latitude, longitude, instructions the shop's;
 * street, number, city the hub's; anything else by the fallback (remote-wins).
 */

type Row = Record<string, unknown>;

function restaurantEntities(): unknown[] {
  const example = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'restaurant.json'), 'utf8')) as { entities: { name: string }[] };
  const picked = example.entities.filter((e) => e.name === 'customers' || e.name === 'addresses');
  expect(picked.map((e) => e.name)).toEqual(['customers', 'addresses']);
  return picked;
}

const ANA = {
  id: 'c1',
  first_name: 'Ana',
  last_name: 'Silva',
  email: 'ana@example.com',
  phone: '555-0100',
  is_banned: false,
  ban_reason: null,
  notes: null,
};
const HOME = {
  id: 'a1',
  customer_id: 'c1',
  street: 'Rua Direita',
  number: '10',
  city: 'Porto',
  latitude: 41.1496,
  longitude: -8.611,
  instructions: 'ring twice',
};

test('seed 002: customers and addresses merge field by field as restaurant.json says', async ({ dir }) => {
  const hub = await startHub(dir);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: restaurantEntities() }));
  const pos = openPos(dbPath);
  const adminKey = await hub.adminKey();
  const put = (entity: string, data: Row) => adminPut(hub.url, adminKey, entity, String(data.id), data);
  const local = (table: string, id: string) => pos.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Row;
  const remote = async (entity: string, id: string) => (await hub.store.adminGet('shop-1', entity, id))?.data as Row;
  try {
    const customers = ['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => ({ ...ANA, id }));
    const addresses = ['a1', 'a2'].map((id) => ({ ...HOME, id }));
    for (const c of customers) await put('customers', c);
    for (const a of addresses) await put('addresses', a);
    expect((await engine.sync()).stats.pulled).toBe(7);
    expect(local('customers', 'c1')).toMatchObject({ first_name: 'Ana', is_banned: 0 });

    // c1: the shop bans the customer while the hub fixes the name and email → both kept.
    pos.prepare("UPDATE customers SET is_banned = 1, ban_reason = 'no-show x3', notes = 'called twice' WHERE id = 'c1'").run();
    await put('customers', { ...ANA, first_name: 'Ana María', email: 'ana.maria@example.com' });
    // c2: both rename → the hub's name wins; the shop's ban reason (shop-owned) wins over the hub's.
    pos.prepare("UPDATE customers SET first_name = 'Anita', last_name = 'S.', ban_reason = 'rude' WHERE id = 'c2'").run();
    await put('customers', { ...ANA, id: 'c2', first_name: 'Ana Paula', last_name: 'Souza', ban_reason: 'spam' });
    // c3: both write notes → the shop's notes win; the hub's email change merges in.
    pos.prepare("UPDATE customers SET notes = 'allergic to nuts' WHERE id = 'c3'").run();
    await put('customers', { ...ANA, id: 'c3', notes: 'VIP', email: 'ana3@example.com' });
    // c4: both change the phone (owned by nobody) → the fallback, remote-wins.
    pos.prepare("UPDATE customers SET phone = '555-0001' WHERE id = 'c4'").run();
    await put('customers', { ...ANA, id: 'c4', phone: '555-0002' });
    // c5: both ban — the hub says true, the shop 1: the same value, nothing to decide.
    pos.prepare("UPDATE customers SET is_banned = 1 WHERE id = 'c5'").run();
    await put('customers', { ...ANA, id: 'c5', is_banned: true });
    // a1: both edit everything → the pin and instructions are the shop's, the street address the hub's.
    pos
      .prepare(
        "UPDATE addresses SET street = 'Rua Direita (shop)', number = '10A', city = 'Porto (shop)', latitude = 41.15, longitude = -8.6115, instructions = 'blue door' WHERE id = 'a1'",
      )
      .run();
    await put('addresses', { ...HOME, street: 'Rua da Direita', number: '12', city: 'Vila Nova de Gaia', latitude: 41.1, longitude: -8.6, instructions: 'call on arrival' });
    // a2: the shop moves the pin, the hub corrects the street → both kept.
    pos.prepare("UPDATE addresses SET latitude = 41.2, longitude = -8.7 WHERE id = 'a2'").run();
    await put('addresses', { ...HOME, id: 'a2', street: 'Rua Esquerda' });

    const first = await engine.sync();
    expect(first.status).toBe('DONE');
    expect(first.stats.conflicts).toBe(7);
    await engine.sync();

    const expected: Record<string, Row> = {
      c1: { ...ANA, first_name: 'Ana María', email: 'ana.maria@example.com', is_banned: 1, ban_reason: 'no-show x3', notes: 'called twice' },
      c2: { ...ANA, id: 'c2', first_name: 'Ana Paula', last_name: 'Souza', ban_reason: 'rude' },
      c3: { ...ANA, id: 'c3', email: 'ana3@example.com', notes: 'allergic to nuts' },
      c4: { ...ANA, id: 'c4', phone: '555-0002' },
      c5: { ...ANA, id: 'c5', is_banned: 1 },
    };
    for (const [id, row] of Object.entries(expected)) {
      const want = { ...row, is_banned: row.is_banned === 1 ? 1 : 0 };
      expect(local('customers', id), `local ${id}`).toEqual(want);
      const onHub = await remote('customers', id);
      expect({ ...onHub, is_banned: onHub.is_banned === true || onHub.is_banned === 1 ? 1 : 0 }, `hub ${id}`).toEqual(want);
    }
    const a1 = { ...HOME, street: 'Rua da Direita', number: '12', city: 'Vila Nova de Gaia', latitude: 41.15, longitude: -8.6115, instructions: 'blue door' };
    const a2 = { ...HOME, id: 'a2', street: 'Rua Esquerda', latitude: 41.2, longitude: -8.7 };
    expect(local('addresses', 'a1')).toEqual(a1);
    expect(await remote('addresses', 'a1')).toEqual(a1);
    expect(local('addresses', 'a2')).toEqual(a2);
    expect(await remote('addresses', 'a2')).toEqual(a2);

    // Every conflict is on record with who won each field; the losing values are kept.
    const records = await engine.conflicts.list({ status: 'resolved' });
    const byKey = Object.fromEntries(records.map((r) => [`${r.entity}/${r.rowKey}`, r]));
    const resolution = (key: string) => {
      const r = byKey[key]!.resolution!;
      return r === 'merged' ? r : (JSON.parse(r) as unknown);
    };
    expect(byKey['customers/c1']!.strategy).toBe('field-priority (fallback remote-wins)');
    expect(resolution('customers/c1')).toBe('merged');
    expect(resolution('customers/c2')).toEqual({ first_name: 'remote', last_name: 'remote', ban_reason: 'local' });
    expect(byKey['customers/c2']!.localData).toMatchObject({ first_name: 'Anita', last_name: 'S.' });
    expect(byKey['customers/c2']!.remoteData).toMatchObject({ ban_reason: 'spam' });
    expect(resolution('customers/c3')).toEqual({ notes: 'local' });
    expect(byKey['customers/c3']!.remoteData).toMatchObject({ notes: 'VIP' });
    expect(resolution('customers/c4')).toEqual({ phone: 'remote' });
    expect(byKey['customers/c4']!.localData).toMatchObject({ phone: '555-0001' });
    expect(resolution('customers/c5')).toBe('merged');
    expect(resolution('addresses/a1')).toEqual({
      street: 'remote',
      number: 'remote',
      city: 'remote',
      latitude: 'local',
      longitude: 'local',
      instructions: 'local',
    });
    expect(byKey['addresses/a1']!.localData).toMatchObject({ street: 'Rua Direita (shop)', number: '10A' });
    expect(byKey['addresses/a1']!.remoteData).toMatchObject({ latitude: 41.1, instructions: 'call on arrival' });
    expect(resolution('addresses/a2')).toBe('merged');
    expect(outboxRows(pos)).toEqual([]);
  } finally {
    pos.close();
    await engine.close();
    await hub.stop();
  }
});
