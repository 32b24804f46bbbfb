import { describe, expect, it } from 'vitest';
import { generateKey, hashSecret, parseKey, redactKey, secretMatches } from '../../../src/hub/api-keys.js';

describe('api keys', () => {
  it('generates dvt_<12 hex>_<secret> keys that parse back to their id and match their hash', () => {
    const { id, key, hash } = generateKey();
    expect(key).toMatch(/^dvt_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    const parsed = parseKey(key);
    expect(parsed?.id).toBe(id);
    expect(key.endsWith(parsed!.secret)).toBe(true);
    expect(hash).toBe(hashSecret(parsed!.secret));
    expect(hash).not.toContain(parsed!.secret);
    expect(secretMatches(parsed!.secret, hash)).toBe(true);
  });

  it('generates distinct keys', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateKey().key));
    const ids = new Set([...keys].map((k) => parseKey(k)!.id));
    expect(keys.size).toBe(200);
    expect(ids.size).toBe(200);
  });

  it('a wrong secret, or a hash of another length, does not match', () => {
    const { key, hash } = generateKey();
    const secret = parseKey(key)!.secret;
    const other = parseKey(generateKey().key)!.secret;
    expect(secretMatches(other, hash)).toBe(false);
    expect(secretMatches(`${secret}x`, hash)).toBe(false);
    expect(secretMatches(secret, hash.slice(0, 10))).toBe(false);
    expect(secretMatches(secret, '')).toBe(false);
  });

  it('rejects malformed keys', () => {
    const good = generateKey().key;
    for (const bad of ['', 'dvt_', 'garbage', good.toUpperCase(), `x${good}`, `${good} `, good.replace('dvt_', 'dvx_'), 'dvt_0123456789ab_short', `dvt_0123456789ab_${'a'.repeat(65)}`, 'dvt_0123456789ag_aaaaaaaaaaaaaaaaaaaaaaaa']) {
      expect(parseKey(bad), bad).toBeNull();
    }
  });

  it('redacts a key to its public id and never shows the secret', () => {
    const { id, key } = generateKey();
    const secret = parseKey(key)!.secret;
    expect(redactKey(key)).toBe(`dvt_${id}_…`);
    expect(redactKey(key)).not.toContain(secret);
    expect(redactKey('not-a-key-but-maybe-secret')).toBe('…');
  });
});
