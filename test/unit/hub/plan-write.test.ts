import { describe, expect, test } from 'vitest';
import type { WriteRow } from '../../../src/hub/hub-store.js';
import { planWrite, type StoredRow } from '../../../src/hub/plan-write.js';

/** Version 7 of a row, written by pos-1's outbox `src-a` as its seq 5. */
const CURRENT: StoredRow = {
  data: JSON.stringify({ id: 'r1', val: 2, note: 'kept' }),
  version: 7,
  deleted: 0,
  updated_at: '2026-01-01T00:00:00.000Z',
  origin: 'node:pos-1',
  writer_source: 'src-a',
  writer_seq: 5,
};

function push(seq: number, baseVersion: number | null, writer: Partial<NonNullable<WriteRow['writer']>> = {}): WriteRow {
  return {
    entity: 'sales',
    key: 'r1',
    op: 'upsert',
    data: { id: 'r1', val: 3 },
    baseVersion,
    merge: true,
    writer: { origin: 'node:pos-1', source: 'src-a', seq, ...writer },
  };
}

describe('planWrite: a node\'s own applied change is not a conflict against its later changes', () => {
  test('same node and source, lower seq, stale base: written, merged onto the current row', () => {
    expect(planWrite(CURRENT, push(6, 6))).toEqual({ kind: 'write', data: JSON.stringify({ id: 'r1', val: 3, note: 'kept' }), deleted: false });
    // The row's first change was an insert the node never settled: its base is still null.
    expect(planWrite(CURRENT, push(9, null))).toMatchObject({ kind: 'write' });
    // A delete over its own unsettled change.
    expect(planWrite(CURRENT, { ...push(6, 6), op: 'delete', data: null })).toEqual({ kind: 'write', data: null, deleted: true });
  });

  test('the same or a lower seq is no later change: conflict', () => {
    expect(planWrite(CURRENT, push(5, 6))).toMatchObject({ kind: 'answer', outcome: { status: 'conflict', remote: { version: 7 } } });
    expect(planWrite(CURRENT, push(4, 6))).toMatchObject({ kind: 'answer', outcome: { status: 'conflict' } });
  });

  test('another source, another node, or an admin write: conflict as before', () => {
    expect(planWrite(CURRENT, push(6, 6, { source: 'src-b' }))).toMatchObject({ kind: 'answer', outcome: { status: 'conflict' } });
    expect(planWrite(CURRENT, push(6, 6, { origin: 'node:pos-2' }))).toMatchObject({ kind: 'answer', outcome: { status: 'conflict' } });
    const byAdmin: StoredRow = { ...CURRENT, origin: 'admin:backend', writer_source: null, writer_seq: null };
    expect(planWrite(byAdmin, push(6, 6))).toMatchObject({ kind: 'answer', outcome: { status: 'conflict' } });
    // A row from before writers were kept has none.
    expect(planWrite({ ...CURRENT, writer_source: null, writer_seq: null }, push(6, 6))).toMatchObject({ kind: 'answer', outcome: { status: 'conflict' } });
  });

  test('a write without a writer (admin) keeps its optimistic check', () => {
    const admin: WriteRow = { entity: 'sales', key: 'r1', op: 'upsert', data: { val: 1 }, baseVersion: 6 };
    expect(planWrite(CURRENT, admin)).toMatchObject({ kind: 'answer', outcome: { status: 'conflict' } });
    expect(planWrite(CURRENT, { ...admin, baseVersion: undefined })).toEqual({ kind: 'write', data: JSON.stringify({ val: 1 }), deleted: false });
  });

  test('a matching base is written whoever wrote the row', () => {
    expect(planWrite(CURRENT, push(6, 7, { source: 'src-b', origin: 'node:pos-2' }))).toMatchObject({ kind: 'write' });
  });
});
