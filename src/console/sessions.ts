import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  readonly id: string;
  /** Sent back by the page in `x-dovetail-csrf` on every call. */
  readonly csrf: string;
  lastSeen: number;
}

const token = () => randomBytes(24).toString('base64url');

/** Equal strings in constant time (for secrets). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Console logins: one-time tokens (printed with the URL, valid once, for `loginTtlMs`) exchanged
 * for an in-memory session that lives in an HttpOnly cookie and ends after `idleMs` unused.
 */
export class Sessions {
  private readonly logins = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly opts: { loginTtlMs?: number; idleMs?: number } = {}) {}

  /** A new one-time login token. */
  mintLogin(now = Date.now()): string {
    const value = token();
    this.logins.set(value, now + (this.opts.loginTtlMs ?? 24 * 3_600_000));
    return value;
  }

  /** Spends a login token; null when unknown, used or expired. */
  login(loginToken: string, now = Date.now()): Session | null {
    let found: string | null = null;
    for (const [value, expires] of this.logins) {
      if (expires < now) this.logins.delete(value);
      else if (sameSecret(value, loginToken)) found = value;
    }
    if (found === null) return null;
    this.logins.delete(found);
    const session: Session = { id: token(), csrf: token(), lastSeen: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for a cookie value, or null. */
  get(id: string | undefined, now = Date.now()): Session | null {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (now - session.lastSeen > (this.opts.idleMs ?? 12 * 3_600_000)) {
      this.sessions.delete(id);
      return null;
    }
    session.lastSeen = now;
    return session;
  }
}
