import type { Logger } from 'pino';
import { backoffMs } from './backoff.js';
import { deriveState, type AgentStatus } from './connection-state.js';
import { acquireEngineLock, type EngineLock } from './engine-lock.js';
import type { LockEvent } from './store/db-adapter.js';
import { SyncError, describeError } from './errors.js';
import { LiveClient } from './live-client.js';
import { Scheduler, intervalToCron } from './scheduler.js';
import { SingleFlight } from './single-flight.js';
import type { SyncRequest } from './sync-request.js';
import type { SyncEngine, SyncSummary } from './sync-engine.js';
import { SqliteAdapter } from './store/sqlite-adapter.js';

export interface AgentOptions {
  readonly engine: SyncEngine;
  readonly logger: Logger;
  /** Polling fallback (default 5 minutes). */
  readonly intervalMinutes?: number;
  /** Optional cron expression for a full resync (seed 000: `0 *\/6 * * *`). */
  readonly fullResyncCron?: string;
  /** Connect the live channel (default true). */
  readonly live?: boolean;
  /** How often to look for local commits, ms (default 40). */
  readonly localPollMs?: number;
  /** Debounce of live `changes` events, ms (default 5). */
  readonly liveDebounceMs?: number;
  /** Watchdog: the outbox is stalled when its oldest pending change is older than this (default 10 min). */
  readonly stallAfterMs?: number;
  readonly maxBackoffMs?: number;
  /** First live reconnect delay, ms (default 1000; grows to 30 s with jitter). */
  readonly liveReconnectMs?: number;
}

type Listener = (status: AgentStatus) => void;
type RunListener = (summary: SyncSummary) => void;

const TRANSIENT = new Set(['network', 'timeout', 'server', 'rate_limited', 'bad_response']);
const AUTH = new Set(['auth', 'forbidden']);
/** Local-write polls between two looks at the tables' shape (~2 s at the default 40 ms poll). */
const SCHEMA_CHECK_TICKS = 50;

/**
 * The long-running agent of one instance: one single-flight sync loop fed by every trigger
 * (startup, live events, local writes, schedule, manual), a live channel, a status snapshot.
 */
export class Agent {
  private readonly flight: SingleFlight<SyncSummary>;
  private readonly scheduler = new Scheduler();
  private readonly listeners = new Set<Listener>();
  private readonly runListeners = new Set<RunListener>();
  private live: LiveClient | null = null;
  private snapshot: AgentStatus;
  private httpOk: boolean | null = null;
  private authError = false;
  private paused = false;
  private pausedUntil: Date | null = null;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private localTimer: NodeJS.Timeout | null = null;
  private localTicks = 0;
  private lastSchema: string | null = null;
  private liveTimer: NodeJS.Timeout | null = null;
  private liveEntities = new Set<string>();
  private lastDataVersion = -1;
  private databaseDown = false;
  /** Why this agent stopped syncing for good (another agent holds the database). */
  private halted: string | null = null;
  private started = false;
  private lock: EngineLock | null = null;

  private readonly pulled: ReadonlySet<string>;

  constructor(private readonly opts: AgentOptions) {
    this.pulled = new Set(opts.engine.config.entities.filter((e) => e.direction !== 'push').map((e) => e.name));
    this.flight = new SingleFlight((request, signal) => this.execute(request, signal));
    this.snapshot = {
      instance: opts.engine.config.name,
      state: 'polling',
      liveConnected: false,
      nextRetryAt: null,
      pausedUntil: null,
      lastSuccessAt: null,
      lastAttemptAt: null,
      lastError: null,
      lastErrorCode: null,
      pending: 0,
      failed: 0,
      oldestPendingAgeMs: null,
      stalled: false,
      conflicts: 0,
      running: false,
      currentRun: null,
    };
  }

  get engine(): SyncEngine {
    return this.opts.engine;
  }

  status(): AgentStatus {
    return this.snapshot;
  }

