import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startControlServer, type ControlServer } from '../../src/cli/control/control-server.js';
import { watchForExecution } from './browser.js';
import { RENDERER_DIST } from '../../src/console/renderer-build.js';
import { loadStaticFiles } from '../../src/console/static-files.js';
import { Agent } from '../../src/core/agent.js';
import { silentLogger } from '../../src/core/logger.js';
import type { SyncEngine } from '../../src/core/sync-engine.js';
import { AgentService } from '../../src/service/agent-service.js';
import { instanceConfig, openEngine, startHub, waitFor, type RunningHub } from '../helpers/fixtures.js';
import { adminPut, openPos } from '../helpers/local-db.js';

export const ENTITIES = [
  { name: 'products', direction: 'push', create: { columns: { id: 'TEXT NOT NULL', name: 'TEXT NOT NULL', price: 'REAL NOT NULL DEFAULT 0' } } },
  {
    name: 'customers',
    direction: 'both',
    conflict: 'manual',
    create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT', phone: 'TEXT', notes: 'TEXT' } },
  },
  { name: 'orders', direction: 'pull', create: { columns: { id: 'TEXT NOT NULL', customer_id: 'TEXT', total: 'REAL', status: 'TEXT' } } },
];

/** Hub-side faults the tests switch on and off: pushes of some row keys rejected, pulls held. */
class HubFaults {
  readonly rejectKeys = new Map<string, string>();
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;

  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      if (this.held && request.url.startsWith('/v1/pull')) await this.held;
    });
    app.addHook('preHandler', async (request, reply) => {
      if (!request.url.startsWith('/v1/push')) return;
      const changes = (request.body as { changes?: { seq: number; key: string }[] }).changes ?? [];
      if (changes.length === 0 || !changes.every((c) => this.rejectKeys.has(c.key))) return;
      await reply.send({
        results: changes.map((c) => ({ seq: c.seq, status: 'rejected', error: { code: 'validation', message: this.rejectKeys.get(c.key)! } })),
      });
      return reply;
    });
  }

  /** Pulls wait until the returned function is called. */
  holdPulls(): () => void {
    this.held = new Promise((resolve) => (this.release = resolve));
    return () => {
      this.held = null;
      this.release?.();
    };
  }
}

export interface ConsoleRig {
  readonly hub: RunningHub;
  readonly faults: HubFaults;
  readonly engine: SyncEngine;
  readonly agent: Agent;
  /** With `{ second: true }`: a second instance of the config (another shop database and scope). */
  readonly second: Agent | null;
  readonly service: AgentService;
  readonly server: ControlServer;
  readonly pos: Database.Database;
  readonly origin: string;
  /** Writes a row on the hub, as the online ordering backend does. */
  put(entity: string, key: string, data: Record<string, unknown>): Promise<number>;
  /** The hub's current row. */
  remote(entity: string, key: string): Promise<Record<string, unknown> | null>;
  local(table: string, key: string): Record<string, unknown> | null;
  /** Stops the hub (the shop goes offline) and starts it again on the same port and file. */
  stopHub(): Promise<void>;
  restartHub(): Promise<void>;
  /** A new browser context logged in to the console, on `hash`. */
  open(
    browser: Browser,
    opts?: { locale?: string; hash?: string; timezoneId?: string },
  ): Promise<{ context: BrowserContext; page: Page; watch: Awaited<ReturnType<typeof watchForExecution>> }>;
  close(): Promise<void>;
}

/** A real hub and a real agent on loopback, the agent's local server with the console, the shop's POS connection. */
export async function startConsoleRig(dir: string, opts: { second?: boolean } = {}): Promise<ConsoleRig> {
  const faults = new HubFaults();
  let hub = await startHub(dir, { configure: ({ app }) => faults.install(app) });
  const port = Number(new URL(hub.url).port);
  const dbPath = join(dir, 'shop.db');
  const engine = await openEngine(instanceConfig({ dbPath, url: hub.url, apiKey: await hub.nodeKey(), entities: ENTITIES, name: 'pizzaria-centro' }));
  const agent = new Agent({ engine, logger: silentLogger(), intervalMinutes: 60, maxBackoffMs: 1500, liveReconnectMs: 200 });
  const agents = [agent];
  if (opts.second) {
    const config = instanceConfig({ dbPath: join(dir, 'north.db'), url: hub.url, apiKey: await hub.nodeKey('shop-2', 'north-pos'), entities: ENTITIES, name: 'pizzaria-norte' });
    agents.push(new Agent({ engine: await openEngine(config), logger: silentLogger(), intervalMinutes: 60 }));
  }
  const service = new AgentService(agents);
  await service.init();
  const server = await startControlServer(agents, { console: { service, files: loadStaticFiles(RENDERER_DIST) } });
  const origin = `http://127.0.0.1:${server.port}`;
  const pos = openPos(dbPath);
  const adminKey = await hub.adminKey();
  for (const a of agents) await a.start();
  await waitFor(() => agents.every((a) => a.status().lastSuccessAt !== null && !a.status().running), 10_000, 'the startup sync');
  return {
    get hub() {
      return hub;
    },
    faults,
    engine,
    agent,
    second: agents[1] ?? null,
    service,
    server,
    pos,
    origin,
    put: (entity, key, data) => adminPut(hub.url, adminKey, entity, key, data),
    async remote(entity, key) {
      const row = await hub.store.adminGet('shop-1', entity, key);
      return row && !row.deleted ? row.data : null;
    },
    local: (table, key) => (pos.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(key) as Record<string, unknown> | undefined) ?? null,
    stopHub: () => hub.stop(),
    async restartHub() {
      hub = await startHub(dir, { dbPath: hub.dbPath, port, configure: ({ app }) => faults.install(app) });
    },
    async open(browser, opts = {}) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: opts.locale ?? 'en-US', timezoneId: opts.timezoneId });
      const page = await context.newPage();
      const watch = await watchForExecution(page);
      await page.goto(`${origin}${server.console!.loginPath()}`);
      if (opts.hash) await page.goto(`${origin}/${opts.hash}`);
      await page.getByTestId('headline').or(page.getByTestId('conflict-list')).first().waitFor();
      return { context, page, watch };
    },
    async close() {
      await server.app.close();
      service.close();
      for (const a of agents) await a.stop();
      pos.close();
      for (const a of agents) await a.engine.close();
      await hub.stop();
    },
  };
}
