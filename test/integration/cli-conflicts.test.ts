import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ConflictRecord } from '../../src/core/conflict-store.js';
import { dovetail } from '../helpers/cli.js';
import { startHub, test } from '../helpers/fixtures.js';
import { adminPut, openPos } from '../helpers/local-db.js';

/** `dovetail conflicts list|show|resolve` as a person at the shop uses it, against a real hub. */

const COLUMNS = { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT', notes: 'TEXT' };
const ANA = { first_name: 'Ana', email: 'ana@old.example', notes: null };

test('conflicts list, show, resolve --keep / --field, bulk resolve, and usage errors exit 2', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({
        hub: { url: hub.url, apiKey: await hub.nodeKey() },
        database: { type: 'sqlite', path: 'shop.db' },
        entities: [{ name: 'customers', direction: 'both', conflict: 'manual', create: { columns: COLUMNS } }],
      }),
    );
    const adminKey = await hub.adminKey();
    for (const id of ['c1', 'c2', 'c3']) await adminPut(hub.url, adminKey, 'customers', id, { id, ...ANA });
    const cli = (...args: string[]) => dovetail(['conflicts', ...args], { cwd: dir });
    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);

    // c1: first_name and email changed on both sides; c2, c3: first_name only.
    const pos = openPos(join(dir, 'shop.db'));
    try {
      pos.prepare("UPDATE customers SET first_name = 'Ana (shop)', email = 'ana@shop.example' WHERE id = 'c1'").run();
      pos.prepare("UPDATE customers SET first_name = 'Ana (shop)', notes = 'shop note' WHERE id IN ('c2', 'c3')").run();
    } finally {
      pos.close();
    }
    await adminPut(hub.url, adminKey, 'customers', 'c1', { id: 'c1', ...ANA, first_name: 'Ana (hub)', email: 'ana@hub.example' });
    for (const id of ['c2', 'c3']) await adminPut(hub.url, adminKey, 'customers', id, { id, ...ANA, first_name: 'Ana (hub)' });
    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);

    // The conflict ids, read from the agent database (what `conflicts list --json` also prints).
    const ids = openPos(join(dir, 'shop.db'));
    let open: { id: number; row_key: string; status: string; strategy: string }[];
    try {
      open = ids.prepare('SELECT id, row_key, status, strategy FROM sync_conflicts ORDER BY row_key').all() as typeof open;
    } finally {
      ids.close();
    }
    expect(open.map((c) => [c.row_key, c.status, c.strategy])).toEqual([
      ['c1', 'open', 'manual'],
      ['c2', 'open', 'manual'],
      ['c3', 'open', 'manual'],
    ]);
    const id = (key: string) => String(open.find((c) => c.row_key === key)!.id);

    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`#${id('c1')}\\s+open\\s+customers/c1\\s+manual\\s+fields: (first_name, email|email, first_name)`));
    expect(list.stdout).toMatch(/customers\/c2\s+manual\s+fields: first_name/);

    const show = await cli('show', id('c1'));
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`conflict #${id('c1')} on customers/c1 — open, strategy manual`));
    expect(show.stdout).toMatch(/✗ first_name\s+"Ana"\s+"Ana \(shop\)"\s+"Ana \(hub\)"/);
    expect(show.stdout).toMatch(/✗ email\s+"ana@old.example"\s+"ana@shop.example"\s+"ana@hub.example"/);
    expect(show.stdout).toMatch(/^ {2}notes\s+null\s+null\s+null/m);

    // Bad usage: exit 2, nothing resolved (the per-field resolve below still finds c1 open).
    const sideways = await cli('resolve', id('c1'), '--keep', 'sideways');
    expect(sideways.code).toBe(2);
    expect(sideways.stderr).toMatch(/--keep: expected local or remote, got "sideways"/);
    const noEquals = await cli('resolve', id('c1'), '--field', 'x');
    expect(noEquals.code).toBe(2);
    expect(noEquals.stderr).toMatch(/--field x: expected NAME=local/);
    const unknownField = await cli('resolve', id('c1'), '--field', 'nickname=local');
    expect(unknownField.code).toBe(2);
    expect(unknownField.stderr).toMatch(/no field nickname/);
    const noId = await cli('resolve');
    expect(noId.code).toBe(2);

    // Per field: the shop's name, a typed email.
    const byField = await cli('resolve', id('c1'), '--field', 'first_name=local', '--field', 'email=value:"ana@typed.example"');
    expect(byField.code).toBe(0);
    expect(byField.stdout).toMatch(new RegExp(`conflict #${id('c1')} resolved; the result is pushed on the next sync`));
    const again = await cli('resolve', id('c1'), '--keep', 'remote');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already resolved/);
    // Keep remote for c2; the rest of the entity in bulk, keeping the shop's side.
    expect((await cli('resolve', id('c2'), '--keep', 'remote')).code).toBe(0);
    const bulk = await cli('resolve', '--entity', 'customers', '--keep', 'local');
    expect(bulk.code).toBe(0);
    expect(bulk.stdout).toMatch(/1 conflict\(s\) of customers resolved keeping local/);
    const all = await cli('list', '--all', '--json');
    expect((JSON.parse(all.stdout) as ConflictRecord[]).map((c) => c.status)).toEqual(['resolved', 'resolved', 'resolved']);

    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
    const expected = {
      c1: { id: 'c1', ...ANA, first_name: 'Ana (shop)', email: 'ana@typed.example' },
      c2: { id: 'c2', ...ANA, first_name: 'Ana (hub)', notes: 'shop note' },
      c3: { id: 'c3', ...ANA, first_name: 'Ana (shop)', notes: 'shop note' },
    };
    const check = openPos(join(dir, 'shop.db'));
    try {
      for (const [key, row] of Object.entries(expected)) {
        expect((await hub.store.adminGet('shop-1', 'customers', key))?.data, `hub ${key}`).toEqual(row);
        expect(check.prepare('SELECT * FROM customers WHERE id = ?').get(key), `local ${key}`).toEqual(row);
      }
    } finally {
      check.close();
    }
  } finally {
    await hub.stop();
  }
}, 180_000);