  /** Calls `listener` on every status change; returns the unsubscribe. */
  onStatus(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` after every finished run; returns the unsubscribe. */
  onRun(listener: RunListener): () => void {
    this.runListeners.add(listener);
    return () => this.runListeners.delete(listener);
  }

  /** Starts every trigger and runs the startup sync (not awaited). */
  /**
   * Starts the loops. Refuses (SyncError `busy`, naming the holder) when another process already
   * syncs this database: one sync engine per database.
   */
  async start(): Promise<void> {
    if (this.started) return;
    const { engine } = this.opts;
    this.lock = await acquireEngineLock(engine.db, engine.tables, 'dovetail run', { wait: false, onChange: (event) => this.onLockChange(event) });
    this.started = true;
    const last = await engine.status();
    this.snapshot = { ...this.snapshot, lastSuccessAt: last.lastSuccessAt };
    await this.refreshCounts();
    this.scheduler.every(intervalToCron(this.opts.intervalMinutes ?? 5), 'poll', () => this.trigger({ trigger: 'schedule', push: true, pull: 'all' }));
    if (this.opts.fullResyncCron) {
      this.scheduler.every(this.opts.fullResyncCron, 'full-resync', () => this.trigger({ trigger: 'schedule', push: true, pull: 'all', full: true }));
    }
    if (this.opts.live !== false) {
      this.live = new LiveClient(engine.config.hub.url, engine.config.hub.apiKey, {
        onConnect: () => {
          this.opts.logger.info('live channel connected');
          this.publish();
          // Every (re)connect is a gap: pull everything by cursor. A reconnect after failures
          // means the hub is back: changes postponed while it was unreachable go now.
          const recovering = this.retryTimer !== null || this.failures > 0;
          if (this.retryTimer) clearTimeout(this.retryTimer);
          this.retryTimer = null;
          void this.trigger({ trigger: 'live', push: true, pull: 'all', force: recovering });
        },
        onDisconnect: (reason) => {
          this.opts.logger.info({ reason }, 'live channel disconnected');
          this.publish();
        },
        onChanges: (entity) => this.onLiveChanges(entity),
        onAuthRejected: (message) => {
          this.opts.logger.error({ message }, 'hub refused the live channel key');
          this.authError = true;
          this.publish();
        },
      }, { reconnectDelayMs: this.opts.liveReconnectMs });
      this.live.start();
    }
    this.watchLocalWrites();
    void this.trigger({ trigger: 'startup', push: true, pull: 'all' });
  }

  /** The MySQL lock follows its connection: lost in a server restart, then taken again. */
  private onLockChange(event: LockEvent): void {
    const { logger } = this.opts;
    if (event.kind === 'lost') logger.warn({ error: event.error }, 'database lock lost with its connection: taking it again');
    else if (event.kind === 'regained') logger.info('database lock taken again');
    else {
      // Another agent started while the server restarted: two would sync one database, so this one stops.
      const message = `another Dovetail agent took this database while its server restarted (MySQL connection ${event.holder ?? '?'}): this agent stopped syncing; stop one of them`;
      logger.error(message);
      this.halt(message);
    }
  }

  /** Stops every automatic trigger (the process stays up and says why in its status). */
  private halt(message: string): void {
    this.halted = message;
    void this.stopTriggers();
    this.live = null;
    this.flight.cancel();
    this.snapshot = { ...this.snapshot, lastError: message, lastErrorCode: 'busy', nextRetryAt: null };
    this.publish();
  }

  /** Timers, schedule and live channel: nothing starts a run by itself any more. */
  private stopTriggers(): Promise<void> {
    this.started = false;
    for (const timer of [this.retryTimer, this.pauseTimer, this.localTimer, this.liveTimer]) if (timer) clearTimeout(timer);
    this.retryTimer = null;
    this.live?.stop();
    return this.scheduler.stop();
  }

  /** Stops triggers, lets the run in progress finish (drain), and leaves the engine open. */
  async stop(): Promise<void> {
    await this.stopTriggers();
    await this.flight.idle();
    await this.lock?.release();
    this.lock = null;
  }

  /**
   * "Sync now": runs even when offline or after an auth error (the key may have been fixed).
   * `direction`, `only` and `skip` narrow it as for `dovetail sync` (they select pulled entities).
   */
  syncNow(opts: { full?: boolean; direction?: 'push' | 'pull' | 'both'; only?: readonly string[]; skip?: readonly string[] } = {}): Promise<SyncSummary> {
    if (this.halted) return Promise.reject(new SyncError('busy', this.halted));
    const direction = opts.direction ?? 'both';
    const pull =
      direction === 'push' ? [] : opts.only || opts.skip ? this.opts.engine.selectEntities(opts.only, opts.skip).filter((e) => this.pulled.has(e.name)).map((e) => e.name) : 'all';
    this.authError = false;
    if (this.live && !this.live.connected) this.live.restart();
    return this.flight.request({ trigger: 'manual', push: direction !== 'pull', pull, full: opts.full, force: true });
  }

  cancel(): boolean {
    return this.flight.cancel();
  }

  pause(until: Date | null): void {
    this.paused = true;
    this.pausedUntil = until;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (until) this.pauseTimer = setTimeout(() => this.resume(), Math.max(0, until.getTime() - Date.now()));
    this.publish();
  }

  resume(): void {
    this.paused = false;
    this.pausedUntil = null;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.publish();
    void this.trigger({ trigger: 'manual', push: true, pull: 'all' });
  }

  /** A fixed key: reconnect and sync. */
  setApiKey(apiKey: string): void {
    this.opts.engine.setApiKey(apiKey);
    this.authError = false;
    this.live?.restart(apiKey);
    void this.trigger({ trigger: 'manual', push: true, pull: 'all' });
  }

  /** Resolves when no run is in progress or queued. */
  idle(): Promise<void> {
    return this.flight.idle();
  }

  /** Automatic triggers are dropped while paused, after an auth error, or while backing off. */
  private trigger(request: SyncRequest): Promise<SyncSummary | null> {
    if (!this.started || this.paused || this.authError) return Promise.resolve(null);
    if (this.retryTimer && request.trigger !== 'schedule') return Promise.resolve(null);
    return this.flight.request(request).catch((error: unknown) => {
      this.opts.logger.error({ error: describeError(error), trigger: request.trigger }, 'sync run could not be recorded');
      return null;
    });
  }

  private onLiveChanges(entity: string): void {
    // Our own pushes are announced to us too; entities this shop does not pull need no run.
    if (!this.pulled.has(entity)) return;
    this.liveEntities.add(entity);
    if (!this.flight.busy && !this.liveTimer) {
      // Idle: pull at once. While a run is busy, events gather for its follow-up run.
      this.liveEntities.clear();
      void this.trigger({ trigger: 'live', push: false, pull: [entity] });
      return;
    }
    if (this.liveTimer) return;
    this.liveTimer = setTimeout(() => {
      this.liveTimer = null;
      const entities = [...this.liveEntities];
      this.liveEntities.clear();
      void this.trigger({ trigger: 'live', push: false, pull: entities });
    }, this.opts.liveDebounceMs ?? 5);
  }

  /** Notices commits by other connections (the POS) and pushes promptly, batched by the loop. */
  private watchLocalWrites(): void {
    const db = this.opts.engine.db;
    const tick = async () => {
      if (!this.started) return;
      try {
        const version = db instanceof SqliteAdapter ? db.dataVersion() : await this.opts.engine.outbox.lastSeq();
        if (this.databaseDown) {
          this.databaseDown = false;
          this.opts.logger.info('shop database answers again');
          if (this.snapshot.lastErrorCode === 'database') this.snapshot = { ...this.snapshot, lastError: null, lastErrorCode: null };
          this.publish();
        }
        // The POS changing a table's shape (its upgrade) starts a run: a key column gone must
        // stop the entity, and take its capture away, before the POS's next sale meets it.
        if (this.localTicks++ % SCHEMA_CHECK_TICKS === 0) {
          const schema = await this.opts.engine.schemaFingerprint();
          if (this.lastSchema !== null && schema !== this.lastSchema) void this.trigger({ trigger: 'local-write', push: true, pull: [] });
          this.lastSchema = schema;
        }
        if (version !== this.lastDataVersion) {
          const first = this.lastDataVersion === -1;
          this.lastDataVersion = version;
          if (!first) {
            await this.refreshCounts();
            if (this.snapshot.pending > 0) void this.trigger({ trigger: 'local-write', push: true, pull: [] });
          }
        }
      } catch (error) {
        // The server restarting, a dropped connection: said once, and the watch goes on.
        if (!this.databaseDown) {
          this.databaseDown = true;
          this.opts.logger.warn({ error: describeError(error) }, 'shop database unreachable: watching for it to come back');
          this.snapshot = { ...this.snapshot, lastError: describeError(error), lastErrorCode: 'database' };
          this.publish();
        }
      } finally {
        if (this.started) this.localTimer = setTimeout(() => void tick(), this.opts.localPollMs ?? 40);
      }
    };
    void tick();
  }

  private async execute(request: SyncRequest, signal: AbortSignal): Promise<SyncSummary> {
    const { engine, logger } = this.opts;
    const pulled = engine.config.entities.filter((e) => e.direction !== 'push').map((e) => e.name);
    const only = request.pull === 'all' ? undefined : request.pull.filter((e) => pulled.includes(e));
    const wantsPull = request.pull === 'all' || (only?.length ?? 0) > 0;
    const startedAt = Date.now();
    this.snapshot = { ...this.snapshot, running: true, lastAttemptAt: new Date().toISOString(), currentRun: { id: null, progress: {} } };
    this.publish();
    let summary: SyncSummary;
    try {
      summary = await engine.sync({
        trigger: request.trigger,
        direction: request.push && wantsPull ? 'both' : request.push ? 'push' : 'pull',
        only: request.push && !wantsPull ? undefined : only,
        full: request.full,
        force: request.force,
        signal,
        onProgress: (progress, runId) => {
          this.snapshot = { ...this.snapshot, currentRun: { id: runId, progress } };
          this.publish();
        },
      });
    } catch (error) {
      // Only the database failing outside a module gets here (e.g. a full disk while recording the
      // run, the server restarting): tried again with the back-off.
      this.snapshot = { ...this.snapshot, running: false, currentRun: null, lastError: describeError(error), lastErrorCode: 'database' };
      this.scheduleRetry('database');
      this.publish();
      throw error;
    }
    this.afterRun(summary);
    const { pushed, pulled: received, conflicts } = summary.stats;
    logger[summary.status === 'DONE' ? 'info' : 'warn'](
      {
        run: summary.runId,
        trigger: request.trigger,
        status: summary.status,
        ...summary.stats,
        durationMs: Date.now() - startedAt,
        error: summary.error ?? undefined,
      },
      `run #${summary.runId} ${summary.status} (${request.trigger}): ${pushed} pushed, ${received} pulled, ${conflicts} conflicts in ${Date.now() - startedAt} ms`,
    );
    await this.refreshCounts();
    this.snapshot = { ...this.snapshot, running: false, currentRun: null };
    this.publish();
    for (const listener of this.runListeners) listener(summary);
    return summary;
  }

  private afterRun(summary: SyncSummary): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const code = summary.errorCode;
    if (summary.status === 'DONE' || code === 'canceled') {
      if (summary.status === 'DONE') {
        this.failures = 0;
        this.httpOk = true;
        this.authError = false;
        this.snapshot = { ...this.snapshot, lastSuccessAt: new Date().toISOString(), lastError: null, lastErrorCode: null, nextRetryAt: null };
      }
      return;
    }
    this.snapshot = { ...this.snapshot, lastError: summary.error, lastErrorCode: code };
    if (code && AUTH.has(code)) {
      this.authError = true;
      this.httpOk = true;
      this.live?.stop();
      return;
    }
    if (code && TRANSIENT.has(code)) {
      this.httpOk = code === 'bad_response' ? true : false;
      this.scheduleRetry(code);
    } else if (code === 'database') {
      // The shop's database failed (a restart, a full disk): the hub is fine, try again later.
      this.scheduleRetry(code);
    } else {
      this.httpOk = true;
    }
  }

  private scheduleRetry(code: string): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.failures++;
    const delay = backoffMs(this.failures, { baseMs: 1000, maxMs: this.opts.maxBackoffMs ?? 300_000 });
    this.snapshot = { ...this.snapshot, nextRetryAt: new Date(Date.now() + delay).toISOString() };
    // The hub was unreachable: this retry is the back-off, so changes postponed meanwhile go
    // with it. A hub that answered (5xx, 429 with Retry-After) keeps its own postponement.
    const force = code === 'network' || code === 'timeout';
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.trigger({ trigger: 'schedule', push: true, pull: 'all', force });
    }, delay);
  }

  private async refreshCounts(): Promise<void> {
    const { engine } = this.opts;
    const counts = await engine.outbox.counts();
    const conflicts = await engine.conflicts.countOpen();
    const age = counts.oldestPendingAt ? Math.max(0, Date.now() - Date.parse(counts.oldestPendingAt)) : null;
    this.snapshot = {
      ...this.snapshot,
      pending: counts.pending,
      failed: counts.failed,
      oldestPendingAgeMs: age,
      stalled: age !== null && age > (this.opts.stallAfterMs ?? 10 * 60_000),
      conflicts,
    };
  }

  private publish(): void {
    const state = deriveState({
      paused: this.paused,
      authError: this.authError,
      httpOk: this.httpOk,
      liveConnected: this.live?.connected ?? false,
    });
    this.snapshot = {
      ...this.snapshot,
      state,
      liveConnected: this.live?.connected ?? false,
      pausedUntil: this.pausedUntil?.toISOString() ?? null,
    };
    for (const listener of this.listeners) listener(this.snapshot);
  }
}
