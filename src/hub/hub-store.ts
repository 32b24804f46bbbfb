import type { AdminRow, EntityDeclaration, PushChange, PushResult, RowData } from '../protocol/index.js';

/** An authenticated caller: a node (one shop agent) or an admin (a backend service). */
export interface Principal {
  readonly keyId: string;
  readonly role: 'node' | 'admin';
  /** The scope (shop/tenant) the key belongs to; `*` for an admin of every scope. */
  readonly scope: string;
  /** Node or service name given when the key was created. */
  readonly name: string;
}

export interface KeyRecord extends Principal {
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export type KeyLookup =
  | { readonly status: 'ok'; readonly principal: Principal }
  | { readonly status: 'unknown' | 'revoked' };

/** A pulled change with its data still as stored JSON text, so pages are served without re-encoding. */
export interface RawPulledChange {
  readonly cursor: number;
  readonly key: string;
  readonly op: 'upsert' | 'delete';
  readonly dataJson: string | null;
  readonly version: number;
  readonly origin: string;
}

/** One committed change, as announced to listeners after the transaction. */
export interface CommittedChange {
  readonly scope: string;
  readonly entity: string;
  readonly cursor: number;
}

export interface WriteRow {
  readonly entity: string;
  readonly key: string;
  readonly op: 'upsert' | 'delete';
  readonly data: RowData | null;
  /** undefined = no optimistic check (admin last-writer-wins). */
  readonly baseVersion?: number | null;
  /** Upsert onto the current row's fields instead of replacing them (node pushes: a shop owns only its columns). */
  readonly merge?: boolean;
  /**
   * The pushed change this write is (node pushes only; admin writes have none): stored with the
   * row as its writer, so the same node's later change is not taken for a conflict with it.
   */
  readonly writer?: { readonly origin: string; readonly source: string; readonly seq: number };
}

export type WriteOutcome =
  | { readonly status: 'applied'; readonly version: number }
  | {
      readonly status: 'conflict';
      readonly remote: { data: RowData | null; version: number; deleted: boolean; updatedAt: string };
    };

/**
 * The hub's storage. Every write runs in one transaction that advances the scope's gapless
 * cursor, so a reader that has seen cursor N never later finds a change below N.
 */
export interface HubStore {
  createKey(input: { role: 'node' | 'admin'; scope: string; name: string }): Promise<{ key: string; record: KeyRecord }>;
  listKeys(): Promise<KeyRecord[]>;
  revokeKey(keyId: string): Promise<boolean>;
  lookupKey(apiKey: string): Promise<KeyLookup>;
  /** False once a key is revoked (or unknown). */
  isKeyActive(keyId: string): Promise<boolean>;

  /** Applies a node's batch idempotently: a (node, source, seq) seen before gets its stored result. */
  push(
    principal: Principal,
    source: string,
    changes: readonly PushChange[],
    validate: (change: PushChange) => { code: string; message: string } | null,
  ): Promise<{ results: PushResult[]; committed: CommittedChange[] }>;
  /** One page of an entity's changes after `since`, in cursor order; row data stays JSON text. */
  pull(scope: string, entity: string, since: number, limit: number): Promise<{ changes: RawPulledChange[]; hasMore: boolean }>;
  status(scope: string): Promise<{ head: number; entities: { entity: string; rows: number; head: number }[] }>;

  /**
   * Stores the key columns a node declared for entities of its scope (the latest declaration of an
   * entity wins), so pushes and admin writes whose data names another row can be refused.
   */
  declareEntities(scope: string, node: string, entities: readonly EntityDeclaration[]): Promise<void>;
  /** The declared key columns per entity of a scope; an entity nobody declared is absent. */
  entityKeys(scope: string): Promise<ReadonlyMap<string, readonly string[]>>;

  adminWrite(
    scope: string,
    origin: string,
    row: WriteRow,
  ): Promise<{ outcome: WriteOutcome; committed: CommittedChange[] }>;
  adminGet(scope: string, entity: string, key: string): Promise<AdminRow | null>;
  adminList(scope: string, entity: string, opts: { since: number; limit: number; includeDeleted: boolean }): Promise<AdminRow[]>;

  close(): Promise<void>;
}
