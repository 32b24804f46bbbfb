import type { RowData } from '../protocol/index.js';
import type { ExactValue, SqlValue } from './store/db-adapter.js';

/**
 * Binary values (BLOB, VARBINARY, BIT, geometry) travel as `{ "$base64": "…" }`: JSON cannot hold
 * bytes, and the tag lets every receiving shop write them back as bytes, whatever its engine.
 */
export interface WireBytes {
  readonly $base64: string;
}

function isWireBytes(value: unknown): value is WireBytes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === '$base64' && typeof (value as WireBytes).$base64 === 'string';
}

/** A row read by `readExact` as it goes on the wire: bytes tagged as base64, everything else as read. */
export function toWireRow(row: Readonly<Record<string, ExactValue>>): RowData {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) out[column] = Buffer.isBuffer(value) ? { $base64: value.toString('base64') } : value;
  return out;
}

/** A JSON value as a driver can bind it: booleans as 0/1, tagged bytes as bytes, objects and arrays as JSON text. */
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
      return isWireBytes(value) ? Buffer.from(value.$base64, 'base64') : JSON.stringify(value);
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
