import { randomBytes } from 'node:crypto';
import type { HubStatus } from '../protocol/index.js';
import type { Logger } from 'pino';
import { agentTables, type AgentTables } from './agent-tables.js';
import type { EntityConfig, InstanceConfig } from './config.js';
import { resolveAll, resolveConflict, viewConflict, type ConflictView, type Resolution, type ResolveOutcome } from './conflict-resolver.js';
import { ConflictStore } from './conflict-store.js';
import type { EngineContext, ModuleReporter } from './engine-context.js';
import { SyncError, describeError } from './errors.js';
import { HubClient } from './hub-client.js';
import { agentMigrations, listMigrations, runMigrations, type AppliedMigration } from './migrations.js';
import { OutboxStore, type OutboxCounts } from './outbox-store.js';
import { pullEntity } from './pull.js';
import { pushOutbox } from './push.js';
import { RunStore, type ModuleProgress, type RunMode, type RunRecord, type RunStats, type RunStatus, type RunTrigger } from './run-store.js';
import { ensureCapture, inspectCapture, removeCapture, type CaptureHealth } from './capture.js';
import { ensureTablesExist } from './schema.js';
import { captureWithBaseline, describeSchemaChange, followSchema, knownName, schemaChanges, type SchemaChange } from './schema-follow.js';
import { resumeBaselines } from './baseline.js';
import { StateStore, type EntityState, type RefusedChanges } from './state-store.js';
import type { DbAdapter } from './store/db-adapter.js';
import { mysqlAgentMigrations } from './mysql-migrations.js';
import { openDatabase } from './store/open-database.js';

export interface SyncOptions {
  readonly trigger?: RunTrigger;
  readonly direction?: 'push' | 'pull' | 'both';
  /** Entity names to sync (default all). */
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  /** Re-pull everything from cursor 0; unpushed local changes are kept and pushed. */
  readonly full?: boolean;
  /** Ignore per-entry back-off (a person asked for this sync). */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Readonly<Record<string, ModuleProgress>>, runId: number) => void;
}

export interface SyncSummary {
  readonly runId: number;
  readonly status: 'DONE' | 'FAILED' | 'CANCELED';
  readonly stats: RunStats;
  readonly modules: Readonly<Record<string, ModuleProgress>>;
  readonly error: string | null;
  readonly errorCode: string | null;
}

export interface InstanceStatus {
  readonly instance: string;
  readonly outbox: OutboxCounts & { readonly oldestPendingAgeMs: number | null };
  readonly cursors: readonly EntityState[];
  readonly migrations: readonly AppliedMigration[];
  readonly lastRun: RunRecord | null;
  readonly lastSuccessAt: string | null;
  readonly openConflicts: number;
  /** Pulled changes not applied because their data named another row than their key. */
  readonly refused: RefusedChanges;
  /** Table shape changes the agent noticed and followed (newest last). */
  readonly schemaChanges: readonly SchemaChange[];
  /** Entities stopped by a schema change the agent cannot follow, with why. */
  readonly stopped: readonly { readonly entity: string; readonly reason: string }[];
}

/** One instance's sync: its database, its hub, its runs. Open with `SyncEngine.open`. */
export class SyncEngine {
  readonly outbox: OutboxStore;
  readonly state: StateStore;
  readonly runs: RunStore;
  readonly conflicts: ConflictStore;
  private ctx!: EngineContext;
  private readonly columns = new Map<string, readonly string[]>();
  private readonly stopped = new Map<string, string>();
  private readonly compared = new Set<string>();
  private lockWaitSeconds: number | undefined;
  private selfOrigin: string | null = null;
  private identity: HubStatus | null = null;
  private currentApiKey: string | null = null;

  private constructor(
    readonly config: InstanceConfig,
    readonly db: DbAdapter,
    readonly tables: AgentTables,
    private readonly logger: Logger,
    private readonly tuning: { pushBatchSize: number; pullPageSize: number; maxBackoffMs: number },
  ) {
    this.outbox = new OutboxStore(db, tables);
    this.state = new StateStore(db, tables);
    this.runs = new RunStore(db, tables);
    this.conflicts = new ConflictStore(db, tables);
  }

