import type { Logger } from 'pino';
import { buildHub, type Hub } from './build-hub.js';
import { SqliteHubStore } from './sqlite-hub-store.js';

export interface HubServerOptions {
  readonly dbPath: string;
  readonly port: number;
  readonly host?: string;
  readonly entities?: readonly string[];
  readonly logger?: Logger;
}

/** A listening hub on a SQLite file: what `dovetail hub` runs. */
export async function startHubServer(opts: HubServerOptions): Promise<{ hub: Hub; url: string; close(): Promise<void> }> {
  const store = new SqliteHubStore(opts.dbPath);
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
