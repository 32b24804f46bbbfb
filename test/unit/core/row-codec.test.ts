import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { keyValues, rowKeyOf, toMysqlDateTime, toSqlValue } from '../../../src/core/row-codec.js';

describe('toSqlValue', () => {
  test('scalars pass through, booleans become 0/1, null and undefined become NULL', () => {
    expect(toSqlValue('text')).toBe('text');
    expect(toSqlValue('')).toBe('');
    expect(toSqlValue(12.5)).toBe(12.5);
    expect(toSqlValue(0)).toBe(0);
    expect(toSqlValue(10n)).toBe(10n);
    expect(toSqlValue(true)).toBe(1);
    expect(toSqlValue(false)).toBe(0);
    expect(toSqlValue(null)).toBeNull();
    expect(toSqlValue(undefined)).toBeNull();
  });

  test('objects and arrays become JSON text', () => {
    expect(toSqlValue({ a: 1, b: [true, null] })).toBe('{"a":1,"b":[true,null]}');
    expect(toSqlValue([1, 'x'])).toBe('[1,"x"]');
    expect(toSqlValue({})).toBe('{}');
  });

  test('every result binds in better-sqlite3', () => {
    const db = new Database(':memory:');
    try {
      const select = db.prepare('SELECT ? AS v');
      for (const value of ['x', 1.5, 7n, true, null, undefined, { a: 1 }, [1]]) {
        expect(() => select.get(toSqlValue(value))).not.toThrow();
      }
    } finally {
      db.close();
    }
  });
});

describe('keyValues', () => {
  test('a single key column: the row key text itself', () => {
    expect(keyValues('p1', ['id'])).toEqual(['p1']);
    expect(keyValues('["not","parsed"]', ['id'])).toEqual(['["not","parsed"]']);
  });

  test('a composite key: the elements of the JSON array, as bindable values', () => {
    expect(keyValues('["o1",2]', ['order_id', 'line'])).toEqual(['o1', 2]);
    expect(keyValues('["o1",true,null]', ['a', 'b', 'c'])).toEqual(['o1', 1, null]);
  });

  test('a composite key that does not match the key columns is refused', () => {
    expect(() => keyValues('["o1"]', ['order_id', 'line'])).toThrow(/order_id, line/);
    expect(() => keyValues('["o1",1,2]', ['order_id', 'line'])).toThrow(/order_id, line/);
    expect(() => keyValues('{"order_id":"o1","line":1}', ['order_id', 'line'])).toThrow(/order_id, line/);
    expect(() => keyValues('o1', ['order_id', 'line'])).toThrow();
  });
});

describe('rowKeyOf', () => {
  test('single key: the value as text', () => {
    expect(rowKeyOf({ id: 'p1', name: 'x' }, ['id'])).toBe('p1');
    expect(rowKeyOf({ id: 42 }, ['id'])).toBe('42');
  });

  test('composite key: a compact JSON array in key order, missing parts as null', () => {
    expect(rowKeyOf({ line: 2, order_id: 'o1' }, ['order_id', 'line'])).toBe('["o1",2]');
    expect(rowKeyOf({ order_id: 'o1' }, ['order_id', 'line'])).toBe('["o1",null]');
  });

  test('round-trips with keyValues', () => {
    const key = ['order_id', 'line'];
    const row = { order_id: 'o "1" é', line: 7 };
    expect(keyValues(rowKeyOf(row, key), key)).toEqual([row.order_id, row.line]);
  });

  test("matches the text SQLite's json_array / CAST give the capture triggers", () => {
    const db = new Database(':memory:');
    try {
      const rows = [
        { a: 'o1', b: 1 },
        { a: 'quote " and \\ backslash', b: -3 },
        { a: 'ünïcødé ✓', b: 0 },
        { a: 'tab\there', b: 123456789 },
      ];
      db.exec('CREATE TABLE t (a TEXT NOT NULL, b INTEGER NOT NULL)');
      const insert = db.prepare('INSERT INTO t (a, b) VALUES (?, ?)');
      const read = db.prepare('SELECT json_array(a, b) AS composite, CAST(b AS TEXT) AS single FROM t WHERE rowid = ?');
      for (const row of rows) {
        const { lastInsertRowid } = insert.run(row.a, row.b);
        const sqlite = read.get(lastInsertRowid) as { composite: string; single: string };
        expect(rowKeyOf(row, ['a', 'b'])).toBe(sqlite.composite);
        expect(rowKeyOf(row, ['b'])).toBe(sqlite.single);
      }
    } finally {
      db.close();
    }
  });
});

describe('toMysqlDateTime', () => {
  test('turns ISO-8601 text into MySQL DATETIME text in UTC and leaves everything else alone', () => {
    expect(toMysqlDateTime('2026-01-05T08:00:00.000Z')).toBe('2026-01-05 08:00:00.000');
    expect(toMysqlDateTime('2026-01-05T10:00:00+02:00')).toBe('2026-01-05 08:00:00.000');
    expect(toMysqlDateTime('2026-01-05 08:00:00')).toBe('2026-01-05 08:00:00');
    expect(toMysqlDateTime('not a date')).toBe('not a date');
    expect(toMysqlDateTime(12)).toBe(12);
    expect(toMysqlDateTime(null)).toBe(null);
  });
});
