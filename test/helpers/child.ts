import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json and node_modules are). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Lines printed on stdout so far. */
  readonly lines: string[];
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
}

/** Starts a TypeScript helper under test/helpers in its own Node process (through tsx). */
export function spawnTsx(script: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Child {
  return watchChild(
    spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], { cwd: REPO_ROOT, env, stdio: 'pipe' }),
  );
}

/** Collects a child's stdout line by line and its stderr, and tells when it has ended. */
export function watchChild(child: ChildProcessWithoutNullStreams): Child {
  const lines: string[] = [];
  let partial = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on('close', (code, signal) => {
      if (partial) lines.push(partial);
      resolve(code ?? signal ?? -1);
    });
  });
  return { process: child, lines, stderr: () => err, exited };
}
