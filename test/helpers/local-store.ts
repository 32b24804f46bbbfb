import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** The shop's own connection to the local database (the POS), whichever engine holds it. */
export interface LocalStore {
  readonly kind: 'sqlite' | 'mysql';
  /** The `database` block of an agent config. */
  readonly database: Record<string, unknown>;
  /** MySQL: the server's id of the POS connection. */
  readonly connectionId?: number;
  run(sql: string, params?: unknown[]): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

/** A fresh SQLite file in `dir`, or a fresh MariaDB database on 127.0.0.1:3306 dropped on close. */
export async function openLocalStore(kind: 'sqlite' | 'mysql', dir: string): Promise<LocalStore> {
  if (kind === 'sqlite') {
    const path = join(dir, 'shop.db');
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return {
      kind,
      database: { type: 'sqlite', path },
      run: (sql, params = []) => {
        db.prepare(sql).run(...params);
        return Promise.resolve();
      },
      all: <T>(sql: string, params: unknown[] = []) => Promise.resolve(db.prepare(sql).all(...params) as T[]),
      close: () => {
        db.close();
        return Promise.resolve();
      },
    };
  }
  const name = `dovetail_test_${randomBytes(6).toString('hex')}`;
  const admin = await mysql.createConnection(MYSQL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const pos = await mysql.createConnection({ ...MYSQL, database: name, dateStrings: true });
  return {
    kind,
    database: { type: 'mysql', ...MYSQL, database: name },
    connectionId: pos.threadId,
    run: async (sql, params = []) => {
      await pos.query(sql, params);
    },
    all: async <T>(sql: string, params: unknown[] = []) => (await pos.query(sql, params))[0] as T[],
    close: async () => {
      await pos.end();
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}

/** Entities whose column types both engines accept. */
export const PORTABLE_ENTITIES = [
  {
    name: 'products',
    direction: 'push',
    create: { columns: { id: 'VARCHAR(64) NOT NULL', name: 'VARCHAR(200) NOT NULL', price: 'REAL NOT NULL DEFAULT 0' } },
  },
  {
    name: 'customers',
    direction: 'both',
    create: { columns: { id: 'VARCHAR(64) NOT NULL', first_name: 'VARCHAR(200)', email: 'VARCHAR(200)', is_deleted: 'INTEGER NOT NULL DEFAULT 0' } },
    softDelete: 'is_deleted',
  },
  {
    name: 'contact_sectors',
    direction: 'both',
    key: ['contact_id', 'sector_id'],
    create: { columns: { contact_id: 'INTEGER NOT NULL', sector_id: 'INTEGER NOT NULL', note: 'VARCHAR(100)' } },
  },
  {
    name: 'orders',
    direction: 'pull',
    fill: { daily_number: { type: 'daily-sequence', dateColumn: 'created_at' } },
    create: { columns: { id: 'VARCHAR(64) NOT NULL', total: 'REAL', status: 'VARCHAR(32)', created_at: 'VARCHAR(40)', daily_number: 'INTEGER' } },
  },
];
