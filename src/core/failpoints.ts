/**
 * Named failpoints for fault tests, compiled in and inert unless the environment arms them:
 *
 *   DOVETAIL_FAILPOINTS="push:after-send@3,apply:before-cursor"
 *
 * arms each listed name; `@N` fires on the N-th time the process passes it (default the first).
 * A fired failpoint SIGKILLs its own process at once (no finally blocks, no flush, no COMMIT),
 * which is what a power cut does. The variable is read once, at the first call; with it unset a
 * call costs one map lookup.
 */
let armed: Map<string, number> | null = null;
const hits = new Map<string, number>();

/** Kills this process here when `name` is armed and this is its chosen hit; otherwise returns. */
export function failpoint(name: string): void {
  armed ??= parseFailpoints(process.env.DOVETAIL_FAILPOINTS);
  const at = armed.get(name);
  if (at === undefined) return;
  const hit = (hits.get(name) ?? 0) + 1;
  hits.set(name, hit);
  if (hit !== at) return;
  process.stderr.write(`failpoint ${name} fired (hit ${hit}): SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** Parses `name[@N],…` into name → hit number; malformed entries are ignored. */
export function parseFailpoints(value: string | undefined): Map<string, number> {
  const result = new Map<string, number>();
  for (const part of (value ?? '').split(',')) {
    const match = /^\s*([a-z0-9:_-]+)(?:@(\d+))?\s*$/i.exec(part);
    if (match) result.set(match[1]!, Math.max(1, Number(match[2] ?? 1)));
  }
  return result;
}
