import type { SqlValue } from './store/db-adapter.js';

/** A JSON value as a driver can bind it: booleans as 0/1, objects and arrays as JSON text. */
export function toSqlValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
      return value;
    case 'boolean':
      return value ? 1 : 0;
    default:
      return JSON.stringify(value);
  }
}

/** The key column values of a row key: the text itself, or the elements of a composite key's JSON array. */
export function keyValues(rowKey: string, keyColumns: readonly string[]): SqlValue[] {
  if (keyColumns.length === 1) return [rowKey];
  const parsed: unknown = JSON.parse(rowKey);
  if (!Array.isArray(parsed) || parsed.length !== keyColumns.length) {
    throw new Error(`row key ${rowKey} does not match key columns (${keyColumns.join(', ')})`);
  }
  return parsed.map(toSqlValue);
}

/** The row key text of a row: what the capture triggers write for the same row. */
export function rowKeyOf(row: Readonly<Record<string, unknown>>, keyColumns: readonly string[]): string {
  if (keyColumns.length === 1) return String(row[keyColumns[0]!]);
  return JSON.stringify(keyColumns.map((k) => row[k] ?? null));
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO-8601 text as MySQL DATETIME text in UTC ("2026-01-05T08:00:00.000Z" → "2026-01-05
 * 08:00:00.000"); other values pass through. Strict MySQL refuses the ISO form outright.
 */
export function toMysqlDateTime(value: unknown): unknown {
  if (typeof value !== 'string' || !ISO.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
