import mysql, { type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { createHash } from 'node:crypto';
import type { DbAdapter, DbExecutor, ExactValue, LockEvent, RunResult, SqlValue } from './db-adapter.js';
import { exactDecimal, exactInteger } from './exact-number.js';
import { mysqlDialect } from './mysql-dialect.js';

export interface MySqlOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Connections in the pool (default 4). */
  readonly connectionLimit?: number;
  /** Per-statement timeout, ms (default 60 s). */
  readonly queryTimeoutMs?: number;
}

/**
 * A shop's MySQL/MariaDB database through a mysql2 pool: keep-alive, connect and query timeouts,
 * dates as strings, utf8mb4. A transaction holds one pooled connection; a server restart only
 * fails the statements in flight (the pool dials again).
 */
export class MySqlAdapter implements DbAdapter {
  readonly dialect = mysqlDialect;
  private readonly direct: DbExecutor;
  /** MariaDB has CREATE OR REPLACE TRIGGER; MySQL 8 replaces by creating a twin first. */
  readonly flavor: 'mariadb' | 'mysql';

  private constructor(
    readonly pool: Pool,
    /** MariaDB has JSON_COMPACT; MySQL prints JSON arrays with spaces. */
    readonly compactJson: boolean,
    private readonly timeout: number,
    /** The database this adapter works in: named locks are scoped to it (GET_LOCK names are server-wide). */
    private readonly database: string,
  ) {
    this.direct = this.executor(pool);
    this.flavor = compactJson ? 'mariadb' : 'mysql';
  }

