/**
 * The hub's named failpoints (src/hub may not import core): inert unless DOVETAIL_FAILPOINTS
 * names one, e.g. `hub:after-apply@5`, which SIGKILLs the hub process the 5th time a push has been
 * committed but not yet answered. Same syntax as src/core/failpoints.ts.
 */
let armed: Map<string, number> | null = null;
const hits = new Map<string, number>();

/** Kills this process here when `name` is armed and this is its chosen hit; otherwise returns. */
export function hubFailpoint(name: string): void {
  if (!armed) {
    armed = new Map();
    for (const part of (process.env.DOVETAIL_FAILPOINTS ?? '').split(',')) {
      const match = /^\s*([a-z0-9:_-]+)(?:@(\d+))?\s*$/i.exec(part);
      if (match) armed.set(match[1]!, Math.max(1, Number(match[2] ?? 1)));
    }
  }
  const at = armed.get(name);
  if (at === undefined) return;
  const hit = (hits.get(name) ?? 0) + 1;
  hits.set(name, hit);
  if (hit !== at) return;
  process.stderr.write(`failpoint ${name} fired (hit ${hit}): SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}
