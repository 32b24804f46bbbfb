import { openSync } from 'node:fs';
import { ApiError } from '../contract/api-error.js';
import { dispatch } from '../contract/dispatch.js';
import { Agent } from '../core/agent.js';
import { loadConfig } from '../core/config.js';
import { describeError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { SyncEngine } from '../core/sync-engine.js';
import { AgentService } from '../service/agent-service.js';
import type { FromAgent, ToAgent } from './agent-messages.js';

/** The end of Electron's `process.parentPort` we use. */
export interface ParentPortLike {
  on(event: 'message', listener: (message: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/**
 * The agent's process (Electron `utilityProcess`, off the UI's event loop: better-sqlite3 blocks
 * its thread). It opens the same engines and `Agent`s `dovetail run` opens, serves the AgentApi
 * through `dispatch` (arguments parsed again here), forwards status events, and on `stop` lets
 * the run in progress finish, closes the databases and exits.
 */
export function serveAgent(port: ParentPortLike, exit: (code: number) => void): void {
  let service: AgentService | null = null;
  let agents: Agent[] = [];
  const send = (message: FromAgent) => port.postMessage(message);

  const start = async (message: Extract<ToAgent, { type: 'start' }>) => {
    const env = message.apiKey ? { ...process.env, REMOTE_API_KEY: message.apiKey } : process.env;
    const config = loadConfig(message.configPath, env);
    const destination = message.logFile ? openSync(message.logFile, 'a', 0o600) : 1;
    const logger = createLogger({ level: config.sync.debug ? 'debug' : 'info', destination });
    for (const instance of config.instances) {
      const engine = await SyncEngine.open(instance, {
        logger,
        pushBatchSize: config.sync.pushBatchSize,
        pullPageSize: config.sync.pullPageSize,
        maxBackoffSeconds: config.sync.maxBackoffSeconds,
      });
      agents.push(
        new Agent({
          engine,
          logger: logger.child({ instance: instance.name }),
          intervalMinutes: config.sync.intervalMinutes,
          fullResyncCron: config.sync.cron,
          maxBackoffMs: config.sync.maxBackoffSeconds * 1000,
        }),
      );
    }
    // The login item lives in main; main answers get/setStartAtLogin itself.
    service = new AgentService(agents, { onError: (error) => logger.error({ error }, 'agent call failed') });
    await service.init();
    service.on('status', (payload) => send({ type: 'event', event: { name: 'status', payload } }));
    service.on('runFinished', (payload) => send({ type: 'event', event: { name: 'runFinished', payload } }));
    for (const agent of agents) await agent.start();
    send({ type: 'ready' });
    send({ type: 'event', event: { name: 'status', payload: service.snapshot() } });
  };

  const stop = async () => {
    service?.close();
    for (const agent of agents) {
      await agent.stop();
      await agent.engine.close();
    }
    agents = [];
    send({ type: 'stopped' });
    exit(0);
  };

  port.on('message', ({ data }) => {
    const message = data as ToAgent;
    if (message.type === 'start') {
      start(message).catch((error: unknown) => {
        send({ type: 'fatal', message: describeError(error) });
        void stop();
      });
    } else if (message.type === 'stop') {
      void stop();
    } else if (message.type === 'call') {
      if (!service) {
        send({ type: 'result', id: message.id, ok: false, code: 'unavailable', message: 'the agent is starting' });
        return;
      }
      dispatch(service, message.channel, message.args).then(
        (value) => send({ type: 'result', id: message.id, ok: true, value }),
        (error: unknown) =>
          send({
            type: 'result',
            id: message.id,
            ok: false,
            code: error instanceof ApiError ? error.code : 'internal',
            message: error instanceof ApiError ? error.message : describeError(error),
          }),
      );
    }
  });
}

// Started by main through utilityProcess.fork: Electron gives the process its parentPort.
if (process.parentPort) serveAgent(process.parentPort, (code) => process.exit(code));