  /**
   * Opens the instance's database. `schema: 'prepare'` (the default, for commands that sync) gets
   * it ready: agent tables migrated, replica tables created when missing, capture triggers
   * installed where missing or outdated, interrupted runs marked FAILED. `schema: 'check'` (for
   * commands that only read or edit the agent's own rows) changes no schema at all and refuses a
   * database this version has not prepared.
   */
  static async open(
    config: InstanceConfig,
    opts: {
      logger: Logger;
      pushBatchSize?: number;
      pullPageSize?: number;
      maxBackoffSeconds?: number;
      db?: DbAdapter;
      schema?: 'prepare' | 'check';
      /** MySQL/MariaDB: how long capture DDL may wait behind a transaction holding the table. */
      lockWaitSeconds?: number;
    },
  ): Promise<SyncEngine> {
    const db = opts.db ?? (await openDatabase(config.database, { mustExist: opts.schema === 'check' }));
    const logger = opts.logger.child({ instance: config.name });
    const engine = new SyncEngine(config, db, agentTables(config.tablePrefix), logger, {
      pushBatchSize: opts.pushBatchSize ?? 1000,
      pullPageSize: opts.pullPageSize ?? 2000,
      maxBackoffMs: (opts.maxBackoffSeconds ?? 300) * 1000,
    });
    try {
      await engine.prepare(opts.schema ?? 'prepare', opts.lockWaitSeconds);
    } catch (error) {
      await db.close();
      throw error;
    }
    return engine;
  }

  private async prepare(schema: 'prepare' | 'check', lockWaitSeconds: number | undefined): Promise<void> {
    const { db, tables, config } = this;
    const migrations = db.dialect.name === 'mysql' ? mysqlAgentMigrations(tables) : agentMigrations(tables);
    if (schema === 'check') {
      await this.checkMigrated([...migrations, ...config.migrations].map((m) => m.id));
    } else {
      const applied = await runMigrations(db, tables.migrations, migrations);
      if (applied.length > 0) this.logger.info({ applied }, 'agent tables migrated');
      const created = await ensureTablesExist(db, config.entities);
      if (created.length > 0) this.logger.info({ tables: created }, 'replica tables created');
      // Replica migrations change the shop's tables, so they run once those exist.
      const replica = await runMigrations(db, tables.migrations, config.migrations);
      if (replica.length > 0) this.logger.info({ applied: replica }, 'replica migrations applied');
    }
    this.lockWaitSeconds = lockWaitSeconds;
    const { columns } = this;
    const dateColumns = new Map<string, ReadonlySet<string>>();
    for (const entity of config.entities) {
      const cols = await db.columns(entity.table);
      // A table or key column that was there before went in a schema change: that entity stops
      // (followSchema says why), the others sync. Never seen at all, it is a mistake in the config.
      const seen = (await this.state.getMeta(knownName(entity.name)).catch(() => null)) !== null;
      if (cols.length === 0) {
        if (seen) continue;
        throw new SyncError('config', `table "${entity.table}" of entity "${entity.name}" does not exist (add "create" to create it)`);
      }
      for (const k of entity.key) {
        if (!cols.includes(k) && !seen) throw new SyncError('config', `table "${entity.table}" has no key column "${k}" (entity "${entity.name}")`);
      }
      if (entity.key.some((k) => !cols.includes(k))) continue;
      if (entity.direction !== 'pull') await this.refuseBinaryKeys(entity);
      for (const [column, rule] of Object.entries(entity.fill)) {
        if (!cols.includes(column)) throw new SyncError('config', `table "${entity.table}" has no column "${column}" to fill (entity "${entity.name}")`);
        if (rule.dateColumn && !cols.includes(rule.dateColumn)) {
          throw new SyncError('config', `table "${entity.table}" has no date column "${rule.dateColumn}" (fill.${column}.dateColumn of entity "${entity.name}")`);
        }
      }
      if (entity.softDelete && !cols.includes(entity.softDelete)) {
        throw new SyncError('config', `table "${entity.table}" has no soft-delete column "${entity.softDelete}"`);
      }
      columns.set(entity.name, cols);
      if (db.dateColumns) dateColumns.set(entity.name, await db.dateColumns(entity.table));
    }
    if (schema === 'prepare') {
      await followSchema(this.followContext());
      for (const entity of config.entities) if (!this.stopped.has(entity.name)) await this.prepareCapture(entity, lockWaitSeconds);
      for (const [name, rows] of await resumeBaselines(db, tables, this.state, config.entities)) {
        this.logger.info({ entity: name, rows }, 'interrupted baseline finished');
      }
      const interrupted = await this.runs.failInterrupted();
      if (interrupted > 0) this.logger.warn({ runs: interrupted }, 'runs interrupted by a stop were marked FAILED');
    }
    const source = {
      value:
        schema === 'check'
          ? ((await this.state.getMeta('outbox_source')) ?? '')
          : await this.state.meta('outbox_source', () => randomBytes(12).toString('base64url')),
    };
    this.ctx = {
      db,
      t: tables,
      outbox: this.outbox,
      state: this.state,
      conflicts: this.conflicts,
      client: this.makeClient(config.hub.apiKey),
      logger: this.logger,
      entities: new Map(config.entities.map((e) => [e.name, e])),
      columns,
      stopped: this.stopped,
      dateColumns,
      source,
      ...this.tuning,
    };
  }

