/** A value a driver can bind. */
export type SqlValue = string | number | bigint | null | Buffer;

export interface RunResult {
  readonly changes: number;
  /** Id of the row an INSERT created (auto-increment tables). */
  readonly lastInsertId?: number;
}

/** Statements that run on one connection; inside `transaction` they are part of it. */
export interface DbExecutor {
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

/** A value as `readExact` returns it. */
export type ExactValue = string | number | Buffer | null | Readonly<Record<string, unknown>> | readonly unknown[];


/**
 * The local database behind the engine. SQLite (better-sqlite3) and MySQL (mysql2) implement it;
 * everything above speaks SQL through `dialect` and never touches a driver.
 */
/** A held named lock lost with its connection, taken again, or taken meanwhile by someone else. */
export type LockEvent = { readonly kind: 'lost'; readonly error: string } | { readonly kind: 'regained' } | { readonly kind: 'taken'; readonly holder: number | null };

export interface DbAdapter extends DbExecutor {
  readonly dialect: Dialect;
  /**
   * Reads rows to send to the hub, exactly as stored: an integer beyond 2^53 or a decimal a double
   * cannot hold comes back as its decimal text (never rounded), binary values (BLOB, VARBINARY,
   * BIT, geometry) as Buffers, dates as the database's own text.
   */
  readExact(sql: string, params?: readonly SqlValue[]): Promise<Record<string, ExactValue>[]>;
  /** Runs several DDL statements separated by `;`. */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: DbExecutor) => Promise<T>): Promise<T>;
  /** Column names of a table, in order; empty when the table does not exist. */
  columns(table: string): Promise<string[]>;
  /** Columns that only take the engine's own date format (MySQL DATETIME/TIMESTAMP/DATE). */
  dateColumns?(table: string): Promise<ReadonlySet<string>>;
  /**
   * MySQL/MariaDB: runs `fn` on one connection whose DDL gives up waiting for a metadata lock
   * after `lockWaitSeconds`. Absent on SQLite, where DDL is transactional.
   */
  ddlSession?<T>(lockWaitSeconds: number, fn: (session: DbExecutor) => Promise<T>): Promise<T>;
  /**
   * MySQL/MariaDB: takes a server-side named lock (GET_LOCK), scoped to this database, on a
   * connection kept until release; the server frees it if the process dies. A lock the server
   * dropped (a restart) is taken again as soon as it answers; `onChange` hears about it.
   * Otherwise tells which connection holds it.
   */
  namedLock?(name: string, onChange?: (event: LockEvent) => void): Promise<{ release(): Promise<void> } | { holder: number | null }>;
  close(): Promise<void>;
}

/** SQL that differs between engines. Identifiers must come from local config, already validated. */
export interface Dialect {
  readonly name: 'sqlite' | 'mysql';
  readonly quote: (identifier: string) => string;
  /** Multi-row upsert: insert `rows` × `columns`, updating non-key columns on a key conflict. */
  readonly upsert: (table: string, columns: readonly string[], keyColumns: readonly string[], rowCount: number) => string;
  /** INSERT that does nothing when the key exists. */
  readonly insertIgnore: (table: string, columns: readonly string[]) => string;
  /** Adds 1 to `column` of the row with these key values, creating it at 1. */
  readonly increment: (table: string, keyColumns: readonly string[], column: string) => string;
  /** SQL for "now" as ISO text in UTC, usable inside triggers. */
  readonly nowExpr: string;
}
