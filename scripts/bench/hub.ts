import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import { progress, withTimeout } from './util.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = join(REPO_ROOT, 'scripts', 'bench', 'hub-child.ts');

export const SCOPE = 'shop-1';
export const NODE_NAME = 'shop-1-pos';

export interface HubKeys {
  readonly node: string;
  readonly admin: string;
}

/** Creates the hub's SQLite file (schema) and its keys, before any hub process serves it. */
export async function prepareHubDb(dbPath: string): Promise<HubKeys> {
  const store = new SqliteHubStore(dbPath);
  try {
    const node = await store.createKey({ role: 'node', scope: SCOPE, name: NODE_NAME });
    const admin = await store.createKey({ role: 'admin', scope: SCOPE, name: 'bench-backend' });
    return { node: node.key, admin: admin.key };
  } finally {
    await store.close();
  }
}

const STATUSES = ['new', 'paid', 'preparing', 'served', 'closed'];
const BASKETS = 997;
let baskets: { items: string; total: number }[] | null = null;

/** A fixed pool of order baskets (1–4 lines), so seeding does not spend its time building JSON. */
function basket(i: number): { items: string; total: number } {
  baskets ??= Array.from({ length: BASKETS }, (_, b) => {
    const lines = Array.from({ length: 1 + (b % 4) }, (_, j) => ({
      sku: `SKU-${String((b * 7 + j * 13) % 5000).padStart(5, '0')}`,
      qty: 1 + ((b + j) % 3),
      price: Math.round((3 + ((b * 31 + j * 17) % 2000) / 100) * 100) / 100,
    }));
    const total = Math.round(lines.reduce((sum, it) => sum + it.qty * it.price, 0) * 100) / 100;
    return { items: JSON.stringify(lines), total };
  });
  return baskets[i % BASKETS]!;
}

/** One realistic order, as the hub stores it (flat JSON object; `items` is JSON text). */
export function orderData(i: number, createdAt: string): Record<string, unknown> {
  const { items, total } = basket(i);
  return {
    id: orderId(i),
    customer_id: `cust-${String(i % 9973).padStart(5, '0')}`,
    status: STATUSES[i % STATUSES.length],
    total,
    items,
    created_at: createdAt,
  };
}

export function orderId(i: number): string {
  return `ord-${String(i).padStart(8, '0')}`;
}

/** Local table definition of `orders` (matches `orderData`). */
export const ORDER_COLUMNS = {
  id: 'TEXT NOT NULL',
  customer_id: 'TEXT',
  status: 'TEXT',
  total: 'REAL',
  items: 'TEXT',
  created_at: 'TEXT',
};

/**
 * Seeds `rows` orders straight into the hub's SQLite file in one transaction: versions
 * `startVersion+1 … startVersion+rows`, scope head moved to the last one. Returns the new head.
 */
export function seedOrders(dbPath: string, rows: number, startVersion = 0): number {
  const db = new Database(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    // Setup only (not measured): no fsync, a roomy page cache.
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -65536');
    const insert = db.prepare(
      `INSERT INTO hub_rows (scope, entity, key, data, version, deleted, origin, updated_at)
       VALUES (?, 'orders', ?, ?, ?, 0, 'admin:bench-seed', ?)`,
    );
    const head = db.prepare(
      'INSERT INTO hub_scopes (scope, head) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET head = excluded.head',
    );
    const base = Date.parse('2026-01-05T08:00:00.000Z');
    db.transaction(() => {
      for (let n = 1; n <= rows; n++) {
        const i = startVersion + n;
        const at = new Date(base + i * 37_000).toISOString();
        insert.run(SCOPE, orderId(i), JSON.stringify(orderData(i, at)), i, at);
      }
      head.run(SCOPE, startVersion + rows);
    }).immediate();
    return startVersion + rows;
  } finally {
    db.close();
  }
}

/**
 * Live rows of an entity in the hub file, optionally only keys starting with `keyPrefix` (read
 * through its own connection; WAL lets it run beside the hub).
 */
export function countHubRows(dbPath: string, entity: string, keyPrefix = ''): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    const row = db
      .prepare<[string, string, string, string], { n: number }>(
        'SELECT COUNT(*) AS n FROM hub_rows WHERE scope = ? AND entity = ? AND deleted = 0 AND substr(key, 1, length(?)) = ?',
      )
      .get(SCOPE, entity, keyPrefix, keyPrefix);
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}

export interface HubProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `scripts/bench/hub-child.ts` on `dbPath` (a SQLite file or a mysql:// URL) in a separate
 * Node process and waits for its URL.
 * With BENCH_HUB_CPU_PROF=<dir> the hub runs under `--cpu-prof` and writes its profile there on stop.
 */
export async function startHubProcess(dbPath: string, opts: { startTimeoutMs?: number } = {}): Promise<HubProcess> {
  const profDir = process.env.BENCH_HUB_CPU_PROF;
  const args = [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profDir)}`] : []), '--import', 'tsx', CHILD, dbPath];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    try {
      await withTimeout(exited, 5000, 'hub child shutdown');
    } catch {
      killChild(child);
      await withTimeout(exited, 5000, 'hub child kill').catch(() => undefined);
    }
  };
  try {
    const ready = await withTimeout(readReadyLine(child), opts.startTimeoutMs ?? 30_000, 'hub child start');
    progress(`hub child pid ${ready.pid} on ${ready.url}`);
    return { url: ready.url, pid: ready.pid, stop };
  } catch (error) {
    killChild(child);
    throw error;
  }
}

function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function readReadyLine(child: ChildProcess): Promise<{ url: string; pid: number }> {
  const lines = createInterface({ input: child.stdout! });
  const failed = once(child, 'exit').then(([code]) => {
    throw new Error(`hub child exited (code ${String(code)}) before reporting its URL`);
  });
  const first = (async () => {
    for await (const line of lines) {
      const trimmed = line.trim();
      if (!trimmed.startsWith('{')) continue;
      const parsed = JSON.parse(trimmed) as { url?: unknown; pid?: unknown };
      if (typeof parsed.url !== 'string') throw new Error(`hub child reported no URL: ${trimmed}`);
      const url = new URL(parsed.url);
      if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`hub child is not on loopback: ${parsed.url}`);
      return { url: parsed.url, pid: Number(parsed.pid) };
    }
    throw new Error('hub child closed stdout before reporting its URL');
  })();
  failed.catch(() => undefined); // a later exit is handled by stop(), not here
  const ready = await Promise.race([first, failed]);
  // Keep draining stdout so the child never blocks on a full pipe.
  child.stdout!.resume();
  return ready;
}

/** PUT one row through the hub's admin API (what an ordering backend does). */
export async function adminPut(
  url: string,
  adminKey: string,
  entity: string,
  key: string,
  data: Record<string, unknown>,
): Promise<number> {
  const response = await fetch(`${url}/v1/admin/scopes/${encodeURIComponent(SCOPE)}/entities/${entity}/rows/${encodeURIComponent(key)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-api-key': adminKey, 'x-dovetail-protocol': '1' },
    body: JSON.stringify({ data }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { version?: number; error?: { code: string; message: string } };
  if (!response.ok || typeof body.version !== 'number') {
    throw new Error(`admin PUT ${entity}/${key} failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
  return body.version;
}