  private followContext() {
    const { db, tables: t, state, logger, columns, stopped, compared, lockWaitSeconds } = this;
    return { db, t, state, logger, columns, stopped, compared, lockWaitSeconds, entities: this.config.entities };
  }

  /**
   * MySQL/MariaDB: a binary key (BINARY(16) UUIDs, BIT) cannot be recorded as text by a trigger
   * without failing the POS's write, so capture is refused before it is installed.
   */
  private async refuseBinaryKeys(entity: EntityConfig): Promise<void> {
    if (this.db.dialect.name !== 'mysql') return;
    const rows = await this.db.all<{ name: string; type: string }>(
      `SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
       AND DATA_TYPE IN ('binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit', 'geometry', 'point')`,
      [entity.table],
    );
    const binary = rows.filter((r) => entity.key.includes(r.name));
    if (binary.length > 0) {
      throw new SyncError(
        'config',
        `key column "${binary[0]!.name}" of table "${entity.table}" is ${binary[0]!.type.toUpperCase()}: Dovetail cannot capture a table keyed by ` +
          'binary values yet (entity "' + entity.name + '"); nothing was installed on it',
      );
    }
  }

  /**
   * Installs or updates an entity's capture when needed; an outdated one that cannot be replaced
   * yet keeps working. A table that had no capture at all gets every row it holds queued with it
   * (a shop adopting Dovetail, an entity added later, capture removed by hand): those rows exist
   * nowhere else.
   */
  private async prepareCapture(entity: EntityConfig, lockWaitSeconds: number | undefined): Promise<void> {
    const { db, tables } = this;
    if (entity.direction === 'pull') {
      if (await removeCapture(db, tables, entity, { lockWaitSeconds })) this.logger.info({ table: entity.table }, 'capture triggers removed');
      return;
    }
    try {
      if ((await inspectCapture(db, tables, entity)).state === 'missing') {
        const queued = await captureWithBaseline(this.followContext(), entity);
        this.logger.info({ table: entity.table, rows: queued }, 'capture triggers installed; rows already in the table queued for the hub');
      } else if (await ensureCapture(db, tables, entity, { lockWaitSeconds })) {
        this.logger.info({ table: entity.table }, 'capture triggers installed');
      }
    } catch (error) {
      // Every event is still captured by the older triggers: sync now, update them next time.
      if ((await inspectCapture(db, tables, entity)).state !== 'outdated') throw error;
      this.logger.warn({ table: entity.table, error: describeError(error) }, 'capture triggers left as they were (still capturing)');
    }
  }

  /** Refuses a database whose agent tables or replica migrations this version has not applied. */
  private async checkMigrated(ids: readonly string[]): Promise<void> {
    const where = this.config.database.type === 'sqlite' ? this.config.database.path : `database ${this.config.database.database}`;
    if ((await this.db.columns(this.tables.migrations)).length === 0) {
      throw new SyncError('config', `${where} has not been set up by Dovetail yet: run \`dovetail sync\` (or start the agent) first`);
    }
    const done = new Set((await listMigrations(this.db, this.tables.migrations)).map((m) => m.id));
    const pending = ids.filter((id) => !done.has(id));
    if (pending.length > 0) {
      throw new SyncError('config', `${where} needs migrations ${pending.join(', ')}: run \`dovetail sync\` (or start the agent) to apply them`);
    }
  }

  /** Capture state of every pushed entity's table (read only). */
  async captureHealth(): Promise<CaptureHealth[]> {
    const out: CaptureHealth[] = [];
    for (const entity of this.config.entities) {
      if (entity.direction === 'pull') continue;
      out.push(await inspectCapture(this.db, this.tables, entity));
    }
    return out;
  }

