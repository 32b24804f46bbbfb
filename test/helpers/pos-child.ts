/**
 * A point-of-sale application in its own process, writing to the shop database while the agent
 * works:  node --import tsx test/helpers/pos-child.ts DB_PATH TABLE
 *   node --import tsx test/helpers/pos-child.ts DB_PATH TABLE mixed
 * Inserts rows (id "pos-1", "pos-2", …) into TABLE, one transaction each, yielding to the event loop
 * between writes. With `mixed`, every other write instead raises the price of an earlier row (a
 * sale edited after the fact). Prints "started" after the first commit; when its stdin ends it
 * stops and prints "done N" (N rows inserted).
 */
import Database from 'better-sqlite3';

const [path, table, mode] = process.argv.slice(2);
if (!path || !table || !/^[a-z_]+$/.test(table)) throw new Error('usage: pos-child.ts DB_PATH TABLE');
const db = new Database(path);
db.pragma('busy_timeout = 10000');
const insert = db.prepare(`INSERT INTO "${table}" (id, name, price) VALUES (?, ?, ?)`);
const raise = db.prepare(`UPDATE "${table}" SET price = price + 1 WHERE id = ?`);
let written = 0;
let step_ = 0;
let stopping = false;
process.stdin.on('end', () => (stopping = true));
process.stdin.resume();

function step(): void {
  if (stopping) {
    db.close();
    process.stdout.write(`done ${written}\n`);
    return;
  }
  step_++;
  if (mode === 'mixed' && written > 0 && step_ % 2 === 0) {
    raise.run(`pos-${1 + ((step_ * 7919) % written)}`);
    setImmediate(step);
    return;
  }
  written++;
  insert.run(`pos-${written}`, `item ${written}`, written);
  if (written === 1) process.stdout.write('started\n');
  setImmediate(step);
}
step();
