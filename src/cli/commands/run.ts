import { unwatchFile, watchFile } from 'node:fs';
import { Agent } from '../../core/agent.js';
import { loadConfig } from '../../core/config.js';
import { describeError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { SyncEngine } from '../../core/sync-engine.js';
import { controlFilePath, readControlFile, removeControlFile, writeControlFile } from '../control/control-file.js';
import { startControlServer } from '../control/control-server.js';
import { configPath as resolveConfigPath, selectInstances } from '../load.js';
import { UsageError, integer, parse } from '../usage.js';
import { consoleOptions, printConsoleUrl } from './console.js';

/**
 * `dovetail run`: the long-running agent. Logs JSON lines (pino) to stdout, accepts local
 * commands on its control API (with `--console`, the same 127.0.0.1 server also serves the web
 * console and its login link goes to stderr), reloads the API key when the config file changes,
 * and on SIGTERM/SIGINT lets the run in progress finish before exiting 0.
 */
export async function runCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    config: { type: 'string' },
    instance: { type: 'string' },
    console: { type: 'boolean' },
    'console-port': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const consolePort = integer(values['console-port'], 'console-port', 0);
  if (consolePort > 65535) throw new UsageError('--console-port: expected a port number (0-65535)');
  const withConsole = values.console === true || values['console-port'] !== undefined;
  const path = resolveConfigPath(values.config);
  const config = loadConfig(path);
  const logger = createLogger({ level: config.sync.debug ? 'debug' : 'info', destination: 1 });
  const controlPath = controlFilePath(path);
  const running = readControlFile(controlPath);
  if (running) throw new UsageError(`an agent (pid ${running.pid}) already runs with this config`);

  const agents: Agent[] = [];
  for (const instance of selectInstances(config, values.instance)) {
    const engine = await SyncEngine.open(instance, {
      logger,
      pushBatchSize: config.sync.pushBatchSize,
      pullPageSize: config.sync.pullPageSize,
      maxBackoffSeconds: config.sync.maxBackoffSeconds,
    });
    const agent = new Agent({
      engine,
      logger: logger.child({ instance: instance.name }),
      intervalMinutes: config.sync.intervalMinutes,
      fullResyncCron: config.sync.cron,
      maxBackoffMs: config.sync.maxBackoffSeconds * 1000,
    });
    let lastState = '';
    agent.onStatus((s) => {
      if (s.state !== lastState) logger.info({ instance: s.instance, state: s.state, nextRetryAt: s.nextRetryAt ?? undefined }, `connection ${s.state}`);
      lastState = s.state;
    });
    agents.push(agent);
  }
  const web = withConsole ? await consoleOptions(agents, logger) : null;
  const control = await startControlServer(agents, { port: withConsole ? consolePort : 0, console: web?.options });
  writeControlFile(controlPath, {
    pid: process.pid,
    port: control.port,
    token: control.token,
    startedAt: new Date().toISOString(),
    console: control.console !== null,
  });
  try {
    for (const agent of agents) await agent.start();
  } catch (error) {
    // Another process syncs one of these databases: leave nothing behind.
    for (const agent of agents) await agent.stop();
    await control.app.close();
    removeControlFile(controlPath);
    for (const agent of agents) await agent.engine.close();
    throw error;
  }
  logger.info({ instances: agents.map((a) => a.engine.config.name), control: `127.0.0.1:${control.port}` }, 'agent running');
  if (control.console) printConsoleUrl(`http://127.0.0.1:${control.port}${control.console.loginPath()}`);

  let reload: NodeJS.Timeout | null = null;
  // watchFile polls the path, so a config replaced by rename (editors, sed -i) is seen too.
  const onChange = () => {
    if (reload) clearTimeout(reload);
    reload = setTimeout(() => {
      try {
        const fresh = loadConfig(path);
        for (const agent of agents) {
          const next = fresh.instances.find((i) => i.name === agent.engine.config.name);
          if (next && next.hub.apiKey !== agent.engine.apiKey) {
            logger.info({ instance: next.name }, 'API key changed in config: reconnecting');
            agent.setApiKey(next.hub.apiKey);
          }
        }
      } catch (error) {
        logger.error({ error: describeError(error) }, 'config changed but is invalid; keeping the running settings');
      }
    }, 200);
  };
  watchFile(path, { interval: 2000 }, onChange);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping: letting the current run finish');
  unwatchFile(path, onChange);
  if (reload) clearTimeout(reload);
  await control.app.close();
  web?.service.close();
  for (const agent of agents) {
    await agent.stop();
    await agent.engine.close();
  }
  removeControlFile(controlPath);
  logger.info('agent stopped');
  return 0;
}
