import { createHash } from 'node:crypto';
import type { PushChange, PushResult, RowData } from '../protocol/index.js';
import type { WriteOutcome, WriteRow } from './hub-store.js';

/** A row as both hub stores keep it. */
export interface StoredRow {
  readonly data: string | null;
  readonly version: number;
  readonly deleted: number;
  readonly updated_at: string;
  /** Who wrote this version: `node:<name>` or `admin:<name>`. */
  readonly origin: string;
  /** The outbox source and seq of the pushed change that wrote it; null for admin writes (and rows written before they were kept). */
  readonly writer_source: string | null;
  readonly writer_seq: number | null;
}

export type WritePlan =
  | { readonly kind: 'answer'; readonly outcome: WriteOutcome }
  | { readonly kind: 'write'; readonly data: string | null; readonly deleted: boolean };

/**
 * Decides one write against the current row, the same for every store: a delete of a row already
 * gone is applied as is; a base that does not match is a conflict carrying the current row,
 * unless the current version is this node's own earlier change (see `ownEarlierWrite`); a
 * node's upsert merges onto the current fields (it owns only its columns), an admin's replaces.
 */
export function planWrite(current: StoredRow | undefined, row: WriteRow): WritePlan {
  if (row.op === 'delete' && (!current || current.deleted)) {
    return { kind: 'answer', outcome: { status: 'applied', version: current?.version ?? 0 } };
  }
  if (row.baseVersion !== undefined && current) {
    // A row the node never saw (base null) may be created only if it does not exist live.
    const matches = row.baseVersion === null ? current.deleted === 1 : current.version === row.baseVersion;
    if (!matches && !ownEarlierWrite(current, row)) {
      return {
        kind: 'answer',
        outcome: {
          status: 'conflict',
          remote: {
            data: current.deleted ? null : (JSON.parse(current.data ?? 'null') as RowData | null),
            version: current.version,
            deleted: current.deleted === 1,
            updatedAt: current.updated_at,
          },
        },
      };
    }
  }
  if (row.op === 'delete') return { kind: 'write', data: null, deleted: true };
  const merged = row.merge && current && !current.deleted && current.data ? { ...(JSON.parse(current.data) as RowData), ...row.data } : (row.data ?? {});
  return { kind: 'write', data: JSON.stringify(merged), deleted: false };
}

/**
 * True when the current version was written by an earlier change (lower seq) of the same node and
 * outbox source as `row`. The node made `row` on top of that change, locally, but never learnt
 * the version it got (it stopped before settling the answer), so its base is older: that is its
 * own history, not a remote edit. Seqs only grow within a source, so a lower seq is earlier.
 */
export function ownEarlierWrite(current: StoredRow, row: WriteRow): boolean {
  const writer = row.writer;
  return (
    writer !== undefined &&
    current.origin === writer.origin &&
    current.writer_source === writer.source &&
    current.writer_seq !== null &&
    current.writer_seq < writer.seq
  );
}

/** What a change says, so a replay can be told from a different change reusing its seq. */
function fingerprint(change: PushChange): string {
  return createHash('sha256').update(JSON.stringify([change.entity, change.key, change.op, change.data])).digest('base64url').slice(0, 22);
}

/** The receipt stored for an applied change: its answer and the change's fingerprint. */
export function receiptText(result: PushResult, change: PushChange): string {
  return JSON.stringify({ result, fp: fingerprint(change) });
}

/**
 * The answer to a seq seen before: the stored one for a true replay; `seq_reused` when the same
 * seq now carries a different change (a node restored from an old backup reuses seqs): applying it
 * would be wrong and answering "applied" would lose it, so the node must take a new source id.
 */
export function replayAnswer(stored: string, change: PushChange): PushResult {
  const receipt = JSON.parse(stored) as { result?: PushResult; fp?: string } & PushResult;
  if (!receipt.result) return receipt;
  if (receipt.fp === fingerprint(change)) return receipt.result;
  return {
    seq: change.seq,
    status: 'rejected',
    error: { code: 'seq_reused', message: `seq ${change.seq} of this source was already used for another change: use a new source id` },
  };
}
