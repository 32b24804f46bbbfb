import { describe, expect, test } from 'vitest';
import { Sessions, sameSecret } from '../../../src/console/sessions.js';
import { redact } from '../../../src/service/redact.js';

describe('console sessions', () => {
  test('a login token is spent once and expires', () => {
    const sessions = new Sessions({ loginTtlMs: 1000, idleMs: 5000 });
    const token = sessions.mintLogin(0);
    const session = sessions.login(token, 10)!;
    expect(session.csrf).not.toBe(session.id);
    expect(sessions.login(token, 20)).toBeNull();
    expect(sessions.login(sessions.mintLogin(0), 2000)).toBeNull();
    expect(sessions.get(session.id, 100)).toBe(session);
    expect(sessions.get(session.id, 6000)).toBeNull();
    expect(sessions.get(undefined)).toBeNull();
  });

  test('sameSecret compares whole strings', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
  });
});

describe('diagnostics redaction', () => {
  test('keys, passwords and URL credentials never leave', () => {
    const out = JSON.stringify(
      redact({ hub: { url: 'https://hub.example', apiKey: 'dvt_secret' }, database: { type: 'mysql', password: 'pw', url: 'mysql://root:pw@db/x' } }),
    );
    expect(out).not.toContain('dvt_secret');
    expect(out).not.toContain(':pw@');
    expect(out).not.toContain('"pw"');
    expect(out).toContain('https://hub.example');
  });
});
