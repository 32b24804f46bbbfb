/**
 * A point-of-sale simulator in its own process, writing through the capture triggers:
 *
 *   node --import tsx test/faults/pos-sim.ts '<json PosSimArgs>'
 *
 * It writes `count` changes to `products`, one transaction each: a new sale row (id
 * `${prefix}-N`, insert) or, every `updateEvery`-th change, a new price for an earlier row
 * (update). Each change is printed AFTER its COMMIT returned, as one line:
 *   `ok insert ID PRICE` / `ok update ID PRICE`
 * A write that fails (e.g. the disk is full) prints `fail ID message` and the loop goes on after
 * `failPauseMs`. On MySQL it first prints `conn ID` for each of its server connections. With `connections: 2` on MySQL two connections interleave their transactions,
 * holding each open 0–`holdMs` ms, so outbox seqs commit out of order. Ends with `done N` when
 * the count is reached or stdin ends; every loop is bounded by `count`.
 *
 * With `reconnect` (MySQL: the server is restarted under it), a connection the server dropped is
 * dialled again before the next write (printing a new `conn ID`); while the server is down each
 * write prints `fail …`. A COMMIT that failed (its answer lost with the connection) may or may not
 * have committed: the row is read back on a live connection once the server answers again
 * (bounded by `resolveMs`), and the change is printed `ok …` only when the row holds its price
 * (each change writes a distinct price), `fail …` otherwise. One info line `unknown ID committed`
 * / `unknown ID rolled-back` / `unknown ID unresolved` tells which.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';

export interface PosSimArgs {
  readonly database: { type: 'sqlite'; path: string } | { type: 'mysql'; host: string; port: number; user: string; password: string; database: string };
  readonly prefix: string;
  readonly count: number;
  readonly updateEvery?: number;
  /** Pause between changes, ms (default 0: yield to the event loop only). */
  readonly pauseMs?: number;
  readonly failPauseMs?: number;
  readonly connections?: number;
  readonly holdMs?: number;
  /** Characters added to each sale's name (bigger rows fill a disk sooner). */
  readonly padding?: number;
  /** MySQL: dial again after the server dropped the connection (a restart), instead of failing every later write. */
  readonly reconnect?: boolean;
  /** With `reconnect`: how long to keep trying to learn the fate of a COMMIT whose answer was lost, ms (default 120 s). */
  readonly resolveMs?: number;
}

