import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createLogger } from '../../core/logger.js';
import type { HubStore } from '../../hub/hub-store.js';
import { MySqlHubStore } from '../../hub/mysql-hub-store.js';
import { SqliteHubStore } from '../../hub/sqlite-hub-store.js';
import { parseMysqlUrl, startHubServer } from '../../hub/server.js';
import { UsageError, integer, list, parse } from '../usage.js';

function hubDb(flag: string | undefined): string {
  return resolve(flag ?? process.env.DOVETAIL_HUB_DB ?? 'dovetail-hub.db');
}

/** `dovetail hub` (serve until SIGINT/SIGTERM), `dovetail hub init` and `dovetail hub keys …`. */
export async function hubCommand(args: readonly string[]): Promise<number> {
  if (args[0] === 'keys') return keysCommand(args.slice(1));
  if (args[0] === 'init') return initCommand(args.slice(1));
  const { values, positionals } = parse(args, {
    db: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    entities: { type: 'string' },
    mysql: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const mysqlUrl = values.mysql ?? process.env.DOVETAIL_HUB_MYSQL_URL;
  let mysql;
  try {
    mysql = mysqlUrl ? parseMysqlUrl(mysqlUrl) : undefined;
  } catch (error) {
    throw new UsageError(`--mysql: ${(error as Error).message}`);
  }
  if (!mysql && !existsSync(dirname(hubDb(values.db)))) {
    const folder = dirname(hubDb(values.db));
    throw new UsageError(`--db: folder ${folder} does not exist (for ${hubDb(values.db)}): create it (mkdir -p ${folder}) or fix --db`);
  }
  const logger = createLogger({ level: process.env.SYNC_DEBUG ? 'debug' : 'info', destination: 1 });
  const server = await startHubServer({
    dbPath: hubDb(values.db),
    mysql,
    port: integer(values.port ?? process.env.DOVETAIL_HUB_PORT, 'port', 8787),
    host: values.host ?? process.env.DOVETAIL_HUB_HOST ?? '127.0.0.1',
    entities: list(values.entities),
    logger,
  });
  logger.info({ url: server.url, store: mysql ? `mysql://${mysql.host}:${mysql.port}/${mysql.database}` : hubDb(values.db) }, 'hub listening');
  console.error(`hub database: ${mysql ? `mysql://${mysql.host}:${mysql.port}/${mysql.database}` : hubDb(values.db)}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  logger.info('hub stopped');
  return 0;
}

/** `dovetail hub init --db FILE`: creates an empty hub database (SQLite), or says it exists. */
async function initCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { db: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const path = hubDb(values.db);
  if (!existsSync(dirname(path))) throw new UsageError(`folder ${dirname(path)} does not exist: create it first (mkdir -p ${dirname(path)})`);
  const existed = existsSync(path);
  await new SqliteHubStore(path).close();
  console.log(existed ? `hub database ${path} already exists; nothing changed` : `hub database ${path} created`);
  return 0;
}

/** Opens the hub store a key command works on, refusing a SQLite file that does not exist. */
async function openKeyStore(db: string | undefined, mysqlUrl: string | undefined): Promise<{ store: HubStore; where: string }> {
  if (mysqlUrl) {
    let options;
    try {
      options = parseMysqlUrl(mysqlUrl);
    } catch (error) {
      throw new UsageError(`--mysql: ${(error as Error).message}`);
    }
    try {
      return { store: await MySqlHubStore.open(options), where: `mysql://${options.host}:${options.port}/${options.database}` };
    } catch (error) {
      throw new UsageError(`cannot open the hub store: ${(error as Error).message}`);
    }
  }
  const path = hubDb(db);
  if (!existsSync(path)) {
    throw new UsageError(
      `hub database ${path} does not exist. Check --db (or DOVETAIL_HUB_DB); to create a new hub database run \`dovetail hub init --db ${path}\``,
    );
  }
  try {
    return { store: new SqliteHubStore(path), where: path };
  } catch (error) {
    throw new UsageError(`cannot open the hub database ${path}: ${(error as Error).message}`);
  }
}

async function keysCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    db: { type: 'string' },
    scope: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'boolean' },
    json: { type: 'boolean' },
    mysql: { type: 'string' },
  });
  const [action, ...rest] = positionals;
  if (!['create', 'list', 'revoke'].includes(action ?? '')) throw new UsageError('hub keys needs one of: create, list, revoke');
  if (action === 'create') {
    if (!values.scope) throw new UsageError('keys create needs --scope SCOPE (use * with --admin for every scope)');
    if (!values.name) throw new UsageError('keys create needs --name NAME (the node or service the key is for)');
    if (values.scope === '*' && !values.admin) throw new UsageError('scope * is only for admin keys (--admin)');
  }
  if (action === 'revoke' && rest.length !== 1) throw new UsageError('keys revoke needs one KEY_ID (see hub keys list)');
  const { store, where } = await openKeyStore(values.db, values.mysql ?? process.env.DOVETAIL_HUB_MYSQL_URL);
  console.error(`hub database: ${where}`);
  try {
    if (action === 'create') {
      const { key, record } = await store.createKey({ role: values.admin ? 'admin' : 'node', scope: values.scope!, name: values.name! });
      console.error(`created ${record.role} key ${record.keyId} for "${record.name}" on scope ${record.scope}; it is shown once:`);
      console.log(key);
      return 0;
    }
    if (action === 'list') {
      const keys = await store.listKeys();
      if (values.json) console.log(JSON.stringify(keys, null, 2));
      else {
        for (const k of keys) {
          console.log(`${k.keyId}  ${k.role.padEnd(5)}  ${k.scope.padEnd(16)}  ${k.name.padEnd(20)}  ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`);
        }
      }
      return 0;
    }
    if (action === 'revoke') {
      if (!(await store.revokeKey(rest[0]!))) {
        console.error(`no active key ${rest[0]}`);
        return 1;
      }
      console.log(`revoked ${rest[0]}`);
      return 0;
    }
    return 2;
  } finally {
    await store.close();
  }
}
