/**
 * The benchmark's hub, in its own process so hub and agent do not share one JS thread.
 *
 *   node --import tsx scripts/bench/hub-child.ts <hub.db>
 *
 * Serves the given SQLite file on 127.0.0.1 (random port) and prints one JSON line
 * `{"url": "http://127.0.0.1:PORT"}` on stdout once listening. Stops (closing the store cleanly,
 * so `--cpu-prof` profiles get written) when stdin ends, i.e. when the parent goes away, or on
 * SIGTERM/SIGINT.
 */
import { startHubServer } from '../../src/hub/server.js';

async function main(): Promise<void> {
  const dbPath = process.argv[2];
  if (!dbPath) {
    console.error('usage: hub-child.ts <hub.db>');
    process.exit(2);
  }
  const server = await startHubServer({ dbPath, port: 0, host: '127.0.0.1' });
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
