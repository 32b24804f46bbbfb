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
}

interface Writer {
  write(sql: string, params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

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
  const conn = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
  // Tests that drop the agent's server connections spare these.
  process.stdout.write(`conn ${conn.threadId}\n`);
  return {
    write: async (sql, params) => {
      await conn.query('BEGIN');
      try {
        await conn.query(sql, params);
        const hold = args.holdMs ? Math.random() * args.holdMs * (index + 1) : 0;
        if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
        await conn.query('COMMIT');
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    close: () => conn.end(),
  };
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
