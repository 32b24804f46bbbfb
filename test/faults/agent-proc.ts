/**
 * The long-running agent (what `dovetail run` runs: live channel, local-write watch, retries) in
 * its own process, for a supervisor that SIGKILLs it:
 *
 *   DOVETAIL_FAILPOINTS=push:after-send@2 node --import tsx test/faults/agent-proc.ts '<json AgentProcArgs>'
 *
 * Prints `ready` once started, then one JSON line per finished run (`run {...}`) and per state
 * change (`state {...}`). Stops cleanly (drains) when stdin ends.
 */
import { Agent } from '../../src/core/agent.js';
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';

export interface AgentProcArgs {
  readonly database: Record<string, unknown>;
  readonly url: string;
  readonly apiKey: string;
  readonly entities: unknown[];
  readonly pushBatchSize?: number;
  readonly pullPageSize?: number;
  readonly timeoutMs?: number;
  readonly maxBackoffMs?: number;
}

async function main(args: AgentProcArgs): Promise<void> {
  const config = parseConfig(
    { hub: { url: args.url, apiKey: args.apiKey, timeoutMs: args.timeoutMs ?? 5000 }, database: args.database, entities: args.entities },
    { baseDir: '/', env: {} },
  );
  const engine = await SyncEngine.open(config.instances[0]!, {
    logger: silentLogger(),
    pushBatchSize: args.pushBatchSize,
    pullPageSize: args.pullPageSize,
    maxBackoffSeconds: Math.max(1, Math.round((args.maxBackoffMs ?? 2000) / 1000)),
  });
  const agent = new Agent({ engine, logger: silentLogger(), maxBackoffMs: args.maxBackoffMs ?? 2000, liveReconnectMs: 300 });
  let last = '';
  agent.onStatus((s) => {
    if (s.state === last) return;
    last = s.state;
    process.stdout.write(`state ${JSON.stringify({ state: s.state, live: s.liveConnected, error: s.lastErrorCode })}\n`);
  });
  agent.onRun((summary) => {
    process.stdout.write(`run ${JSON.stringify({ status: summary.status, stats: summary.stats, error: summary.errorCode ?? null })}\n`);
  });
  try {
    await agent.start();
  } catch (error) {
    await engine.close(); // e.g. another agent holds the database: leave at once
    throw error;
  }
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.resume();
  });
  await agent.stop();
  await engine.close();
  process.stdin.pause();
}

main(JSON.parse(process.argv[2] ?? '{}') as AgentProcArgs).catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
