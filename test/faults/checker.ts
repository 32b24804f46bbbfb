import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import type { LocalStore } from '../helpers/local-store.js';

/** What the POS simulator saw committed, from its `ok …` / `fail …` lines. */
export interface Journal {
  /** Every committed change in commit order. */
  readonly changes: readonly { readonly op: 'insert' | 'update'; readonly id: string; readonly price: number }[];
  /** Row id → price of its last committed change. */
  readonly final: ReadonlyMap<string, number>;
  /** Ids whose write failed (never committed). */
  readonly failed: ReadonlySet<string>;
}

export function parseJournal(lines: readonly string[]): Journal {
  const changes: { op: 'insert' | 'update'; id: string; price: number }[] = [];
  const final = new Map<string, number>();
  const failed = new Set<string>();
  for (const line of lines) {
    const ok = /^ok (insert|update) (\S+) (\d+)$/.exec(line);
    if (ok) {
      changes.push({ op: ok[1] as 'insert' | 'update', id: ok[2]!, price: Number(ok[3]) });
      final.set(ok[2]!, Number(ok[3]));
      continue;
    }
    const fail = /^fail (\S+) /.exec(line);
    if (fail && !final.has(fail[1]!)) failed.add(fail[1]!);
  }
  return { changes, final, failed };
}

/** The hub's side of one scope: rows of an entity, the scope's counter, the receipts stored. */
export interface HubView {
  readonly rows: ReadonlyMap<string, Record<string, unknown> | null>;
  readonly head: number;
  readonly receipts: number;
  readonly integrity: string;
}

/** Reads a SQLite hub file directly (the hub may be a killed child process). */
export function readSqliteHub(path: string, scope: string, entity: string): HubView {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return {
      rows: hubRows(db.prepare('SELECT key, data, deleted FROM hub_rows WHERE scope = ? AND entity = ?').all(scope, entity) as RawHubRow[]),
      head: (db.prepare('SELECT head FROM hub_scopes WHERE scope = ?').get(scope) as { head: number } | undefined)?.head ?? 0,
      receipts: (db.prepare('SELECT COUNT(*) AS n FROM hub_receipts WHERE scope = ?').get(scope) as { n: number }).n,
      integrity: (db.pragma('integrity_check', { simple: true }) as string) ?? 'missing',
    };
  } finally {
    db.close();
  }
}

/** Reads a MySQL/MariaDB hub database directly. */
export async function readMysqlHub(opts: mysql.ConnectionOptions, scope: string, entity: string): Promise<HubView> {
  const conn = await mysql.createConnection(opts);
  try {
    const [rows] = await conn.query('SELECT `key`, data, deleted FROM hub_rows WHERE scope = ? AND entity = ?', [scope, entity]);
    const [[head]] = (await conn.query('SELECT head FROM hub_scopes WHERE scope = ?', [scope])) as unknown as [{ head: number }[]];
    const [[receipts]] = (await conn.query('SELECT COUNT(*) AS n FROM hub_receipts WHERE scope = ?', [scope])) as unknown as [{ n: number }[]];
    return {
      rows: hubRows(rows as RawHubRow[]),
      head: Number(head?.head ?? 0),
      receipts: Number(receipts!.n),
      integrity: await checkTables(conn, ['hub_rows', 'hub_receipts', 'hub_scopes']),
    };
  } finally {
    await conn.end();
  }
}

type RawHubRow = { key: string; data: string | null; deleted: number };

function hubRows(raw: readonly RawHubRow[]): Map<string, Record<string, unknown> | null> {
  return new Map(raw.map((r) => [r.key, r.deleted ? null : (JSON.parse(r.data ?? 'null') as Record<string, unknown>)]));
}

/** `CHECK TABLE` on every table: 'ok' or the complaints. */
async function checkTables(conn: mysql.Connection, tables: readonly string[]): Promise<string> {
  const [rows] = await conn.query(`CHECK TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`);
  const bad = (rows as { Table: string; Msg_type: string; Msg_text: string }[]).filter((r) => r.Msg_type === 'error' || (r.Msg_type === 'status' && r.Msg_text !== 'OK'));
  return bad.length === 0 ? 'ok' : bad.map((r) => `${r.Table}: ${r.Msg_text}`).join('; ');
}

/** The shop's side: its `products` rows, outbox counts, integrity. */
export interface LocalView {
  readonly rows: ReadonlyMap<string, { name: string; price: number }>;
  readonly pending: number;
  readonly failed: number;
  /** Outbox entries naming a row id the POS never committed (a half-written sale). */
  readonly outboxKeys: ReadonlySet<string>;
  /** Outbox entries by status (pending, failed, conflict…) with a sample error. */
  readonly outboxStatuses: Readonly<Record<string, number>>;
  readonly outboxErrors: readonly string[];
  readonly integrity: string;
}