interface Writer {
  write(sql: string, params: unknown[]): Promise<void>;
  /** After an indeterminate COMMIT: does row `id` hold `price` (i.e. did that change commit)? Throws while the server is unreachable. */
  committed?(id: string, price: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A COMMIT that failed without telling whether it took effect (the connection or the server went away). */
class IndeterminateCommit extends Error {}

async function openWriter(args: PosSimArgs, index: number): Promise<Writer> {
  const db = args.database;
  if (db.type === 'sqlite') {
    const conn = new Database(db.path);
    conn.pragma('busy_timeout = 10000');
    return {
      write: (sql, params) => {
        conn.transaction(() => conn.prepare(sql).run(...params))();
        return Promise.resolve();
      },
      close: () => {
        conn.close();
        return Promise.resolve();
      },
    };
  }
  const options = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, connectTimeout: 5000 };
  let dead = false;
  const dial = async () => {
    const fresh = await mysql.createConnection(options);
    // Without a listener, an error on an idle connection (the server shutting down) would crash the process.
    fresh.on('error', () => {
      if (conn === fresh) dead = true;
    });
    // Tests that drop the agent's server connections spare these.
    process.stdout.write(`conn ${fresh.threadId}\n`);
    return fresh;
  };
  let conn: mysql.Connection = await dial();
  /** A fatal error (or one on a connection already closed, or "server shutdown in progress") means: dial again before the next statement. */
  const markIfLost = (error: unknown) => {
    const e = error as { fatal?: boolean; message?: string; errno?: number };
    if (e.fatal || /closed state|connection lost|ECONNRESET|EPIPE/i.test(e.message ?? '') || e.errno === 1053) dead = true;
  };
  const live = async () => {
    if (!dead) return conn;
    if (!args.reconnect) throw new Error('connection lost');
    const old = conn;
    conn = await dial();
    dead = false;
    old.destroy();
    return conn;
  };
  return {
    write: async (sql, params) => {
      const c = await live();
      try {
        await c.query('BEGIN');
        await c.query(sql, params);
        const hold = args.holdMs ? Math.random() * args.holdMs * (index + 1) : 0;
        if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        markIfLost(error);
        throw error;
      }
      try {
        await c.query('COMMIT');
      } catch (error) {
        await c.query('ROLLBACK').catch(() => undefined);
        markIfLost(error);
        if (args.reconnect) throw new IndeterminateCommit(String((error as Error).message));
        throw error;
      }
    },
    committed: async (id, price) => {
      const c = await live();
      try {
        const [rows] = await c.query('SELECT price FROM products WHERE id = ?', [id]);
        return (rows as { price: number }[]).some((r) => Number(r.price) === price);
      } catch (error) {
        markIfLost(error);
        throw error;
      }
    },
    close: async () => {
      if (dead) conn.destroy();
      else await conn.end().catch(() => conn.destroy());
    },
  };

}

/** Learns whether an indeterminate COMMIT took effect, retrying (bounded) while the server is away. */
async function resolveCommit(writer: Writer, id: string, price: number, args: PosSimArgs): Promise<boolean | null> {
  const deadline = Date.now() + (args.resolveMs ?? 120_000);
  while (Date.now() < deadline) {
    try {
      return await writer.committed!(id, price);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, args.failPauseMs ?? 50));
    }
  }
  return null;
}

async function main(args: PosSimArgs): Promise<void> {
  let stopping = false;
  process.stdin.on('end', () => (stopping = true));
  process.stdin.resume();
  const writers = await Promise.all(Array.from({ length: args.connections ?? 1 }, (_, i) => openWriter(args, i)));
  const inserted: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async (writer: Writer) => {
    while (!stopping && next < args.count) {
      const n = ++next;
      const update = args.updateEvery && inserted.length > 0 && n % args.updateEvery === 0;
      const id = update ? inserted[(n * 7919) % inserted.length]! : `${args.prefix}-${n}`;
      const price = n;
      try {
        if (update) await writer.write('UPDATE products SET price = ? WHERE id = ?', [price, id]);
        else await writer.write('INSERT INTO products (id, name, price) VALUES (?, ?, ?)', [id, `sale ${n}${'x'.repeat(args.padding ?? 0)}`, price]);
        // Recorded only now: COMMIT has returned.
        if (!update) inserted.push(id);
        done++;
        process.stdout.write(`ok ${update ? 'update' : 'insert'} ${id} ${price}\n`);
      } catch (error) {
        if (error instanceof IndeterminateCommit && writer.committed) {
          const committed = await resolveCommit(writer, id, price, args);
          process.stdout.write(`unknown ${id} ${committed === null ? 'unresolved' : committed ? 'committed' : 'rolled-back'}\n`);
          if (committed) {
            if (!update) inserted.push(id);
            done++;
            process.stdout.write(`ok ${update ? 'update' : 'insert'} ${id} ${price}\n`);
            continue;
          }
        }
        process.stdout.write(`fail ${id} ${String((error as Error).message).replace(/\s+/g, ' ')}\n`);
        await new Promise((resolve) => setTimeout(resolve, args.failPauseMs ?? 50));
        continue;
      }
      await new Promise((resolve) => (args.pauseMs ? setTimeout(resolve, args.pauseMs) : setImmediate(resolve)));
    }
  };
  await Promise.all(writers.map(worker));
  await Promise.all(writers.map((w) => w.close()));
  process.stdout.write(`done ${done}\n`);
  process.stdin.pause();
}

main(JSON.parse(process.argv[2] ?? '{}') as PosSimArgs).catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
