import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from 'vitest';
import { parseConfig, type InstanceConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { buildHub, type Hub, type HubOptions } from '../../src/hub/build-hub.js';
import type { HubStore } from '../../src/hub/hub-store.js';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';

export interface RunningHub {
  readonly hub: Hub;
  readonly url: string;
  readonly store: SqliteHubStore;
  readonly dbPath: string;
  nodeKey(scope?: string, name?: string): Promise<string>;
  adminKey(scope?: string): Promise<string>;
  stop(): Promise<void>;
}

/** A real hub on 127.0.0.1, port 0, storing in a SQLite file under `dir`. */
export async function startHub(
  dir: string,
  opts: {
    entities?: readonly string[];
    dbPath?: string;
    port?: number;
    rateLimit?: HubOptions['rateLimit'];
    /** Runs before listening: the place to add Fastify hooks (fault injection, counters). */
    configure?: (hub: Hub) => void;
    /** Another store (e.g. MySqlHubStore); default a SQLite file in `dir`. */
    store?: HubStore;
  } = {},
): Promise<RunningHub> {
  const dbPath = opts.dbPath ?? join(dir, 'hub.db');
  const store = (opts.store ?? new SqliteHubStore(dbPath)) as SqliteHubStore;
  const hub = buildHub({ store, entities: opts.entities, rateLimit: opts.rateLimit });
  opts.configure?.(hub);
  const { url } = await hub.listen(opts.port ?? 0);
  let stopped = false;
  return {
    hub,
    url,
    store,
    dbPath,
    nodeKey: async (scope = 'shop-1', name = 'shop-1-pos') => (await store.createKey({ role: 'node', scope, name })).key,
    adminKey: async (scope = '*') => (await store.createKey({ role: 'admin', scope, name: 'backend' })).key,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await hub.close();
      await store.close();
    },
  };
}

/** A resolved instance config for a SQLite file, from the same JSON a user would write. */
export function instanceConfig(opts: { dbPath: string; url: string; apiKey: string; entities: unknown[]; name?: string }): InstanceConfig {
  const config = parseConfig(
    { hub: { url: opts.url, apiKey: opts.apiKey, timeoutMs: 5000 }, database: { type: 'sqlite', path: opts.dbPath }, entities: opts.entities },
    { baseDir: '/' },
  );
  return { ...config.instances[0]!, name: opts.name ?? 'default' };
}

export async function openEngine(config: InstanceConfig, opts: { pullPageSize?: number; pushBatchSize?: number } = {}): Promise<SyncEngine> {
  return SyncEngine.open(config, { logger: silentLogger(), ...opts });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** vitest fixture: a fresh temp directory per test, removed afterwards. */
export const test = base.extend<{ dir: string }>({
  // eslint-disable-next-line no-empty-pattern
  dir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'dovetail-test-'));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  },
});

/** The restaurant-like entities most tests use. */
export const ENTITIES = [
  {
    name: 'products',
    direction: 'push',
    create: { columns: { id: 'TEXT NOT NULL', name: 'TEXT NOT NULL', price: 'REAL NOT NULL DEFAULT 0' } },
  },
  {
    name: 'customers',
    direction: 'both',
    create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT', is_deleted: 'INTEGER NOT NULL DEFAULT 0' } },
  },
  {
    name: 'orders',
    direction: 'pull',
    fill: { daily_number: { type: 'daily-sequence', dateColumn: 'created_at' } },
    create: { columns: { id: 'TEXT NOT NULL', customer_id: 'TEXT', total: 'REAL', status: 'TEXT', created_at: 'TEXT', daily_number: 'INTEGER' } },
  },
];