  private makeClient(apiKey: string): HubClient {
    return new HubClient({
      url: this.config.hub.url,
      apiKey,
      timeoutMs: this.config.hub.timeoutMs,
      onRetry: (attempt, error) => this.logger.debug({ attempt, error: describeError(error) }, 'retrying hub request'),
    });
  }

  /** The API key in use. */
  get apiKey(): string {
    return this.currentApiKey ?? this.config.hub.apiKey;
  }

  /** Uses a new API key from now on (e.g. after an auth error was fixed). */
  setApiKey(apiKey: string): void {
    this.currentApiKey = apiKey;
    this.ctx = { ...this.ctx, client: this.makeClient(apiKey) };
    this.selfOrigin = null;
  }

  /**
   * A value that changes when the shape of a configured table changes: cheap enough to poll
   * every few seconds (SQLite's schema version; one catalog read on MySQL/MariaDB).
   */
  async schemaFingerprint(): Promise<string> {
    if (this.db.dialect.name === 'sqlite') {
      const [row] = await this.db.all<{ schema_version: number }>('PRAGMA schema_version');
      return String(row?.schema_version ?? '');
    }
    const tables = [...new Set(this.config.entities.map((e) => e.table))];
    const [row] = await this.db.all<{ shape: string | null }>(
      `SELECT GROUP_CONCAT(TABLE_NAME, '.', COLUMN_NAME ORDER BY TABLE_NAME, ORDINAL_POSITION) AS shape FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${tables.map(() => '?').join(', ')})`,
      tables,
    );
    return row?.shape ?? '';
  }

  /** What push and pull work with (for tools and tests that drive one step by hand). */
  get context(): EngineContext {
    return this.ctx;
  }

  get client(): HubClient {
    return this.ctx.client;
  }

  /** Selects entities by name, refusing unknown ones by name. */
  selectEntities(only?: readonly string[], skip?: readonly string[]): EntityConfig[] {
    const known = new Set(this.config.entities.map((e) => e.name));
    for (const name of [...(only ?? []), ...(skip ?? [])]) {
      if (!known.has(name)) {
        throw new SyncError('config', `unknown entity "${name}" (instance ${this.config.name} has: ${[...known].join(', ')})`);
      }
    }
    return this.config.entities.filter((e) => (!only || only.includes(e.name)) && !skip?.includes(e.name));
  }

