/**
 * The benchmark's hub on a MySQL/MariaDB store, in its own process (scripts/bench/hub-child.ts's
 * twin for `MySqlHubStore`).
 *
 *   node --import tsx scripts/bench/mysql-hub-child.ts '{"host":"127.0.0.1","port":3306,"user":"root","password":"","database":"…"}'
 *
 * Opens the store on the given database (its tables are created when missing), serves it on
 * 127.0.0.1 (random port) and prints one JSON line `{"url": "http://127.0.0.1:PORT", "pid": N}` on
 * stdout once listening. Stops (closing the store cleanly, so `--cpu-prof` profiles get written)
 * when stdin ends, i.e. when the parent goes away, or on SIGTERM/SIGINT.
 */
import { buildHub } from '../../src/hub/build-hub.js';
import { MySqlHubStore, type MySqlHubOptions } from '../../src/hub/mysql-hub-store.js';

function parseArgs(): MySqlHubOptions {
  const raw = process.argv[2];
  if (!raw) throw new Error('usage: mysql-hub-child.ts \'{"host":…,"port":…,"user":…,"password":…,"database":…}\'');
  const opts = JSON.parse(raw) as MySqlHubOptions;
  if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) throw new Error(`the benchmark's MySQL server must be on loopback, got ${opts.host}`);
  return opts;
}

async function main(): Promise<void> {
  const store = await MySqlHubStore.open(parseArgs());
  const hub = buildHub({ store, logger: false });
  let url: string;
  try {
    ({ url } = await hub.listen(0, '127.0.0.1'));
  } catch (error) {
    await store.close();
    throw error;
  }
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    hub
      .close()
      .then(() => store.close())
      .then(
        () => process.exit(code),
        (error: unknown) => {
          console.error('mysql-hub-child: close failed:', error);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  process.stdin.on('end', () => stop(0));
  process.stdin.on('error', () => stop(0));
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  console.error('mysql-hub-child: failed to start:', error);
  process.exit(1);
});
