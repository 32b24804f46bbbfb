import type mysql from 'mysql2/promise';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { waitFor } from '../helpers/fixtures.js';
import type { PosSimArgs } from './pos-sim.js';

/** The shop of every fault scenario: sales pushed (`products`), customers written by a backend on the hub and pulled. */
export const FAULT_ENTITIES = [
  {
    name: 'products',
    direction: 'push',
    create: { columns: { id: 'VARCHAR(64) NOT NULL', name: 'VARCHAR(200) NOT NULL', price: 'REAL NOT NULL DEFAULT 0' } },
  },
  {
    name: 'customers',
    direction: 'both',
    create: { columns: { id: 'VARCHAR(64) NOT NULL', first_name: 'VARCHAR(200)', email: 'VARCHAR(200)' } },
  },
];

const POS = fileURLToPath(new URL('./pos-sim.ts', import.meta.url));

/** Starts the POS simulator; resolves once it has committed its first change. */
export async function startPos(args: PosSimArgs): Promise<Child> {
  const pos = spawnTsx(POS, [JSON.stringify(args)]);
  await waitFor(() => pos.lines.some((l) => l.startsWith('ok ') || l.startsWith('done')) || pos.process.exitCode !== null, 20_000, 'the POS to commit');
  return pos;
}

/** Waits (bounded) until the POS has written everything, or stops it; returns its lines. */
export async function finishPos(pos: Child, timeoutMs: number): Promise<string[]> {
  const ended = await Promise.race([pos.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs))]);
  if (ended === 'timeout') pos.process.stdin.end();
  const code = await pos.exited;
  if (code !== 0) throw new Error(`POS simulator ended with ${code}: ${pos.stderr().slice(-1000)}`);
  return pos.lines;
}

/** Creates the agent's tables and capture triggers once (what the first `dovetail run` does). */
export async function prepareShop(database: Record<string, unknown>, url: string, apiKey: string): Promise<void> {
  const engine = await openFaultEngine(database, url, apiKey);
  await engine.close();
}

export function openFaultEngine(database: Record<string, unknown>, url: string, apiKey: string, timeoutMs = 5000): Promise<SyncEngine> {
  const config = parseConfig({ hub: { url, apiKey, timeoutMs }, database, entities: FAULT_ENTITIES }, { baseDir: '/', env: {} });
  return SyncEngine.open(config.instances[0]!, { logger: silentLogger(), pushBatchSize: 100, pullPageSize: 200 });
}

/** The final settle after the faults: syncs (at most `tries` runs) until a run is DONE with an empty outbox. */
export async function settle(database: Record<string, unknown>, url: string, apiKey: string, tries = 6): Promise<void> {
  const engine = await openFaultEngine(database, url, apiKey);
  try {
    for (let i = 0; i < tries; i++) {
      const summary = await engine.sync({ trigger: 'manual', force: true });
      const status = await engine.status();
      if (summary.status === 'DONE' && status.outbox.pending === 0) return;
    }
    throw new Error(`the agent did not settle in ${tries} runs: ${JSON.stringify((await engine.status()).outbox)}`);
  } finally {
    await engine.close();
  }
}

/**
 * A backend writing customers on the hub through the admin API (so the agent has pages to pull
 * while it is killed). Bounded by `max` writes; `stop()` ends it and tells how many it wrote.
 */
export function startBackend(url: string, adminKey: string, opts: { scope?: string; everyMs?: number; max?: number } = {}): { stop(): Promise<number> } {
  let written = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping && written < (opts.max ?? 100_000)) {
      const id = `cust-${written + 1}`;
      const response = await fetch(`${url}/v1/admin/scopes/${opts.scope ?? 'shop-1'}/entities/customers/rows/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-key': adminKey },
        body: JSON.stringify({ data: { id, first_name: `Customer ${written + 1}`, email: `${id}@example.com` } }),
      }).catch(() => null);
      if (response?.ok) written++;
      await new Promise((resolve) => setTimeout(resolve, opts.everyMs ?? 30));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return written;
    },
  };
}

/** Kills every server connection to `database` except this one and `spare` (what a MariaDB restart does to the agent). */
export async function killConnections(admin: mysql.Connection, database: string, spare: readonly number[]): Promise<number> {
  const [rows] = await admin.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [database]);
  let killed = 0;
  for (const { id } of rows as { id: number }[]) {
    if (spare.includes(Number(id))) continue;
    await admin.query(`KILL CONNECTION ${Number(id)}`).then(() => killed++, () => undefined);
  }
  return killed;
}
