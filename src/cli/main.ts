#!/usr/bin/env node
import { SyncError, describeError } from '../core/errors.js';
import { demoCommand } from './demo/demo-command.js';
import { captureCommand } from './commands/capture.js';
import { conflictsCommand } from './commands/conflicts.js';
import { consoleCommand } from './commands/console.js';
import { controlCommand } from './commands/control.js';
import { hubCommand } from './commands/hub.js';
import { runCommand } from './commands/run.js';
import { outboxCommand, resetCommand, runsCommand, statusCommand } from './commands/status.js';
import { syncCommand } from './commands/sync.js';
import { helpFor } from './help.js';
import { HELP, UsageError } from './usage.js';

const commands: Record<string, (args: readonly string[]) => Promise<number>> = {
  sync: (args) => syncCommand(args),
  resync: (args) => syncCommand(args, { full: true }),
  status: statusCommand,
  reset: resetCommand,
  runs: runsCommand,
  outbox: outboxCommand,
  conflicts: conflictsCommand,
  capture: captureCommand,
  hub: hubCommand,
  run: runCommand,
  cancel: (args) => controlCommand('cancel', args),
  pause: (args) => controlCommand('pause', args),
  resume: (args) => controlCommand('resume', args),
  console: consoleCommand,
  demo: demoCommand,
};

/** Runs one command line; resolves to the process exit code (0 ok, 1 failure, 2 usage/config). */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(HELP);
    return name === undefined ? 2 : 0;
  }
  const help = helpFor(argv);
  if (help !== null && commands[name]) {
    console.log(help);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`dovetail: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await command(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`dovetail ${name}: ${error.message} (see dovetail --help)`);
      return 2;
    }
    if (error instanceof SyncError && error.code === 'config') {
      console.error(`dovetail ${name}: ${error.message}`);
      return 2;
    }
    console.error(`dovetail ${name}: ${describeError(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
