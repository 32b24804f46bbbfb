const SECRET = /(api[-_]?key|password|secret|token|authorization)/i;

/** A deep copy with every secret-looking field replaced, and passwords in URLs removed. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET.test(k) ? (v === '' ? '' : '[redacted]') : redact(v)]),
    );
  }
  if (typeof value === 'string') return value.replace(/(\/\/[^/:@\s]+):[^@/\s]+@/g, '$1:[redacted]@');
  return value;
}
