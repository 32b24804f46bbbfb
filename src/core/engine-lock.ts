import type { AgentTables } from './agent-tables.js';
import { SyncError } from './errors.js';
import { OWNER, ownerAlive } from './process-owner.js';
import type { DbAdapter, LockEvent } from './store/db-adapter.js';

/** One sync engine per database at a time: held by `dovetail run` and by a one-shot `dovetail sync`. */
export interface EngineLock {
  release(): Promise<void>;
}

export interface LockHolder {
  /** `host:pid` of the process holding it (SQLite), or the server connection id (MySQL). */
  readonly owner: string;
  readonly since: string | null;
  readonly what: string;
}

const META = 'engine_lock';

/**
 * Takes the database's sync lock, or reports who holds it. SQLite: a row in the agent's meta
 * table naming the process, taken in a write transaction, stale when that process is gone.
 * MySQL/MariaDB: `GET_LOCK` on a connection kept for the lock's life (released by the server if
 * the process dies).
 */
export async function tryEngineLock(
  db: DbAdapter,
  t: AgentTables,
  what: string,
  onChange?: (event: LockEvent) => void,
): Promise<EngineLock | LockHolder> {
  if (db.namedLock) {
    const name = `dovetail:${t.outbox}`;
    const lock = await db.namedLock(name, onChange);
    if ('release' in lock) return lock;
    return { owner: `MySQL connection ${lock.holder}`, since: null, what: 'another Dovetail sync or agent' };
  }
  const since = new Date().toISOString();
  const held = await db.transaction(async (tx) => {
    const [row] = await tx.all<{ value: string }>(`SELECT value FROM ${t.meta} WHERE name = ?`, [META]);
    const current = row ? (JSON.parse(row.value) as LockHolder) : null;
    if (current && current.owner !== OWNER && ownerAlive(current.owner)) return current;
    await tx.run(db.dialect.upsert(t.meta, ['name', 'value'], ['name'], 1), [META, JSON.stringify({ owner: OWNER, since, what })]);
    return null;
  });
  if (held) return held;
  return {
    release: async () => {
      await db.run(`DELETE FROM ${t.meta} WHERE name = ? AND value LIKE ?`, [META, `{"owner":${JSON.stringify(OWNER)}%`]);
    },
  };
}

/**
 * Takes the lock, waiting (polling) while another process holds it; `onWait` is told once who.
 * Without `wait`, a held lock fails at once with a message naming the holder.
 */
export async function acquireEngineLock(
  db: DbAdapter,
  t: AgentTables,
  what: string,
  opts: { wait: boolean; onWait?: (holder: LockHolder) => void; signal?: AbortSignal; pollMs?: number; onChange?: (event: LockEvent) => void },
): Promise<EngineLock> {
  let told = false;
  for (;;) {
    const got = await tryEngineLock(db, t, what, opts.onChange);
    if ('release' in got) return got;
    if (!opts.wait) throw new SyncError('busy', describeHolder(got));
    if (!told) opts.onWait?.(got);
    told = true;
    if (opts.signal?.aborted) throw new SyncError('canceled', 'gave up waiting for the database');
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 250));
  }
}

export function describeHolder(holder: LockHolder): string {
  const pid = /:(\d+)$/.exec(holder.owner)?.[1];
  return `the database is in use by ${holder.what}${pid ? ` (pid ${pid}` : ` (${holder.owner}`}${holder.since ? `, since ${holder.since}` : ''})`;
}
