/**
 * The benchmark's long-running agent, in its own process (neither the hub's nor the measuring one).
 *
 *   node --import tsx scripts/bench/agent-child.ts '<json AgentChildConfig>'
 *
 * Opens a `SyncEngine` on the given SQLite file and runs an `Agent` (live channel on, local-write
 * watcher and debounce at their defaults unless given). Talks JSON lines:
 *
 *   stdout  {"type":"ready","pid":N,"t":T}           once the agent has started
 *           {"type":"run","running":B,"state":S,"t":T} whenever a sync run starts/ends or the
 *                                                    connection state changes
 *           {"type":"watching","id":N,"t":T}           reply to `watch`
 *           {"type":"arrived","id":N,"key":K,"t":T}    the watched row is committed locally
 *           {"type":"pong","id":N,"t":T}               reply to `ping` (clock calibration)
 *           {"type":"usage","id":N,"t":T,...}          reply to `usage` (CPU µs, RSS bytes)
 *   stdin   {"cmd":"watch","id":N,"table":T,"column":C,"key":K}
 *           {"cmd":"ping","id":N}  {"cmd":"usage","id":N}  {"cmd":"stop"}
 *
 * Every `t` is epoch milliseconds with sub-millisecond resolution: performance.timeOrigin +
 * performance.now(), comparable with the parent's clock of the same kind. "Arrived" is stamped
 * right after the COMMIT of the engine transaction that made the row visible (the engine's own
 * connection, checked only while a watch is pending, after the stamp). Exits when stdin ends.
 */
import { createInterface } from 'node:readline';
import { Agent } from '../../src/core/agent.js';
import { parseConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import type { DbExecutor } from '../../src/core/store/db-adapter.js';
import { SqliteAdapter } from '../../src/core/store/sqlite-adapter.js';
import { SyncEngine } from '../../src/core/sync-engine.js';

export interface AgentChildConfig {
  readonly dbPath: string;
  readonly url: string;
  readonly apiKey: string;
  readonly entities: readonly unknown[];
  /** Polling fallback, minutes (the benchmark uses 24 h so only the live channel moves data). */
  readonly intervalMinutes: number;
  /** Overrides of the agent's defaults (40 ms / 5 ms); left out, the defaults are measured. */
  readonly localPollMs?: number;
  readonly liveDebounceMs?: number;
}

const clock = (): number => performance.timeOrigin + performance.now();

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

interface Watch {
  readonly id: number;
  readonly key: string;
  readonly lookup: { get(key: string): unknown };
}

/** The engine's adapter, reporting when a watched row becomes visible (after the COMMIT that wrote it). */
class WatchingAdapter extends SqliteAdapter {
  private watch: Watch | null = null;

  setWatch(id: number, table: string, column: string, key: string): void {
    const lookup = this.db.prepare(`SELECT 1 FROM "${table.replaceAll('"', '""')}" WHERE "${column.replaceAll('"', '""')}" = ?`);
    this.watch = { id, key, lookup };
    this.check(clock());
  }

  override async transaction<T>(fn: (tx: DbExecutor) => Promise<T>): Promise<T> {
    const result = await super.transaction(fn);
    if (this.watch) this.check(clock());
    return result;
  }

  private check(t: number): void {
    const watch = this.watch;
    // Inside another caller's open transaction an uncommitted row could be visible: wait for its commit.
    if (!watch || this.db.inTransaction) return;
    if (!watch.lookup.get(watch.key)) return;
    this.watch = null;
    send({ type: 'arrived', id: watch.id, key: watch.key, t });
  }
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) {
    console.error("usage: agent-child.ts '<json config>'");
    process.exit(2);
  }
  const cfg = JSON.parse(raw) as AgentChildConfig;
  const config = parseConfig(
    {
      hub: { url: cfg.url, apiKey: cfg.apiKey, timeoutMs: 30_000 },
      database: { type: 'sqlite', path: cfg.dbPath },
      entities: cfg.entities,
    },
    { baseDir: '/', env: {} },
  );
  const instance = { ...config.instances[0]!, name: 'bench' };
  // Warnings and errors only, on stderr (inherited): stdout carries the protocol.
  const logger = createLogger({ level: 'warn', destination: 2 });
  const db = new WatchingAdapter(cfg.dbPath);
  const engine = await SyncEngine.open(instance, { logger, db });
  const agent = new Agent({
    engine,
    logger,
    intervalMinutes: cfg.intervalMinutes,
    live: true,
    ...(cfg.localPollMs !== undefined ? { localPollMs: cfg.localPollMs } : {}),
    ...(cfg.liveDebounceMs !== undefined ? { liveDebounceMs: cfg.liveDebounceMs } : {}),
  });
  let running = false;
  let state = '';
  agent.onStatus((s) => {
    if (s.running === running && s.state === state) return;
    running = s.running;
    state = s.state;
    send({ type: 'run', running, state, t: clock(), error: s.lastErrorCode ?? undefined });
  });

  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    agent
      .stop()
      .then(() => engine.close())
      .then(
        () => process.exit(code),
        (error: unknown) => {
          console.error('agent-child: stop failed:', error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    const cmd = JSON.parse(trimmed) as { cmd: string; id?: number; table?: string; column?: string; key?: string };
    const id = cmd.id ?? 0;
    switch (cmd.cmd) {
      case 'ping':
        send({ type: 'pong', id, t: clock() });
        break;
      case 'usage': {
        const cpu = process.cpuUsage();
        send({ type: 'usage', id, t: clock(), userUs: cpu.user, systemUs: cpu.system, rss: process.memoryUsage.rss() });
        break;
      }
      case 'watch':
        db.setWatch(id, cmd.table ?? '', cmd.column ?? 'id', cmd.key ?? '');
        send({ type: 'watching', id, t: clock() });
        break;
      case 'stop':
        stop(0);
        break;
      default:
        console.error(`agent-child: unknown command ${trimmed}`);
    }
  });
  lines.on('close', () => stop(0));
  process.stdin.on('error', () => stop(0));

  await agent.start();
  send({ type: 'ready', pid: process.pid, t: clock() });
}

main().catch((error: unknown) => {
  console.error('agent-child: failed to start:', error);
  process.exit(1);
});
