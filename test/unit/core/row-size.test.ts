import { describe, expect, test } from 'vitest';
import { MAX_ROW_BYTES, rowBytes, rowTooLarge } from '../../../src/protocol/index.js';

const exact = (data: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(data), 'utf8');

describe('row sizes', () => {
  test('small rows are measured by a bound that is never below their JSON size, whatever they hold', () => {
    const rows = [
      { id: 'c1', name: 'Ana', price: 10.5, deleted: false, note: null },
      { id: '\u0000\u001f"\\', emoji: '🍕🍕🍕', accents: 'ção ñ ü', n: -1.2345678901234567e308 },
      { nested: { a: [1, 2, { b: 'ü' }] }, list: ['x', 'y'] },
      { ['k'.repeat(500)]: 'é'.repeat(5000) },
    ];
    for (const row of rows) expect(rowBytes(row)).toBeGreaterThanOrEqual(exact(row));
  });

  test('big rows are measured exactly, and only those over 1 MiB are refused, with their size in words', () => {
    const justFits = { id: 'x', blob: 'a'.repeat(MAX_ROW_BYTES - 20) };
    expect(rowBytes(justFits)).toBe(exact(justFits));
    expect(exact(justFits)).toBe(MAX_ROW_BYTES);
    expect(rowTooLarge(justFits)).toBeNull();
    expect(rowTooLarge({ ...justFits, blob: `${justFits.blob}a` })).toBe('row is 1.0 MB, over the 1 MB limit per row');
    expect(rowTooLarge({ text: 'é'.repeat(1024 * 1024) })).toBe('row is 2.0 MB, over the 1 MB limit per row');
    expect(rowTooLarge({ text: 'x'.repeat(10 * 1024 * 1024) })).toBe('row is 10 MB, over the 1 MB limit per row');
    expect(rowTooLarge(null)).toBeNull();
  });
});
