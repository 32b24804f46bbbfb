import type { RowData } from './wire.js';

/**
 * The largest row either side accepts, as UTF-8 bytes of its JSON data: big enough for any
 * business row with a small picture, small enough that one row cannot fill a batch, a page or
 * the agent's memory. Larger files belong in object storage, with a link in the row.
 */
export const MAX_ROW_BYTES = 1024 * 1024;

/** Below this bound a row is not serialised to be measured. */
const EXACT_FROM = 64 * 1024;

/**
 * The JSON size of a row's data in UTF-8 bytes (0 for a delete): exact for big rows, an upper
 * bound for small ones, where serialising every row of a page would cost more than applying it.
 */
export function rowBytes(data: RowData | null | undefined): number {
  if (!data) return 0;
  const bound = boundBytes(data);
  return bound <= EXACT_FROM ? bound : Buffer.byteLength(JSON.stringify(data), 'utf8');
}

/** No JSON character takes more than 6 bytes (`\u001f`); numbers at most 24; nested values measured. */
function boundBytes(data: RowData): number {
  let bytes = 2;
  for (const key in data) {
    const value = data[key];
    bytes += 6 * key.length + 4;
    if (typeof value === 'string') bytes += 6 * value.length + 2;
    else if (value !== null && typeof value === 'object') bytes += Buffer.byteLength(JSON.stringify(value), 'utf8');
    else bytes += 24;
  }
  return bytes;
}

/** `row is 10 MB, over the 1 MB limit per row`, or null when the row fits. */
export function rowTooLarge(data: RowData | null | undefined): string | null {
  const bytes = rowBytes(data);
  return bytes > MAX_ROW_BYTES ? `row is ${megabytes(bytes)}, over the ${megabytes(MAX_ROW_BYTES)} limit per row` : null;
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 || Number.isInteger(mb) ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}
