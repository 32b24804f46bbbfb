import { existsSync } from 'node:fs';
import type { DatabaseConfig } from '../config.js';
import { SyncError, describeError } from '../errors.js';
import type { DbAdapter } from './db-adapter.js';
import { MySqlAdapter } from './mysql-adapter.js';
import { SqliteAdapter } from './sqlite-adapter.js';

/**
 * Opens the instance's local database; a failure names the database and why. `mustExist` refuses
 * a SQLite file that is not there instead of creating an empty one (commands that only read).
 */
export async function openDatabase(config: DatabaseConfig, opts: { mustExist?: boolean } = {}): Promise<DbAdapter> {
  if (config.type === 'sqlite' && opts.mustExist && !existsSync(config.path)) {
    throw new SyncError('config', `${config.path} does not exist: check database.path, or run \`dovetail sync\` to create it`);
  }
  try {
    if (config.type === 'sqlite') return new SqliteAdapter(config.path);
    return await MySqlAdapter.open(config);
  } catch (error) {
    const where = config.type === 'sqlite' ? config.path : `mysql://${config.user}@${config.host}:${config.port}/${config.database}`;
    throw new SyncError('database', `cannot open ${where}: ${describeError(error)}`, { cause: error });
  }
}
