import { describe, expect, test } from 'vitest';
import { diffFields, mergeRow, sameValue, type ConflictPolicy, type MergeResult } from '../../../src/core/merge.js';
import type { RowData } from '../../../src/protocol/index.js';

const REMOTE_WINS: ConflictPolicy = { strategy: 'remote-wins' };
const LOCAL_WINS: ConflictPolicy = { strategy: 'local-wins' };
const NEWEST_WINS: ConflictPolicy = { strategy: 'newest-wins' };
const MANUAL: ConflictPolicy = { strategy: 'manual' };
/** seed 002's customers: the shop owns the ban and notes, the hub owns the name and email. */
const CUSTOMERS: ConflictPolicy = {
  strategy: 'field-priority',
  localFields: ['is_banned', 'ban_reason', 'notes'],
  remoteFields: ['first_name', 'last_name', 'email'],
  fallback: 'remote-wins',
};

const EARLY = '2026-01-05T08:00:00.000Z';
const LATE = '2026-01-05T09:00:00.000Z';

const base: RowData = { id: 'c1', first_name: 'Ana', email: 'ana@example.com', phone: '555-0100', notes: null, is_banned: 0 };

function merged(result: MergeResult): { row: RowData | null; decisions: Readonly<Record<string, string>> } {
  if (result.outcome !== 'merged') throw new Error(`expected a merged outcome, got ${result.outcome}`);
  return { row: result.row, decisions: result.decisions };
}

