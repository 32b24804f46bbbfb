import type { RowData } from '../protocol/index.js';

/** How a conflicting field (changed on both sides to different values) is decided. */
export type ConflictStrategy = 'remote-wins' | 'local-wins' | 'newest-wins' | 'field-priority' | 'manual';

export interface ConflictPolicy {
  readonly strategy: ConflictStrategy;
  /** field-priority: fields the shop owns, and fields the hub owns. */
  readonly localFields?: readonly string[];
  readonly remoteFields?: readonly string[];
  /** field-priority: how the other fields are decided. */
  readonly fallback?: Exclude<ConflictStrategy, 'field-priority'>;
}

export interface FieldDiff {
  readonly field: string;
  readonly base: unknown;
  readonly local: unknown;
  readonly remote: unknown;
  readonly localChanged: boolean;
  readonly remoteChanged: boolean;
  /** Changed on both sides to different values. */
  readonly conflicting: boolean;
}

export interface MergeInput {
  /** The row as last synced; null when the shop never had it (insert/insert). */
  readonly base: RowData | null;
  /** null = deleted locally. */
  readonly local: RowData | null;
  /** null = deleted on the hub. */
  readonly remote: RowData | null;
  /** When each side changed (ISO), for newest-wins. */
  readonly localAt?: string | null;
  readonly remoteAt?: string | null;
}

export type Side = 'local' | 'remote';

export type MergeResult =
  | {
      readonly outcome: 'merged';
      /** The row both sides should hold; null = deleted. */
      readonly row: RowData | null;
      readonly fields: readonly FieldDiff[];
      /** Who won each conflicting field (or the whole row for delete conflicts). */
      readonly decisions: Readonly<Record<string, Side>>;
    }
  | { readonly outcome: 'manual'; readonly fields: readonly FieldDiff[] };

/** Field equality as both stores see it: true ≡ 1, objects by their JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v);
  const x = norm(a);
  const y = norm(b);
  if (x === y) return true;
  if (typeof x === 'object' && typeof y === 'object' && x !== null && y !== null) return JSON.stringify(x) === JSON.stringify(y);
  return false;
}

/**
 * Field-by-field three-way comparison. A field the local table does not have is not compared
 * (the hub's value is kept); a field missing from the base counts as changed by whoever has it.
 */
export function diffFields(base: RowData | null, local: RowData, remote: RowData): FieldDiff[] {
  const names = new Set([...Object.keys(local), ...Object.keys(remote)]);
  const out: FieldDiff[] = [];
  for (const field of names) {
    if (!(field in local)) continue;
    const b = base?.[field];
    const localChanged = base === null ? true : !sameValue(local[field], b);
    const remoteChanged = base === null ? field in remote : field in remote && !sameValue(remote[field], b);
    out.push({
      field,
      base: b ?? null,
      local: local[field] ?? null,
      remote: remote[field] ?? null,
      localChanged,
      remoteChanged,
      conflicting: localChanged && remoteChanged && !sameValue(local[field], remote[field]),
    });
  }
  return out;
}

function decide(policy: ConflictPolicy, field: string | null, input: MergeInput): Side | 'manual' {
  let strategy: ConflictStrategy = policy.strategy;
  if (strategy === 'field-priority') {
    if (field !== null && policy.localFields?.includes(field)) return 'local';
    if (field !== null && policy.remoteFields?.includes(field)) return 'remote';
    strategy = policy.fallback ?? 'remote-wins';
  }
  switch (strategy) {
    case 'local-wins':
      return 'local';
    case 'newest-wins':
      // Clocks of shop and hub differ: a tie or a missing time goes to the hub.
      return input.localAt && input.remoteAt && input.localAt > input.remoteAt ? 'local' : 'remote';
    case 'manual':
      return 'manual';
    default:
      return 'remote';
  }
}

/**
 * Three-way merge of a row changed on both sides: fields changed on one side only merge by
 * themselves; fields changed on both sides to different values are decided by the policy.
 * Delete against update is decided for the whole row.
 */
export function mergeRow(policy: ConflictPolicy, input: MergeInput): MergeResult {
  const { base, local, remote } = input;
  if (local === null && remote === null) return { outcome: 'merged', row: null, fields: [], decisions: {} };
  if (local === null || remote === null) {
    const survivor = (local ?? remote)!;
    const fields = diffFields(base, survivor, survivor).map((f) => ({ ...f, conflicting: false }));
    // A delete against an untouched row is no conflict: the delete stands.
    // A field the base lacks counts as an edit unless it is empty.
    const untouched =
      base !== null && Object.keys(survivor).every((k) => (k in base ? sameValue(survivor[k], base[k]) : survivor[k] === null || survivor[k] === undefined));
    if (untouched) return { outcome: 'merged', row: null, fields, decisions: {} };
    const side = decide(policy, null, input);
    if (side === 'manual') return { outcome: 'manual', fields };
    const row = side === 'local' ? local : remote;
    return { outcome: 'merged', row, fields, decisions: { '*': side } };
  }
  const fields = diffFields(base, local, remote);
  const row: Record<string, unknown> = { ...remote };
  const decisions: Record<string, Side> = {};
  for (const f of fields) {
    if (!f.conflicting) {
      row[f.field] = f.localChanged && !f.remoteChanged ? local[f.field] : f.remoteChanged ? remote[f.field] : local[f.field];
      continue;
    }
    const side = decide(policy, f.field, input);
    if (side === 'manual') return { outcome: 'manual', fields };
    decisions[f.field] = side;
    row[f.field] = side === 'local' ? local[f.field] : remote[f.field];
  }
  return { outcome: 'merged', row, fields, decisions };
}