  static async open(opts: MySqlOptions): Promise<MySqlAdapter> {
    const pool = mysql.createPool({
      host: opts.host,
      port: opts.port,
      user: opts.user,
      password: opts.password,
      database: opts.database,
      connectionLimit: opts.connectionLimit ?? 4,
      enableKeepAlive: true,
      keepAliveInitialDelay: 10_000,
      connectTimeout: 10_000,
      dateStrings: true,
      supportBigNumbers: true,
      charset: 'utf8mb4',
      timezone: 'Z',
    });
    try {
      const [rows] = await pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
      const version = String(rows[0]?.v ?? '');
      return new MySqlAdapter(pool, /mariadb/i.test(version), opts.queryTimeoutMs ?? 60_000, opts.database);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  private executor(target: Pool | PoolConnection): DbExecutor {
    return {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => {
        const [rows] = await target.query<RowDataPacket[]>({ sql, timeout: this.timeout }, params as SqlValue[]);
        return rows as T[];
      },
      run: async (sql: string, params: readonly SqlValue[] = []): Promise<RunResult> => {
        const [result] = await target.query<ResultSetHeader>({ sql, timeout: this.timeout }, params as SqlValue[]);
        return { changes: result.affectedRows ?? 0, lastInsertId: result.insertId };
      },
    };
  }

  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult> {
    return this.direct.run(sql, params);
  }

  async readExact(sql: string, params: readonly SqlValue[] = []): Promise<Record<string, ExactValue>[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>({ sql, timeout: this.timeout, typeCast: exactTypeCast }, params as SqlValue[]);
    return rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query({ sql, timeout: this.timeout });
  }

  async transaction<T>(fn: (tx: DbExecutor) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection();
    try {
      await connection.beginTransaction();
      try {
        const result = await fn(this.executor(connection));
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      }
    } finally {
      // Never hand a silenced connection back to the pool.
      await connection.query('SET @dovetail_capture_off = NULL').catch(() => undefined);
      connection.release();
    }
  }

  /**
   * Runs `fn` on one connection whose metadata-lock waits (DDL behind an open transaction) give
   * up after `lockWaitSeconds` instead of the server's default of a year.
   */
  async ddlSession<T>(lockWaitSeconds: number, fn: (session: DbExecutor) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection();
    try {
      await connection.query(`SET SESSION lock_wait_timeout = ${Math.max(1, Math.round(lockWaitSeconds))}`);
      return await fn(this.executor(connection));
    } finally {
      await connection.query('SET SESSION lock_wait_timeout = DEFAULT').catch(() => undefined);
      connection.release();
    }
  }

  /** See DbAdapter.namedLock: scoped to this database, kept through server restarts. */
  async namedLock(name: string, onChange?: (event: LockEvent) => void): Promise<{ release(): Promise<void> } | { holder: number | null }> {
    const scoped = scopedLockName(name, this.database);
    const first = await this.takeLock(scoped);
    if (!('connection' in first)) return first;
    let connection: PoolConnection | null = first.connection;
    let released = false;
    let checking = false;
    let toldTaken = false;
    // A server restart frees the lock with its connection: checked every second, taken again
    // as soon as the server answers (unless another process got there first: then it is said).
    const check = async () => {
      if (checking || released) return;
      checking = true;
      try {
        if (connection) {
          try {
            const [rows] = await connection.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) = CONNECTION_ID() AS mine', [scoped]);
            if (Number(rows[0]?.mine) === 1) return;
            onChange?.({ kind: 'lost', error: 'the server no longer holds the lock for this connection' });
          } catch (error) {
            onChange?.({ kind: 'lost', error: (error as Error).message });
          }
          connection.destroy();
          connection = null;
        }
        const again = await this.takeLock(scoped).catch(() => null);
        if (!again || released) {
          if (again && 'connection' in again) again.connection.release();
          return;
        }
        if ('connection' in again) {
          connection = again.connection;
          toldTaken = false;
          onChange?.({ kind: 'regained' });
        } else if (again.holder !== null && !toldTaken) {
          toldTaken = true;
          onChange?.({ kind: 'taken', holder: again.holder });
        }
      } finally {
        checking = false;
      }
    };
    const keeper = setInterval(() => void check(), 1000);
    keeper.unref();
    return {
      release: async () => {
        released = true;
        clearInterval(keeper);
        const held = connection;
        connection = null;
        if (!held) return;
        await held.query('SELECT RELEASE_LOCK(?)', [scoped]).catch(() => undefined);
        held.release();
      },
    };
  }

  private async takeLock(name: string): Promise<{ connection: PoolConnection } | { holder: number | null }> {
    const connection = await this.pool.getConnection();
    try {
      const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got, IS_USED_LOCK(?) AS holder', [name, name]);
      if (Number(rows[0]?.got) === 1) return { connection };
      connection.release();
      return { holder: rows[0]?.holder === null ? null : Number(rows[0]?.holder) };
    } catch (error) {
      connection.destroy();
      throw error;
    }
  }

  async columns(table: string): Promise<string[]> {
    const rows = await this.all<{ name: string }>(
      'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [table],
    );
    return rows.map((r) => r.name);
  }

  async dateColumns(table: string): Promise<ReadonlySet<string>> {
    const rows = await this.all<{ name: string }>(
      `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
       AND DATA_TYPE IN ('datetime', 'timestamp', 'date')`,
      [table],
    );
    return new Set(rows.map((r) => r.name));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** mysql2's typeCast for `readExact`: big integers and decimals as exact text, geometry as its bytes. */
function exactTypeCast(field: { type: string; string(): string | null; buffer(): Buffer | null }, next: () => unknown): unknown {
  switch (field.type) {
    case 'LONGLONG': {
      const text = field.string();
      return text === null ? null : exactInteger(text);
    }
    case 'NEWDECIMAL':
    case 'DECIMAL': {
      const text = field.string();
      return text === null ? null : exactDecimal(text);
    }
    case 'GEOMETRY':
      return field.buffer();
    default:
      return next();
  }
}

/** `name@database`, or a digest of it where that is over the server's 64-character limit. */
function scopedLockName(name: string, database: string): string {
  const full = `${name}@${database}`;
  return full.length <= 64 ? full : `dovetail:${createHash('sha256').update(full).digest('hex').slice(0, 48)}`;
}
