import { describe, expect, test } from 'vitest';
import { keyMismatch } from '../../../src/protocol/index.js';

describe('keyMismatch: the key decides which row a change is', () => {
  test('a key column with another value in data is named, with both values', () => {
    expect(keyMismatch('k-mismatch', ['id'], { id: 'victim', name: 'x' })).toEqual({
      column: 'id',
      message: 'data.id "victim" does not match the row key "k-mismatch"',
    });
    expect(keyMismatch('[7,3]', ['contact_id', 'sector_id'], { contact_id: 7, sector_id: 4 })).toEqual({
      column: 'sector_id',
      message: 'data.sector_id 4 does not match the row key "[7,3]"',
    });
  });

  test('agreeing values, compared as text, and key columns absent or null in data are fine', () => {
    expect(keyMismatch('p1', ['id'], { id: 'p1', price: 2 })).toBeNull();
    expect(keyMismatch('5', ['id'], { id: 5 })).toBeNull();
    expect(keyMismatch('[7,"3"]', ['contact_id', 'sector_id'], { contact_id: '7', sector_id: 3 })).toBeNull();
    expect(keyMismatch('["a",1]', ['code', 'flag'], { flag: true })).toBeNull();
    expect(keyMismatch('p1', ['id'], { name: 'no id' })).toBeNull();
    expect(keyMismatch('p1', ['id'], { id: null })).toBeNull();
    expect(keyMismatch('p1', ['id'], null)).toBeNull();
    // Nothing declared: nothing to check.
    expect(keyMismatch('p1', [], { id: 'other' })).toBeNull();
  });

  test('a composite key that is not an array of as many values does not fit', () => {
    expect(keyMismatch('7-3', ['contact_id', 'sector_id'], { note: 'x' })?.message).toBe(
      'row key "7-3" is not a JSON array of 2 values (contact_id, sector_id)',
    );
    expect(keyMismatch('[7]', ['contact_id', 'sector_id'], { note: 'x' })?.column).toBeNull();
  });
});
