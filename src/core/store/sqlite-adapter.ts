import Database from 'better-sqlite3';
import type { DbAdapter, DbExecutor, ExactValue, RunResult, SqlValue } from './db-adapter.js';
import { exactInteger } from './exact-number.js';
import { sqliteDialect } from './sqlite-dialect.js';

/**
 * better-sqlite3 behind the async `DbAdapter`. The connection is synchronous, so a lock keeps a
 * transaction's statements from interleaving with other callers awaiting between them.
 */
export class SqliteAdapter implements DbAdapter {
  readonly dialect = sqliteDialect;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly exactStatements = new Map<string, Database.Statement>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly direct: DbExecutor;
  private versionStatement: Database.Statement | null = null;

  /** `readonly`: for commands that only read, on a file this user cannot write. */
  constructor(path: string, opts: { busyTimeoutMs?: number; readonly?: boolean } = {}) {
    this.db = new Database(path, opts.readonly ? { readonly: true, fileMustExist: true } : {});
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
    }
    this.db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    this.direct = {
      all: <T>(sql: string, params: readonly SqlValue[] = []) => Promise.resolve(this.prepare(sql).all(...params) as T[]),
      run: (sql: string, params: readonly SqlValue[] = []): Promise<RunResult> => {
        const info = this.prepare(sql).run(...params);
        return Promise.resolve({ changes: info.changes, lastInsertId: Number(info.lastInsertRowid) });
      },
    };
  }

  all<T = Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.locked(() => this.direct.all<T>(sql, params));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return this.locked(() => this.direct.run(sql, params));
  }

  readExact(sql: string, params: readonly SqlValue[] = []): Promise<Record<string, ExactValue>[]> {
    return this.locked(() => {
      let statement = this.exactStatements.get(sql);
      if (!statement) {
        // Integers come back as BigInt, so one above 2^53 is never rounded on the way out.
        statement = this.db.prepare(sql).safeIntegers(true);
        if (this.exactStatements.size > 100) this.exactStatements.clear();
        this.exactStatements.set(sql, statement);
      }
      const rows = statement.all(...params) as Record<string, unknown>[];
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) if (typeof value === 'bigint') row[column] = exactInteger(value);
      }
      return Promise.resolve(rows as Record<string, ExactValue>[]);
    });
  }

  exec(sql: string): Promise<void> {
    return this.locked(() => {
      this.db.exec(sql);
      this.statements.clear();
      this.exactStatements.clear();
      this.versionStatement = null;
      return Promise.resolve();
    });
  }

  transaction<T>(fn: (tx: DbExecutor) => Promise<T>): Promise<T> {
    return this.locked(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  columns(table: string): Promise<string[]> {
    return this.locked(() =>
      Promise.resolve((this.db.pragma(`table_info(${sqliteDialect.quote(table)})`) as { name: string }[]).map((c) => c.name)),
    );
  }

  /** Changes whenever another connection commits to the file. */
  dataVersion(): number {
    this.versionStatement ??= this.db.prepare('PRAGMA data_version').pluck();
    return this.versionStatement.get() as number;
  }

  close(): Promise<void> {
    return this.locked(() => {
      this.db.close();
      return Promise.resolve();
    });
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
