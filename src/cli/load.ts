import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { loadConfig, type Config, type InstanceConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { SyncEngine } from '../core/sync-engine.js';

export function configPath(flag: string | undefined): string {
  const given = flag ?? process.env.DOVETAIL_CONFIG;
  const path = given ?? ['dovetail.json', 'dovetail.yaml', 'dovetail.yml'].find((p) => existsSync(p)) ?? 'dovetail.json';
  if (!existsSync(path)) throw new ConfigError(`config file ${path} not found (pass --config FILE or set DOVETAIL_CONFIG)`);
  return path;
}

export function selectInstances(config: Config, name: string | undefined): readonly InstanceConfig[] {
  if (name === undefined) return config.instances;
  const found = config.instances.filter((i) => i.name === name);
  if (found.length === 0) {
    throw new ConfigError(`no instance named "${name}" (configured: ${config.instances.map((i) => i.name).join(', ')})`);
  }
  return found;
}

/**
 * Loads config, opens each selected instance's engine in turn and closes it afterwards. Only
 * commands that sync pass `schema: 'prepare'`; the others never change the database's schema.
 */
export async function withEngines<T>(
  flags: { config?: string; instance?: string },
  fn: (engine: SyncEngine, config: Config) => Promise<T>,
  opts: { schema?: 'prepare' | 'check' } = {},
): Promise<T[]> {
  const config = loadConfig(configPath(flags.config));
  const logger = commandLogger(config.sync.debug);
  const out: T[] = [];
  for (const instance of selectInstances(config, flags.instance)) {
    const engine = await SyncEngine.open(instance, {
      logger,
      pushBatchSize: config.sync.pushBatchSize,
      pullPageSize: config.sync.pullPageSize,
      maxBackoffSeconds: config.sync.maxBackoffSeconds,
      schema: opts.schema ?? 'check',
    });
    try {
      out.push(await fn(engine, config));
    } finally {
      await engine.close();
    }
  }
  return out;
}

/**
 * The logger of a one-shot command: warnings as plain lines on stderr for a person; JSON lines
 * (pino) with `SYNC_DEBUG`/`sync.debug` or `DOVETAIL_LOG_FORMAT=json`.
 */
export function commandLogger(debug: boolean): ReturnType<typeof createLogger> {
  if (debug || process.env.DOVETAIL_LOG_FORMAT === 'json') return createLogger({ level: debug ? 'debug' : 'warn' });
  const text = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const entry = JSON.parse(line) as { level?: number; msg?: string; error?: string };
          process.stderr.write(`${(entry.level ?? 40) >= 50 ? 'error' : 'warning'}: ${entry.msg ?? ''}${entry.error ? ` (${entry.error})` : ''}\n`);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
      done();
    },
  });
  return createLogger({ level: 'warn', destination: text });
}
