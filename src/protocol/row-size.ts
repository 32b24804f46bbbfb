import type { RowData } from './wire.js';

/**
 * The largest row either side accepts, as UTF-8 bytes of its JSON data: big enough for any
 * business row with a small picture, small enough that one row cannot fill a batch, a page or
 * the agent's memory. Larger files belong in object storage, with a link in the row.
 */
export const MAX_ROW_BYTES = 1024 * 1024;

/** The JSON size of a row's data in bytes (0 for a delete). */
export function rowBytes(data: RowData | null | undefined): number {
  return data ? Buffer.byteLength(JSON.stringify(data), 'utf8') : 0;
}

/** `row is 10.0 MB, over the 1 MB limit per row`, or null when the row fits. */
export function rowTooLarge(data: RowData | null | undefined): string | null {
  const bytes = rowBytes(data);
  return bytes > MAX_ROW_BYTES ? `row is ${megabytes(bytes)}, over the ${megabytes(MAX_ROW_BYTES)} limit per row` : null;
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 || Number.isInteger(mb) ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}
