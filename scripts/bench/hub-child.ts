/**
 * The benchmark's hub, in its own process so hub and agent do not share one JS thread.
 *
 *   node --import tsx scripts/bench/hub-child.ts <hub.db | mysql://user:pass@127.0.0.1:3306/db>
 *
 * Serves the given SQLite file (or MySQL/MariaDB database) on 127.0.0.1 (random port) and prints one JSON line
 * `{"url": "http://127.0.0.1:PORT"}` on stdout once listening. Stops (closing the store cleanly,
 * so `--cpu-prof` profiles get written) when stdin ends, i.e. when the parent goes away, or on
 * SIGTERM/SIGINT.
 */
import { parseMysqlUrl, startHubServer } from '../../src/hub/server.js';

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: hub-child.ts <hub.db | mysql://…>');
    process.exit(2);
  }
  const mysql = target.startsWith('mysql://') ? parseMysqlUrl(target) : undefined;
  if (mysql && !['127.0.0.1', 'localhost', '::1'].includes(mysql.host)) throw new Error(`the benchmark's MySQL server must be on loopback, got ${mysql.host}`);
  const server = await startHubServer({ dbPath: target, mysql, port: 0, host: '127.0.0.1' });
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    server.close().then(
      () => process.exit(code),
      (error: unknown) => {
        console.error('hub-child: close failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop(0));
  process.once('SIGINT', () => stop(0));
  process.stdin.on('end', () => stop(0));
  process.stdin.on('error', () => stop(0));
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
}

main().catch((error: unknown) => {
  console.error('hub-child: failed to start:', error);
  process.exit(1);
});
