import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './child.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Variables that would change what the CLI does; tests pass them explicitly when they mean to. */
const AMBIENT = [
  'REMOTE_API_URL',
  'REMOTE_API_KEY',
  'SYNC_INTERVAL_MINUTES',
  'SYNC_DEBUG',
  'DOVETAIL_CONFIG',
  'DOVETAIL_HUB_DB',
  'DOVETAIL_HUB_PORT',
  'DOVETAIL_HUB_HOST',
  'DOVETAIL_RUNTIME_DIR',
];

function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const name of AMBIENT) delete out[name];
  return { ...out, ...env };
}

function collect(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `node bin/dovetail.js ARGS` as a user would, in `cwd`. */
export function dovetail(args: readonly string[], opts: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return collect(process.execPath, [join(REPO_ROOT, 'bin', 'dovetail.js'), ...args], opts.cwd, cleanEnv(opts.env ?? {}));
}

/** Runs `npm run --silent SCRIPT -- ARGS` from the repository root (the seeds' npm aliases). */
export function npmRun(script: string, args: readonly string[], opts: { env?: Record<string, string> } = {}): Promise<CliResult> {
  return collect('npm', ['run', '--silent', script, '--', ...args], REPO_ROOT, cleanEnv(opts.env ?? {}));
}
