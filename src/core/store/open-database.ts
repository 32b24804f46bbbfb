import type { DatabaseConfig } from '../config.js';
import { SyncError, describeError } from '../errors.js';
import type { DbAdapter } from './db-adapter.js';
import { MySqlAdapter } from './mysql-adapter.js';
import { SqliteAdapter } from './sqlite-adapter.js';

/** Opens the instance's local database; a failure names the database and why. */
export async function openDatabase(config: DatabaseConfig): Promise<DbAdapter> {
  try {
    if (config.type === 'sqlite') return new SqliteAdapter(config.path);
    return await MySqlAdapter.open(config);
  } catch (error) {
    const where = config.type === 'sqlite' ? config.path : `mysql://${config.user}@${config.host}:${config.port}/${config.database}`;
    throw new SyncError('database', `cannot open ${where}: ${describeError(error)}`, { cause: error });
  }
}
