import type { Logger } from 'pino';
import { buildHub, type Hub } from './build-hub.js';
import type { HubStore } from './hub-store.js';
import { MySqlHubStore, type MySqlHubOptions } from './mysql-hub-store.js';
import { SqliteHubStore } from './sqlite-hub-store.js';

/** Parses mysql://user:password@host:port/database. */
export function parseMysqlUrl(url: string): MySqlHubOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mysql:' || parsed.pathname.length < 2) {
    throw new Error(`"${url.replace(/:[^:@/]*@/, ':…@')}" is not a mysql://user:password@host:port/database URL`);
  }
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
  };
}

export interface HubServerOptions {
  /** SQLite file of the hub (ignored when `mysql` is given). */
  readonly dbPath: string;
  /** MySQL/MariaDB settings: several hub processes can share one database. */
  readonly mysql?: MySqlHubOptions;
  readonly port: number;
  readonly host?: string;
  readonly entities?: readonly string[];
  readonly logger?: Logger;
}

/** A listening hub on a SQLite file: what `dovetail hub` runs. */
export async function startHubServer(opts: HubServerOptions): Promise<{ hub: Hub; url: string; close(): Promise<void> }> {
  const store: HubStore = opts.mysql ? await MySqlHubStore.open(opts.mysql) : new SqliteHubStore(opts.dbPath);
  const hub = buildHub({ store, entities: opts.entities, logger: opts.logger ?? false });
  try {
    const { url } = await hub.listen(opts.port, opts.host ?? '127.0.0.1');
    return {
      hub,
      url,
      async close() {
        await hub.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
