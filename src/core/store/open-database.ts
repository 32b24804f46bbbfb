import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
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
  if (config.type === 'sqlite' && !existsSync(dirname(config.path))) {
    const folder = dirname(config.path);
    throw new SyncError('config', `database.path: folder ${folder} does not exist (for ${config.path}): create it (mkdir -p ${folder}) or fix database.path`);
  }
  if (config.type === 'sqlite' && opts.mustExist && !existsSync(config.path)) {
    throw new SyncError('config', `${config.path} does not exist: check database.path, or run \`dovetail sync\` to create it`);
  }
  const readOnly = config.type === 'sqlite' && !opts.mustExist ? readOnlyPart(config.path) : null;
  if (readOnly && config.type === 'sqlite') {
    throw new SyncError('config', `cannot write ${config.path}: ${readOnly} is read-only for this user; fix its owner or permissions (\`dovetail status\` still works)`);
  }
  try {
    // A command that only reads still works on a database this user cannot write.
    if (config.type === 'sqlite') return new SqliteAdapter(config.path, { readonly: opts.mustExist === true && readOnlyPart(config.path) !== null });
    return await MySqlAdapter.open(config);
  } catch (error) {
    if (config.type === 'sqlite') {
      const readOnly = readOnlyPart(config.path);
      if (readOnly) {
        throw new SyncError('config', `cannot open ${config.path}: ${readOnly} is read-only for this user; fix its owner or permissions (the agent needs to write the file, its -wal and -shm files and their folder)`, { cause: error });
      }
    }
    const where = config.type === 'sqlite' ? config.path : `mysql://${config.user}@${config.host}:${config.port}/${config.database}`;
    throw new SyncError('database', `cannot open ${where}: ${describeError(error)}`, { cause: error });
  }
}

/** Which of a SQLite database's files (folder, file, -wal, -shm) this process cannot write, if any. */
export function readOnlyPart(path: string): string | null {
  const parts: [string, string][] = [
    [dirname(path), `the folder ${dirname(path)}`],
    [path, `the file ${path}`],
    [`${path}-wal`, `the file ${path}-wal`],
    [`${path}-shm`, `the file ${path}-shm`],
  ];
  for (const [file, label] of parts) {
    if (!existsSync(file)) continue;
    try {
      accessSync(file, constants.W_OK);
    } catch {
      return label;
    }
  }
  return null;
}
