/**
 * A sync agent in its own process, for tests that kill it mid-run:
 *   node --import tsx test/helpers/agent-child.ts '<json>'
 * where json is { dbPath, url, apiKey, entities, pullPageSize?, pushBatchSize? }. It runs one sync
 * and prints the summary as one JSON line on stdout; exit code 0 when the run is DONE.
 */
import { parseConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { SyncEngine } from '../../src/core/sync-engine.js';

export interface AgentChildArgs {
  readonly dbPath: string;
  readonly url: string;
  readonly apiKey: string;
  readonly entities: unknown[];
  readonly pullPageSize?: number;
  readonly pushBatchSize?: number;
}

async function run(args: AgentChildArgs): Promise<number> {
  const config = parseConfig(
    { hub: { url: args.url, apiKey: args.apiKey, timeoutMs: 5000 }, database: { type: 'sqlite', path: args.dbPath }, entities: args.entities },
    { baseDir: '/' },
  );
  const engine = await SyncEngine.open(config.instances[0]!, {
    logger: silentLogger(),
    pullPageSize: args.pullPageSize,
    pushBatchSize: args.pushBatchSize,
  });
  try {
    const summary = await engine.sync({ trigger: 'manual' });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return summary.status === 'DONE' ? 0 : 1;
  } finally {
    await engine.close();
  }
}

run(JSON.parse(process.argv[2] ?? '{}') as AgentChildArgs).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
    process.exitCode = 1;
  },
);
