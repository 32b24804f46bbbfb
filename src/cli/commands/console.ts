import type { Logger } from 'pino';
import { loadStaticFiles } from '../../console/static-files.js';
import type { ConsoleOptions } from '../../console/console-routes.js';
import { ensureRendererBuilt } from '../../console/renderer-build.js';
import type { Agent } from '../../core/agent.js';
import { AgentService } from '../../service/agent-service.js';
import { callAgent } from '../control/control-client.js';
import { configPath } from '../load.js';
import { UsageError, parse } from '../usage.js';

/** Everything the shared local server needs to serve the console: the windows (built if stale) and the AgentApi. */
export async function consoleOptions(agents: readonly Agent[], logger: Logger): Promise<{ options: ConsoleOptions; service: AgentService }> {
  const dist = await ensureRendererBuilt((line) => logger.info(line));
  const service = new AgentService(agents, { onError: (message) => logger.warn(message) });
  await service.init();
  const options: ConsoleOptions = {
    service,
    files: loadStaticFiles(dist),
    onCspReport: (report) => logger.warn({ report }, 'console: content security policy violation'),
    onError: (message) => logger.warn(message),
  };
  return { options, service };
}

/** The login link, for a person (stderr, like Jupyter): stdout carries the JSON log. */
export function printConsoleUrl(url: string): void {
  process.stderr.write(`\n  Dovetail console: ${url}\n  (the link signs in once; \`dovetail console\` prints a new one)\n\n`);
}

/** `dovetail console`: a fresh one-time login link for the running agent's console. */
export async function consoleCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const answer = await callAgent<{ url: string }>(configPath(values.config), 'POST', '/console-login', {});
  if (answer === null) {
    console.error('no running agent for this config (start one with: dovetail run --console)');
    return 1;
  }
  console.log(answer.url);
  return 0;
}
