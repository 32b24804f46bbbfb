import type { Logger } from 'pino';
import type { AgentTables } from './agent-tables.js';
import type { EntityConfig } from './config.js';
import type { ConflictStore } from './conflict-store.js';
import type { HubClient } from './hub-client.js';
import type { OutboxStore } from './outbox-store.js';
import type { StateStore } from './state-store.js';
import type { DbAdapter } from './store/db-adapter.js';

/** What push and pull share for one instance; built once by the engine. */
export interface EngineContext {
  readonly db: DbAdapter;
  readonly t: AgentTables;
  readonly outbox: OutboxStore;
  readonly state: StateStore;
  readonly conflicts: ConflictStore;
  readonly client: HubClient;
  readonly logger: Logger;
  readonly entities: ReadonlyMap<string, EntityConfig>;
  /** Local column names per entity, as the table is now (followed when the POS changes it). */
  readonly columns: ReadonlyMap<string, readonly string[]>;
  /** Entities stopped by a schema change the agent cannot follow (a key column gone), with why. */
  readonly stopped: ReadonlyMap<string, string>;
  /** Date-typed local columns per entity (MySQL), converted from ISO text on apply. */
  readonly dateColumns: ReadonlyMap<string, ReadonlySet<string>>;
  /** Random id of this database's outbox: seqs are unique within it. Replaced when the hub says a seq was reused. */
  readonly source: { value: string };
  readonly pushBatchSize: number;
  readonly pullPageSize: number;
  readonly maxBackoffMs: number;
}

/** Reports progress of a module (push, pull:<entity>) and lets a run be canceled between batches. */
export interface ModuleReporter {
  progress(processed: number): void;
  /** A line in the run's log, under this module. */
  log(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): Promise<void>;
  readonly signal: AbortSignal;
}