  /**
   * One sync run: push the outbox, then pull each selected entity in config order. A module that
   * fails is recorded and the others still run; cancel is honoured between batches.
   */
  async sync(opts: SyncOptions = {}): Promise<SyncSummary> {
    const direction = opts.direction ?? 'both';
    const entities = this.selectEntities(opts.only, opts.skip);
    // The POS may have changed a table since the last run: followed before anything is read.
    let schemaError: unknown = null;
    const followed = await followSchema(this.followContext()).catch((error: unknown) => {
      schemaError = error;
      return null;
    });
    const stopped = entities.filter((e) => this.stopped.has(e.name));
    const pulled = direction === 'push' ? [] : entities.filter((e) => e.direction !== 'push' && !this.stopped.has(e.name));
    const modules = [
      ...(stopped.length > 0 || schemaError ? ['schema'] : []),
      ...(direction === 'pull' ? [] : ['push']),
      ...pulled.map((e) => `pull:${e.name}`),
    ];
    const mode: RunMode = opts.full ? 'full' : 'incremental';
    const runId = await this.runs.start(opts.trigger ?? 'manual', mode, modules);
    const progress: Record<string, ModuleProgress> = Object.fromEntries(
      modules.map((m) => [m, { status: 'pending', processed: 0, errors: 0 }]),
    );
    const signal = opts.signal ?? new AbortController().signal;
    const emit = () => opts.onProgress?.({ ...progress }, runId);
    const stats = { pushed: 0, pulled: 0, conflicts: 0, failed: 0, errors: 0 };
    // What the run has done so far, also when a module stops half-way: pulled rows are counted per page.
    const soFar = (): RunStats => ({
      ...stats,
      pulled: Object.entries(progress).reduce((n, [m, p]) => (m.startsWith('pull:') ? n + p.processed : n), 0),
      pushed: progress.push && progress.push.status !== 'done' ? Math.max(stats.pushed, progress.push.processed) : stats.pushed,
    });
    let savedAt = 0;
    let saving = Promise.resolve();
    // Progress is saved as it is made (at most every 250 ms, and at each module's end), so a run
    // cut short by a kill or a power cut keeps what it did.
    const save = (now: boolean) => {
      if (!now && Date.now() - savedAt < 250) return;
      savedAt = Date.now();
      const snapshot = { ...progress };
      const counts = soFar();
      saving = saving
        .then(() => this.runs.progress(runId, snapshot, counts))
        .catch((error: unknown) => this.logger.warn({ error: describeError(error) }, 'run progress not saved'));
    };
    const set = (module: string, value: Partial<ModuleProgress>) => {
      progress[module] = { ...progress[module]!, ...value };
      emit();
      save(value.status !== undefined);
    };
    let firstError: SyncError | null = null;
    const fail = async (module: string, error: unknown) => {
      const syncError = error instanceof SyncError ? error : new SyncError('database', describeError(error), { cause: error });
      firstError ??= syncError;
      stats.errors++;
      set(module, { status: syncError.code === 'canceled' ? 'canceled' : 'failed', errors: progress[module]!.errors + 1, message: describeError(syncError) });
      // The failure is already in the run's progress; a log line lost with the database
      // connection (a MariaDB restart) must not turn a failed run into a crashed one.
      await this.runs
        .log(runId, 'error', module, describeError(syncError))
        .catch((logError: unknown) => this.logger.warn({ error: describeError(logError) }, 'run log line not saved'));
      this.logger.debug({ module, error: describeError(syncError) }, 'sync module failed');
      return syncError;
    };
    const reporter = (module: string): ModuleReporter => ({
      signal,
      progress: (processed) => set(module, { processed }),
      log: (level, message, data) => this.runs.log(runId, level, module, message, data),
    });

    if (opts.full && pulled.length > 0) {
      await this.state.reset(pulled.map((e) => e.name));
      await this.runs.log(runId, 'info', 'run', `full resync: cursors reset for ${pulled.map((e) => e.name).join(', ')}`);
    }
    for (const change of followed?.changes ?? []) await this.runs.log(runId, 'warn', 'schema', describeSchemaChange(change));
    if (schemaError || stopped.length > 0) {
      const message = schemaError ? describeError(schemaError) : stopped.map((e) => this.stopped.get(e.name)).join('; ');
      await fail('schema', new SyncError('schema', message, { cause: schemaError ?? undefined }));
    }
    let abortAll = false;
    try {
      await this.identify();
    } catch (error) {
      const work = modules.filter((m) => m !== 'schema');
      const e = await fail(work[0] ?? 'run', error);
      abortAll = true;
      for (const m of work.slice(1)) set(m, { status: 'skipped', message: describeError(e) });
    }
    if (!abortAll && modules.includes('push')) {
      set('push', { status: 'running' });
      try {
        const out = await pushOutbox(this.ctx, reporter('push'), { force: opts.force ?? false });
        stats.pushed += out.pushed;
        stats.conflicts += out.conflicts;
        stats.failed += out.failed;
        set('push', { status: 'done', processed: out.pushed + out.conflicts + out.failed, errors: out.failed });
        await this.runs.log(runId, 'info', 'push', `${out.pushed} pushed, ${out.conflicts} conflicts, ${out.failed} rejected`);
      } catch (error) {
        const e = await fail('push', error);
        abortAll = ['auth', 'forbidden', 'protocol', 'canceled'].includes(e.code);
      }
    }
    for (const entity of pulled) {
      const module = `pull:${entity.name}`;
      if (abortAll) {
        set(module, { status: signal.aborted ? 'canceled' : 'skipped' });
        continue;
      }
      set(module, { status: 'running' });
      try {
        const out = await pullEntity(this.ctx, entity, this.selfOrigin!, reporter(module), { full: opts.full });
        stats.pulled += out.applied;
        set(module, { status: 'done', processed: out.applied });
        await this.runs.log(runId, 'info', module, `${out.applied} ${entity.name} synced`, {
          cursor: out.cursor,
          heldForPush: out.heldForPush,
          filled: out.filled,
        });
      } catch (error) {
        const e = await fail(module, error);
        abortAll = ['auth', 'forbidden', 'protocol', 'canceled'].includes(e.code);
      }
    }
    const failedError = firstError as SyncError | null;
    const status: RunStatus = signal.aborted ? 'CANCELED' : failedError ? 'FAILED' : 'DONE';
    const why = signal.aborted
      ? `canceled${typeof signal.reason === 'string' ? ` by ${signal.reason}` : ''}: the work done so far is kept`
      : failedError
        ? describeError(failedError)
        : null;
    await saving;
    const finalStats = soFar();
    const outcome = { status, progress, stats: finalStats, error: why ?? undefined };
    // A connection dropped by the server fails one statement; the pool dials again for the retry.
    await this.runs.finish(runId, outcome).catch(() => this.runs.finish(runId, outcome));
    return {
      runId,
      status,
      stats: finalStats,
      modules: progress,
      error: why,
      errorCode: failedError?.code ?? null,
    };
  }

