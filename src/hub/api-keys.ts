import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A key reads `dvt_<id>_<secret>`: the id finds the record, only a hash of the secret is stored. */
export function generateKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  return { id, key: `dvt_${id}_${secret}`, hash: hashSecret(secret) };
}

export function parseKey(key: string): { id: string; secret: string } | null {
  const match = /^dvt_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$/.exec(key);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What may appear in logs instead of a key. */
export function redactKey(key: string): string {
  const parsed = parseKey(key);
  return parsed ? `dvt_${parsed.id}_…` : '…';
}
