import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Where a running `dovetail run` tells local CLI commands how to reach it (mode 0600). */
export interface ControlInfo {
  readonly pid: number;
  readonly port: number;
  readonly token: string;
  /** When the agent started (ISO); absent in files of older versions. */
  readonly startedAt?: string;
  /** Whether it serves the web console on the same port. */
  readonly console?: boolean;
}

/** `$DOVETAIL_RUNTIME_DIR/<name>.control.json`, or `.dovetail-control.json` beside the config. */
export function controlFilePath(configPath: string): string {
  const full = resolve(configPath);
  const runtime = process.env.DOVETAIL_RUNTIME_DIR;
  if (runtime) return join(runtime, `${basename(full).replace(/\.json$/, '')}.control.json`);
  return join(dirname(full), '.dovetail-control.json');
}

export function writeControlFile(path: string, info: ControlInfo): void {
  writeFileSync(path, JSON.stringify(info), { mode: 0o600 });
}

export function readControlFile(path: string): ControlInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as ControlInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

export function removeControlFile(path: string): void {
  rmSync(path, { force: true });
}