export async function readLocal(store: LocalStore): Promise<LocalView> {
  const rows = await store.all<{ id: string; name: string; price: number }>('SELECT id, name, price FROM products');
  const outbox = await store.all<{ row_key: string; status: string; last_error: string | null }>(
    "SELECT row_key, status, last_error FROM sync_outbox WHERE entity = 'products'",
  );
  const statuses: Record<string, number> = {};
  for (const o of outbox) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
  let integrity: string;
  if (store.kind === 'sqlite') {
    integrity = (await store.all<{ integrity_check: string }>('PRAGMA integrity_check')).map((r) => r.integrity_check).join('; ');
  } else {
    const checked = await store.all<{ Table: string; Msg_type: string; Msg_text: string }>('CHECK TABLE products, customers, sync_outbox, sync_state, sync_rows');
    const bad = checked.filter((r) => r.Msg_type === 'error' || (r.Msg_type === 'status' && r.Msg_text !== 'OK'));
    integrity = bad.length === 0 ? 'ok' : bad.map((r) => `${r.Table}: ${r.Msg_text}`).join('; ');
  }
  return {
    rows: new Map(rows.map((r) => [r.id, { name: r.name, price: Number(r.price) }])),
    outboxStatuses: statuses,
    outboxErrors: [...new Set(outbox.map((o) => o.last_error).filter((e): e is string => e !== null))].slice(0, 5),
    pending: outbox.filter((o) => o.status !== 'failed').length,
    failed: outbox.filter((o) => o.status === 'failed').length,
    outboxKeys: new Set(outbox.map((o) => o.row_key)),
    integrity,
  };
}

/** Jepsen-style set verdict over every change the POS committed. */
export interface Verdict {
  readonly changes: number;
  readonly ok: number;
  /** Committed locally, but its effect is not on the hub (or not even in the shop's table). */
  readonly lost: number;
  /** Writes the hub applied beyond one per stored receipt: a change applied twice. */
  readonly duplicated: number;
  /** Rows on either side that the POS never committed (a failed write that left a trace, or junk). */
  readonly unexpected: number;
  /** Rows whose shop and hub values differ (row-by-row comparison). */
  readonly rowDiffs: number;
  /** Outbox entries left over (pending + failed) after the final settle. */
  readonly outboxLeft: number;
  readonly integrity: { readonly local: string; readonly hub: string };
  readonly examples: readonly string[];
}

/**
 * Classifies every committed change: an insert is ok when its row is on the hub, the last change of
 * a row is ok when the hub holds exactly its value, an earlier update is ok when a later one is
 * (it was superseded). `otherWrites` is how many hub writes in the scope did not come with a
 * receipt (admin writes): head − receipts − otherWrites > 0 means a change applied twice.
 */
export function check(journal: Journal, local: LocalView, hub: HubView, otherWrites = 0): Verdict {
  const examples: string[] = [];
  const note = (s: string) => examples.length < 10 && examples.push(s);
  let ok = 0;
  let lost = 0;
  const last = new Map<string, number>();
  journal.changes.forEach((c, i) => last.set(c.id, i));
  journal.changes.forEach((c, i) => {
    const remote = hub.rows.get(c.id);
    const shop = local.rows.get(c.id);
    const finalPrice = journal.final.get(c.id)!;
    const arrived = remote !== undefined && remote !== null && Number(remote.price) === finalPrice && shop?.price === finalPrice;
    const present = remote !== undefined && remote !== null && shop !== undefined;
    if (last.get(c.id) === i ? arrived : present) ok++;
    else {
      lost++;
      note(`lost: ${c.op} ${c.id} price ${c.price} (shop ${shop?.price ?? 'absent'}, hub ${remote ? String(remote.price) : 'absent'})`);
    }
  });
  let unexpected = 0;
  for (const id of new Set([...hub.rows.keys(), ...local.rows.keys(), ...local.outboxKeys])) {
    if (!journal.final.has(id)) {
      unexpected++;
      note(`unexpected: ${id} (shop ${local.rows.has(id)}, hub ${hub.rows.has(id)}, outbox ${local.outboxKeys.has(id)})`);
    }
  }
  let rowDiffs = 0;
  for (const [id, row] of local.rows) {
    const remote = hub.rows.get(id);
    if (!remote || remote.name !== row.name || Number(remote.price) !== row.price) {
      rowDiffs++;
      note(`differs: ${id} shop ${JSON.stringify(row)} hub ${JSON.stringify(remote)}`);
    }
  }
  for (const id of hub.rows.keys()) if (!local.rows.has(id)) rowDiffs++;
  if (local.pending + local.failed > 0) note(`outbox left: ${JSON.stringify(local.outboxStatuses)} ${local.outboxErrors.join(' | ')}`);
  return {
    changes: journal.changes.length,
    ok,
    lost,
    duplicated: Math.max(0, hub.head - hub.receipts - otherWrites),
    unexpected,
    rowDiffs,
    outboxLeft: local.pending + local.failed,
    integrity: { local: local.integrity, hub: hub.integrity },
    examples,
  };
}

/** The verdict every scenario wants: everything ok, nothing lost, doubled or stray, both files sound. */
export function clean(verdict: Verdict): boolean {
  return (
    verdict.changes > 0 &&
    verdict.ok === verdict.changes &&
    verdict.lost === 0 &&
    verdict.duplicated === 0 &&
    verdict.unexpected === 0 &&
    verdict.rowDiffs === 0 &&
    verdict.outboxLeft === 0 &&
    verdict.integrity.local === 'ok' &&
    verdict.integrity.hub === 'ok'
  );
}