  /**
   * Learns this node's name from the hub (its own changes come back tagged with it) and declares
   * the key columns of its entities (an older hub without `PUT /v1/entities` is fine).
   */
  private async identify(): Promise<void> {
    if (this.selfOrigin) return;
    const status = await this.ctx.client.status();
    this.identity = status;
    // The hub checks that data agrees with keys only for entities it was told the key columns of.
    await this.ctx.client.declareEntities(this.config.entities.map((e) => ({ entity: e.name, key: [...e.key] })));
    this.selfOrigin = `node:${status.node}`;
  }

  /** The hub's answer to this engine's first `/v1/status` (rows per entity), once a run has asked. */
  get hubStatus(): HubStatus | null {
    return this.identity;
  }

  /** seed 001's getSyncStatus: outbox counts, cursors, migrations, last run. */
  async status(now = Date.now()): Promise<InstanceStatus> {
    const counts = await this.outbox.counts();
    const [lastRun] = await this.runs.list(1);
    const [lastOk] = await this.db.all<{ finished_at: string | null }>(
      `SELECT finished_at FROM ${this.tables.runs} WHERE status = 'DONE' ORDER BY id DESC LIMIT 1`,
    );
    return {
      instance: this.config.name,
      outbox: { ...counts, oldestPendingAgeMs: counts.oldestPendingAt ? Math.max(0, now - Date.parse(counts.oldestPendingAt)) : null },
      cursors: await this.state.all(),
      migrations: await listMigrations(this.db, this.tables.migrations),
      lastRun: lastRun ?? null,
      lastSuccessAt: lastOk?.finished_at ?? null,
      openConflicts: await this.conflicts.countOpen(),
      refused: await this.state.refused(),
      schemaChanges: await schemaChanges(this.state),
      stopped: [...this.stopped].map(([entity, reason]) => ({ entity, reason })),
    };
  }

  /**
   * Removes the capture triggers of one pushed entity or `all` (before a POS upgrade that renames
   * or drops a key column). The next `sync` or `run` reinstalls them and queues every row of the
   * table again. Returns the entities whose triggers were removed.
   */
  async removeCapture(target: string): Promise<string[]> {
    const entities = (target === 'all' ? this.config.entities : this.selectEntities([target])).filter((e) => e.direction !== 'pull');
    const removed: string[] = [];
    for (const entity of entities) if (await removeCapture(this.db, this.tables, entity, { lockWaitSeconds: this.lockWaitSeconds })) removed.push(entity.name);
    return removed;
  }

  /** Resets pull cursors of one entity or `all` (seed 001's resetSyncState). Local data is kept. */
  async reset(entity: string): Promise<string[]> {
    const names = entity === 'all' ? this.config.entities.map((e) => e.name) : this.selectEntities([entity]).map((e) => e.name);
    await this.state.reset(names);
    return names;
  }

  /** A conflict with base / local / remote per field (local = the shop's row as it is now). */
  viewConflict(id: number): Promise<ConflictView | null> {
    return viewConflict(this.ctx, id);
  }

  /** Resolves an open conflict; the result is written locally and pushed on the next sync. */
  resolveConflict(id: number, resolution: Resolution): Promise<ResolveOutcome> {
    return resolveConflict(this.ctx, id, resolution);
  }

  /** Resolves every open conflict of an entity by keeping one side. */
  async resolveAllConflicts(entity: string, keep: 'local' | 'remote'): Promise<number> {
    this.selectEntities([entity]);
    return resolveAll(this.ctx, entity, keep);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
