import type { RunningHub } from './fixtures.js';

/**
 * Writes `count` rows of `entity` to the hub through protocol v1 push, as another node of the same
 * scope ("seeder") would, in batches of 5,000. Row i (1-based) gets key `${prefix}${i}`; versions run
 * 1..count on a fresh scope. Returns nothing; check `hub.store.status()` for the head.
 */
export async function seedRows(
  hub: RunningHub,
  entity: string,
  count: number,
  make: (i: number) => Record<string, unknown>,
  opts: { prefix?: string; scope?: string; source?: string } = {},
): Promise<void> {
  const key = await hub.nodeKey(opts.scope ?? 'shop-1', 'seeder');
  const prefix = opts.prefix ?? 'r';
  for (let start = 1; start <= count; start += 5000) {
    const changes = [];
    for (let i = start; i < Math.min(count + 1, start + 5000); i++) {
      changes.push({ seq: i, entity, key: `${prefix}${i}`, op: 'upsert', data: make(i), baseVersion: null });
    }
    const response = await fetch(`${hub.url}/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ protocol: 1, source: opts.source ?? 'seeder-outbox', changes }),
    });
    if (response.status !== 200) throw new Error(`seeding ${entity}: HTTP ${response.status} ${await response.text()}`);
    const { results } = (await response.json()) as { results: { status: string }[] };
    const bad = results.filter((r) => r.status !== 'applied');
    if (bad.length > 0) throw new Error(`seeding ${entity}: ${bad.length} changes not applied`);
  }
}
