import type { RowData } from './wire.js';

/**
 * The key column values a row key names, in key-column order: the text itself for a single key
 * column, the elements of a composite key's JSON array otherwise; null when the text is not an
 * array of that many values.
 */
export function rowKeyParts(key: string, keyColumns: readonly string[]): readonly unknown[] | null {
  if (keyColumns.length === 1) return [key];
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return null;
  }
  return Array.isArray(parsed) && parsed.length === keyColumns.length ? parsed : null;
}

/** A key column whose value in an upsert's data names another row than the change's key. */
export interface KeyMismatch {
  /** The disagreeing key column; null when the key itself does not fit the key columns. */
  readonly column: string | null;
  /** `data.id "victim" does not match the row key "k-mismatch"`. */
  readonly message: string;
}

/**
 * Checks that an upsert's data names the row its key names: the key decides, so a key column
 * whose value in `data` differs from the key (compared as text, the way a database column would
 * receive it) makes the change refusable. A key column absent (or null) in `data` is fine: it
 * is filled in from the key. No data (a delete) never mismatches.
 */
export function keyMismatch(key: string, keyColumns: readonly string[], data: RowData | null | undefined): KeyMismatch | null {
  if (!data || keyColumns.length === 0) return null;
  const parts = rowKeyParts(key, keyColumns);
  if (!parts) {
    return { column: null, message: `row key ${JSON.stringify(key)} is not a JSON array of ${keyColumns.length} values (${keyColumns.join(', ')})` };
  }
  for (let i = 0; i < keyColumns.length; i++) {
    const column = keyColumns[i]!;
    const value = data[column];
    if (value === undefined || value === null) continue;
    if (keyText(value) !== keyText(parts[i])) {
      return { column, message: `data.${column} ${JSON.stringify(value)} does not match the row key ${JSON.stringify(key)}` };
    }
  }
  return null;
}

/** A key value as the text a database column would be given (booleans as 0/1, like the agent binds them). */
function keyText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? '1' : '0';
    default:
      return JSON.stringify(value) ?? '';
  }
}
