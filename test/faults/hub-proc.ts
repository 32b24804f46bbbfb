/**
 * A hub in its own process, for tests that SIGKILL it:
 *
 *   DOVETAIL_FAILPOINTS=hub:after-apply@3 node --import tsx test/faults/hub-proc.ts <hub.db | mysql://…> [port]
 *
 * Serves on 127.0.0.1 (`port`, default any) and prints `{"url": …}` once listening. Stops when
 * stdin ends.
 */
import { buildHub } from '../../src/hub/build-hub.js';
import type { HubStore } from '../../src/hub/hub-store.js';
import { MySqlHubStore } from '../../src/hub/mysql-hub-store.js';
import { parseMysqlUrl } from '../../src/hub/server.js';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';

async function main(): Promise<void> {
  const [target, port] = process.argv.slice(2);
  if (!target) throw new Error('usage: hub-proc.ts <hub.db | mysql://…> [port]');
  const mysql = target.startsWith('mysql://') ? parseMysqlUrl(target) : undefined;
  if (mysql && mysql.host !== '127.0.0.1') throw new Error('loopback only');
  const store: HubStore = mysql ? await MySqlHubStore.open(mysql) : new SqliteHubStore(target);
  // No rate limit: the fault loops retry far more often than a shop would.
  const hub = buildHub({ store, logger: false, rateLimit: false });
  const { url } = await hub.listen(Number(port ?? 0), '127.0.0.1');
  process.stdin.on('end', () => {
    void hub.close().then(() => store.close()).then(() => process.exit(0));
  });
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
