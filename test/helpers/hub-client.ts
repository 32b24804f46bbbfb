import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildHub, type Hub, type HubOptions } from '../../src/hub/build-hub.js';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import {
  PROTOCOL_VERSION,
  errorBody,
  pullResponse,
  pushResponse,
  type PullResponse,
  type PulledChange,
  type PushChange,
  type PushResult,
  type RowData,
} from '../../src/protocol/index.js';

/** One HTTP answer from the hub, body parsed as JSON when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: unknown;
}

export interface RequestOptions {
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is (with content-type application/json unless `headers` says otherwise). */
  readonly raw?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Overrides the client's key for this request; null sends none. */
  readonly apiKey?: string | null;
}

/** A random-looking outbox id, valid for the push schema. */
export const SOURCE = 'outbox-test-0001';

/** A push change with test defaults: upsert into `products` of a row never synced (baseVersion null). */
export function change(
  seq: number,
  key: string,
  data: RowData | null,
  opts: { entity?: string; op?: 'upsert' | 'delete'; baseVersion?: number | null } = {},
): PushChange {
  return {
    seq,
    entity: opts.entity ?? 'products',
    key,
    op: opts.op ?? (data === null ? 'delete' : 'upsert'),
    data,
    baseVersion: opts.baseVersion === undefined ? null : opts.baseVersion,
  };
}

/** Thin protocol v1 client over real HTTP (fetch); answers are returned as they came, never thrown. */
export class HubApi {
  constructor(
    readonly url: string,
    readonly apiKey: string | null = null,
  ) {}

  withKey(apiKey: string | null): HubApi {
    return new HubApi(this.url, apiKey);
  }

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const key = opts.apiKey === undefined ? this.apiKey : opts.apiKey;
    if (key !== null) headers['x-api-key'] = key;
    let body: string | undefined;
    if (opts.json !== undefined) body = JSON.stringify(opts.json);
    if (opts.raw !== undefined) body = opts.raw;
    if (body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, opts.headers);
    const response = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = undefined;
    if ((response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text) as unknown;
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  push(source: string, changes: readonly PushChange[], opts: Omit<RequestOptions, 'json' | 'raw'> = {}): Promise<Answer> {
    return this.request('POST', '/v1/push', { ...opts, json: { protocol: PROTOCOL_VERSION, source, changes } });
  }

  /** Pushes and expects a well-formed 200 answer with one result per change, in order. */
  async pushOk(source: string, changes: readonly PushChange[]): Promise<PushResult[]> {
    const answer = await this.push(source, changes);
    expect(answer.status, answer.text).toBe(200);
    const { results } = pushResponse.parse(answer.body);
    expect(results.map((r) => r.seq)).toEqual(changes.map((c) => c.seq));
    return results;
  }

  pull(entity: string, since?: number, limit?: number): Promise<Answer> {
    const query = new URLSearchParams({ entity });
    if (since !== undefined) query.set('since', String(since));
    if (limit !== undefined) query.set('limit', String(limit));
    return this.request('GET', `/v1/pull?${query.toString()}`);
  }

  async pullOk(entity: string, since?: number, limit?: number): Promise<PullResponse> {
    const answer = await this.pull(entity, since, limit);
    expect(answer.status, answer.text).toBe(200);
    return pullResponse.parse(answer.body);
  }

  /** Pages through an entity from `since` until `hasMore` is false. */
  async pullAll(entity: string, limit: number, since = 0): Promise<{ pages: PullResponse[]; changes: PulledChange[]; cursor: number }> {
    const pages: PullResponse[] = [];
    let cursor = since;
    for (let i = 0; i < 10_000; i++) {
      const page = await this.pullOk(entity, cursor, limit);
      pages.push(page);
      cursor = page.cursor;
      if (!page.hasMore) return { pages, changes: pages.flatMap((p) => p.changes), cursor };
    }
    throw new Error('pullAll: no end in sight');
  }

  status(): Promise<Answer> {
    return this.request('GET', '/v1/status');
  }

  adminPut(scope: string, entity: string, key: string, data: RowData, baseVersion?: number | null): Promise<Answer> {
    return this.request('PUT', rowPath(scope, entity, key), { json: baseVersion === undefined ? { data } : { data, baseVersion } });
  }

  /** Admin upsert expected to succeed; returns the new version. */
  async adminPutOk(scope: string, entity: string, key: string, data: RowData): Promise<number> {
    const answer = await this.adminPut(scope, entity, key, data);
    expect(answer.status, answer.text).toBe(200);
    return (answer.body as { version: number }).version;
  }

  adminDelete(scope: string, entity: string, key: string, baseVersion?: number): Promise<Answer> {
    return this.request('DELETE', rowPath(scope, entity, key), baseVersion === undefined ? {} : { json: { baseVersion } });
  }

  adminGet(scope: string, entity: string, key: string): Promise<Answer> {
    return this.request('GET', rowPath(scope, entity, key));
  }

  adminList(scope: string, entity: string, query = ''): Promise<Answer> {
    return this.request('GET', `/v1/admin/scopes/${encodeURIComponent(scope)}/entities/${entity}/rows${query ? `?${query}` : ''}`);
  }
}

function rowPath(scope: string, entity: string, key: string): string {
  return `/v1/admin/scopes/${encodeURIComponent(scope)}/entities/${encodeURIComponent(entity)}/rows/${encodeURIComponent(key)}`;
}

/** Asserts a coded JSON error `{ error: { code, message } }` with the given status; returns the message. */
export function expectError(answer: Answer, status: number, code: string): string {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type') ?? '').toContain('application/json');
  const parsed = errorBody.parse(answer.body);
  expect(parsed.error.code, answer.text).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(0);
  return parsed.error.message;
}

/** What the hub's SQLite file holds, read through a separate read-only connection. */
export interface HubSnapshot {
  readonly rows: number;
  readonly receipts: number;
  readonly heads: Record<string, number>;
  readonly keys: number;
}

export function snapshot(dbPath: string): HubSnapshot {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    const heads = Object.fromEntries(
      (db.prepare('SELECT scope, head FROM hub_scopes ORDER BY scope').all() as { scope: string; head: number }[]).map((r) => [r.scope, r.head]),
    );
    return { rows: count('hub_rows'), receipts: count('hub_receipts'), heads, keys: count('hub_keys') };
  } finally {
    db.close();
  }
}

/** A listening hub built with explicit `buildHub` options (limits, rate limit, entities) on a SQLite file under `dir`. */
export interface CustomHub {
  readonly hub: Hub;
  readonly url: string;
  readonly store: SqliteHubStore;
  readonly dbPath: string;
  nodeKey(scope?: string, name?: string): Promise<string>;
  adminKey(scope?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startCustomHub(dir: string, opts: Omit<HubOptions, 'store'> & { dbPath?: string } = {}): Promise<CustomHub> {
  const { dbPath = join(dir, 'custom-hub.db'), ...hubOpts } = opts;
  const store = new SqliteHubStore(dbPath);
  const hub = buildHub({ ...hubOpts, store });
  let url: string;
  try {
    ({ url } = await hub.listen(0));
  } catch (error) {
    await store.close();
    throw error;
  }
  let stopped = false;
  return {
    hub,
    url,
    store,
    dbPath,
    nodeKey: async (scope = 'shop-1', name = `${scope}-pos`) => (await store.createKey({ role: 'node', scope, name })).key,
    adminKey: async (scope = '*') => (await store.createKey({ role: 'admin', scope, name: 'backend' })).key,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await hub.close();
      await store.close();
    },
  };
}