describe('sameValue', () => {
  test('booleans equal 0/1, undefined equals null, objects compare by JSON', () => {
    expect(sameValue(true, 1)).toBe(true);
    expect(sameValue(false, 0)).toBe(true);
    expect(sameValue(true, 0)).toBe(false);
    expect(sameValue(undefined, null)).toBe(true);
    expect(sameValue(0, null)).toBe(false);
    expect(sameValue('1', 1)).toBe(false);
    expect(sameValue({ a: [1, 2] }, { a: [1, 2] })).toBe(true);
    expect(sameValue({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});

describe('diffFields', () => {
  test('flags each side’s changes; only a field changed on both sides to different values conflicts', () => {
    const local = { ...base, first_name: 'Ana L', phone: '555-0199', notes: 'regular' };
    const remote = { ...base, first_name: 'Ana R', email: 'ana@new.example', phone: '555-0199' };
    const byField = Object.fromEntries(diffFields(base, local, remote).map((f) => [f.field, f]));
    expect(byField.id).toMatchObject({ localChanged: false, remoteChanged: false, conflicting: false });
    expect(byField.first_name).toEqual({
      field: 'first_name',
      base: 'Ana',
      local: 'Ana L',
      remote: 'Ana R',
      localChanged: true,
      remoteChanged: true,
      conflicting: true,
    });
    expect(byField.email).toMatchObject({ localChanged: false, remoteChanged: true, conflicting: false });
    expect(byField.notes).toMatchObject({ base: null, local: 'regular', remote: null, localChanged: true, remoteChanged: false, conflicting: false });
    // Both sides made the same change: no conflict.
    expect(byField.phone).toMatchObject({ localChanged: true, remoteChanged: true, conflicting: false });
  });

  test('booleans from the hub equal the shop’s 0/1', () => {
    const fields = diffFields({ id: 'c1', is_banned: 0 }, { id: 'c1', is_banned: 1 }, { id: 'c1', is_banned: true });
    expect(fields.find((f) => f.field === 'is_banned')).toMatchObject({ localChanged: true, remoteChanged: true, conflicting: false });
    const unchanged = diffFields({ id: 'c1', is_banned: 0 }, { id: 'c1', is_banned: 0 }, { id: 'c1', is_banned: false });
    expect(unchanged.find((f) => f.field === 'is_banned')).toMatchObject({ localChanged: false, remoteChanged: false, conflicting: false });
  });

  test('a field the local table lacks is not compared; a field the hub’s row lacks is not changed by the hub', () => {
    const fields = diffFields({ id: 'c1', a: 1 }, { id: 'c1', a: 2 }, { id: 'c1', extra: 'x' });
    expect(fields.map((f) => f.field).sort()).toEqual(['a', 'id']);
    expect(fields.find((f) => f.field === 'a')).toMatchObject({ localChanged: true, remoteChanged: false, conflicting: false });
  });

  test('without a base (insert/insert) every field is changed by whoever has it; equal values do not conflict', () => {
    const fields = diffFields(null, { id: 'c9', first_name: 'Bo', email: null }, { id: 'c9', first_name: 'Bea' });
    expect(fields.find((f) => f.field === 'id')).toMatchObject({ localChanged: true, remoteChanged: true, conflicting: false });
    expect(fields.find((f) => f.field === 'first_name')).toMatchObject({ base: null, conflicting: true });
    expect(fields.find((f) => f.field === 'email')).toMatchObject({ localChanged: true, remoteChanged: false, conflicting: false });
  });
});

describe('mergeRow: update against update', () => {
  const local = { ...base, first_name: 'Ana L', notes: 'regular', is_banned: 1 };
  const remote = { ...base, first_name: 'Ana R', email: 'ana@new.example', is_banned: true };

  test('fields changed on one side merge by themselves with any strategy, even manual', () => {
    const disjointLocal = { ...base, notes: 'regular' };
    const disjointRemote = { ...base, email: 'ana@new.example' };
    for (const policy of [REMOTE_WINS, LOCAL_WINS, NEWEST_WINS, CUSTOMERS, MANUAL]) {
      const result = merged(mergeRow(policy, { base, local: disjointLocal, remote: disjointRemote, localAt: LATE, remoteAt: EARLY }));
      expect(result.row).toEqual({ ...base, notes: 'regular', email: 'ana@new.example' });
      expect(result.decisions).toEqual({});
    }
  });

  test('remote-wins takes the hub’s value of a conflicting field and keeps the rest of both sides', () => {
    const result = merged(mergeRow(REMOTE_WINS, { base, local, remote }));
    expect(result.row).toEqual({ ...base, first_name: 'Ana R', email: 'ana@new.example', notes: 'regular', is_banned: true });
    expect(result.decisions).toEqual({ first_name: 'remote' });
  });

  test('local-wins takes the shop’s value', () => {
    const result = merged(mergeRow(LOCAL_WINS, { base, local, remote }));
    expect(result.row).toEqual({ ...base, first_name: 'Ana L', email: 'ana@new.example', notes: 'regular', is_banned: true });
    expect(result.decisions).toEqual({ first_name: 'local' });
  });

  test('newest-wins by change time; a tie or a missing time goes to the hub', () => {
    const pick = (localAt: string | null | undefined, remoteAt: string | null | undefined) =>
      merged(mergeRow(NEWEST_WINS, { base, local, remote, localAt, remoteAt })).row?.first_name;
    expect(pick(LATE, EARLY)).toBe('Ana L');
    expect(pick(EARLY, LATE)).toBe('Ana R');
    expect(pick(LATE, LATE)).toBe('Ana R');
    expect(pick(LATE, null)).toBe('Ana R');
    expect(pick(undefined, EARLY)).toBe('Ana R');
  });

  test('field-priority: owned fields go to their owner, the others to the fallback', () => {
    const l = { ...base, first_name: 'Ana L', notes: 'shop note', phone: '555-0001' };
    const r = { ...base, first_name: 'Ana R', notes: 'hub note', phone: '555-0002' };
    const result = merged(mergeRow(CUSTOMERS, { base, local: l, remote: r }));
    expect(result.row).toEqual({ ...base, first_name: 'Ana R', notes: 'shop note', phone: '555-0002' });
    expect(result.decisions).toEqual({ first_name: 'remote', notes: 'local', phone: 'remote' });

    const localFallback = merged(mergeRow({ ...CUSTOMERS, fallback: 'local-wins' }, { base, local: l, remote: r }));
    expect(localFallback.row).toEqual({ ...base, first_name: 'Ana R', notes: 'shop note', phone: '555-0001' });

    const newestFallback = (localAt: string, remoteAt: string) =>
      merged(mergeRow({ ...CUSTOMERS, fallback: 'newest-wins' }, { base, local: l, remote: r, localAt, remoteAt })).row?.phone;
    expect(newestFallback(LATE, EARLY)).toBe('555-0001');
    expect(newestFallback(EARLY, EARLY)).toBe('555-0002');

    // Without a fallback the hub wins the unowned fields.
    const noFallback = merged(mergeRow({ strategy: 'field-priority', localFields: ['notes'] }, { base, local: l, remote: r }));
    expect(noFallback.row).toMatchObject({ first_name: 'Ana R', notes: 'shop note', phone: '555-0002' });
  });

  test('field-priority with a manual fallback: owned fields settle, an unowned conflicting field asks a person', () => {
    const policy: ConflictPolicy = { ...CUSTOMERS, fallback: 'manual' };
    const owned = merged(mergeRow(policy, { base, local: { ...base, notes: 'a', first_name: 'L' }, remote: { ...base, notes: 'b', first_name: 'R' } }));
    expect(owned.row).toMatchObject({ notes: 'a', first_name: 'R' });
    const result = mergeRow(policy, { base, local: { ...base, phone: '1' }, remote: { ...base, phone: '2' } });
    expect(result.outcome).toBe('manual');
  });

  test('manual: a conflicting field gives no row, only the field-by-field comparison', () => {
    const result = mergeRow(MANUAL, { base, local, remote });
    expect(result.outcome).toBe('manual');
    expect(result).not.toHaveProperty('row');
    expect(result.fields.filter((f) => f.conflicting).map((f) => f.field)).toEqual(['first_name']);
    expect(result.fields.find((f) => f.field === 'is_banned')).toMatchObject({ localChanged: true, remoteChanged: true, conflicting: false });
  });

  test('the same change on both sides (true ≡ 1) is no conflict, even for manual', () => {
    const result = merged(mergeRow(MANUAL, { base, local: { ...base, is_banned: 1 }, remote: { ...base, is_banned: true } }));
    expect(result.decisions).toEqual({});
    expect(sameValue(result.row?.is_banned, 1)).toBe(true);
  });
});

describe('mergeRow: delete against update', () => {
  const edited = { ...base, notes: 'regular' };

  test('update (local) against delete (hub) is decided for the whole row', () => {
    const input = { base, local: edited, remote: null, localAt: LATE, remoteAt: EARLY };
    expect(merged(mergeRow(REMOTE_WINS, input))).toEqual({ row: null, decisions: { '*': 'remote' } });
    expect(merged(mergeRow(LOCAL_WINS, input))).toEqual({ row: edited, decisions: { '*': 'local' } });
    expect(merged(mergeRow(NEWEST_WINS, input)).row).toEqual(edited);
    expect(merged(mergeRow(NEWEST_WINS, { ...input, localAt: EARLY, remoteAt: LATE })).row).toBeNull();
    expect(merged(mergeRow(NEWEST_WINS, { ...input, localAt: LATE, remoteAt: LATE })).row).toBeNull();
    // field-priority decides a whole-row conflict by its fallback.
    expect(merged(mergeRow(CUSTOMERS, input)).row).toBeNull();
    expect(merged(mergeRow({ ...CUSTOMERS, fallback: 'local-wins' }, input)).row).toEqual(edited);
    expect(mergeRow(MANUAL, input).outcome).toBe('manual');
  });

  test('delete (local) against update (hub) is decided for the whole row', () => {
    const input = { base, local: null, remote: edited, localAt: EARLY, remoteAt: LATE };
    expect(merged(mergeRow(REMOTE_WINS, input))).toEqual({ row: edited, decisions: { '*': 'remote' } });
    expect(merged(mergeRow(LOCAL_WINS, input))).toEqual({ row: null, decisions: { '*': 'local' } });
    expect(merged(mergeRow(NEWEST_WINS, input)).row).toEqual(edited);
    expect(merged(mergeRow(NEWEST_WINS, { ...input, localAt: LATE, remoteAt: EARLY })).row).toBeNull();
    const manual = mergeRow(MANUAL, input);
    expect(manual.outcome).toBe('manual');
    expect(manual.fields.find((f) => f.field === 'notes')).toMatchObject({ base: null, local: 'regular', conflicting: false });
  });

  test('a delete against a row the other side did not touch stands, whatever the strategy', () => {
    for (const policy of [REMOTE_WINS, LOCAL_WINS, NEWEST_WINS, CUSTOMERS, MANUAL]) {
      expect(merged(mergeRow(policy, { base, local: null, remote: { ...base, is_banned: false } }))).toMatchObject({ row: null, decisions: {} });
      expect(merged(mergeRow(policy, { base, local: { ...base }, remote: null }))).toMatchObject({ row: null, decisions: {} });
    }
  });

  test('deleted on both sides: deleted', () => {
    expect(merged(mergeRow(MANUAL, { base, local: null, remote: null }))).toEqual({ row: null, decisions: {} });
  });

  test('a hub edit that adds a field the base lacked is an edit, not an untouched row (delete does not silently win)', () => {
    // The shop synced the row before the hub had an email for it; the hub then added one, the shop deleted.
    const partialBase = { id: 'c1', first_name: 'Ana' };
    const remote = { id: 'c1', first_name: 'Ana', email: 'ana@example.com' };
    // diffFields calls a field missing from the base "changed by whoever has it" ...
    expect(diffFields(partialBase, remote, remote).find((f) => f.field === 'email')).toMatchObject({ localChanged: true });
    // ... so under remote-wins the hub's edited row must survive the shop's delete.
    const result = mergeRow(REMOTE_WINS, { base: partialBase, local: null, remote });
    expect(merged(result)).toEqual({ row: remote, decisions: { '*': 'remote' } });
  });
});

describe('mergeRow: insert against insert (no base)', () => {
  const local = { id: 'c9', first_name: 'Bo', email: 'bo@shop.example', notes: 'walk-in' };
  const remote = { id: 'c9', first_name: 'Bea', email: 'bo@shop.example', phone: '555-0300' };

  test('equal fields agree, one-sided fields are kept, differing fields follow the strategy', () => {
    const r = merged(mergeRow(REMOTE_WINS, { base: null, local, remote }));
    expect(r.row).toEqual({ id: 'c9', first_name: 'Bea', email: 'bo@shop.example', notes: 'walk-in', phone: '555-0300' });
    expect(r.decisions).toEqual({ first_name: 'remote' });
    expect(merged(mergeRow(LOCAL_WINS, { base: null, local, remote })).row).toMatchObject({ first_name: 'Bo', phone: '555-0300' });
    expect(merged(mergeRow(NEWEST_WINS, { base: null, local, remote, localAt: LATE, remoteAt: EARLY })).row?.first_name).toBe('Bo');
    expect(merged(mergeRow(NEWEST_WINS, { base: null, local, remote, localAt: EARLY, remoteAt: EARLY })).row?.first_name).toBe('Bea');
    expect(merged(mergeRow(CUSTOMERS, { base: null, local, remote })).row?.first_name).toBe('Bea');
    expect(merged(mergeRow({ ...CUSTOMERS, localFields: ['first_name'], remoteFields: [] }, { base: null, local, remote })).row?.first_name).toBe('Bo');
    const manual = mergeRow(MANUAL, { base: null, local, remote });
    expect(manual.outcome).toBe('manual');
    expect(manual.fields.filter((f) => f.conflicting).map((f) => f.field)).toEqual(['first_name']);
  });

  test('identical inserts are no conflict, even for manual', () => {
    const result = merged(mergeRow(MANUAL, { base: null, local: { id: 'c9', is_banned: 1 }, remote: { id: 'c9', is_banned: true } }));
    expect(result.decisions).toEqual({});
  });
});
