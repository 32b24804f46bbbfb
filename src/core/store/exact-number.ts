/**
 * Numbers read for the wire: a JSON number where a double holds the value exactly, otherwise the
 * exact decimal text (a BIGINT id above 2^53, a DECIMAL(22,2) total), never a rounded number.
 */

/** An integer (a driver's BigInt or digits) as a number when safe, else as its decimal text. */
export function exactInteger(value: bigint | string): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
}

/** A DECIMAL's text as a number when the number means the same value, else the text as read. */
export function exactDecimal(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  const canonical = canonicalDecimal(text);
  return canonical !== null && canonical === canonicalDecimal(String(n)) ? n : text;
}

/** `-0012.500` → `-12.5`; null for text that is not plain decimal notation (e.g. `1e+21`). */
function canonicalDecimal(text: string): string | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return null;
  const int = (match[2] ?? '').replace(/^0+/, '') || '0';
  const frac = (match[3] ?? '').replace(/0+$/, '');
  const body = frac ? `${int}.${frac}` : int;
  return body === '0' ? '0' : `${match[1] === '-' ? '-' : ''}${body}`;
}
