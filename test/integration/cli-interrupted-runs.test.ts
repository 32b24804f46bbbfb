import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { REPO_ROOT } from '../helpers/child.js';
import { dovetail } from '../helpers/cli.js';
import { startHub, test, waitFor } from '../helpers/fixtures.js';
import { count, cursorOf } from '../helpers/local-db.js';
import { seedRows } from '../helpers/seed.js';

const TOTAL = 30_000;
const CUSTOMERS = [{ name: 'customers', direction: 'pull', create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT', email: 'TEXT' } } }];

interface RunJson {
  id: number;
  status: string;
  error: string | null;
  stats: { pulled: number };
  finishedAt: string | null;
}

/** Starts `dovetail sync` and resolves once its pull has committed some (past `from`), but not all, pages. */
async function syncUntilHalfway(dir: string, from = 0) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dovetail.js'), 'sync'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  const dbPath = join(dir, 'shop.db');
  let watch: Database.Database | null = null;
  try {
    await waitFor(
      () => {
        if (!existsSync(dbPath)) return false;
        try {
          watch ??= new Database(dbPath, { readonly: true, fileMustExist: true });
          const cursor = cursorOf(watch, 'customers') ?? 0;
          // The run's record shows pages as they are committed (saved at least every 250 ms).
          const run = watch.prepare('SELECT stats FROM sync_runs ORDER BY id DESC LIMIT 1').get() as { stats: string } | undefined;
          const saved = run ? ((JSON.parse(run.stats) as { pulled?: number }).pulled ?? 0) : 0;
          return cursor >= from + 2000 && saved > 0 && cursor < TOTAL - 5000;
        } catch {
          return false;
        }
      },
      30_000,
      'the sync to be half-way through its pull',
    );
  } finally {
    (watch as Database.Database | null)?.close();
  }
  return { child, exited, stderr: () => stderr };
}

test('Ctrl-C records the run CANCELED with its real progress and finish time; a kill records it FAILED as last saved', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    await seedRows(hub, 'customers', TOTAL, (i) => ({ id: `c${i}`, first_name: `Customer ${i}`, email: `c${i}@example.com` }), { prefix: 'c' });
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({
        hub: { url: hub.url, apiKey: await hub.nodeKey() },
        sync: { pullPageSize: 50 },
        database: { type: 'sqlite', path: 'shop.db' },
        entities: CUSTOMERS,
      }),
    );
    const runs = async () => JSON.parse((await dovetail(['runs', '--json'], { cwd: dir })).stdout) as RunJson[];

    const first = await syncUntilHalfway(dir);
    const interruptedAt = Date.now();
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    expect(first.stderr()).toMatch(/SIGINT: canceling after the current batch/);
    const [canceled] = await runs();
    expect(canceled).toMatchObject({ status: 'CANCELED', error: 'canceled by SIGINT: the work done so far is kept' });
    const peek = new Database(join(dir, 'shop.db'), { readonly: true });
    const kept = cursorOf(peek, 'customers')!;
    peek.close();
    expect(canceled!.stats.pulled).toBe(kept);
    expect(Date.parse(canceled!.finishedAt!)).toBeGreaterThanOrEqual(interruptedAt - 1000);

    const second = await syncUntilHalfway(dir, kept);
    second.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await second.exited).toBe('SIGKILL');
    const [killed] = await runs();
    expect(killed!.id).toBe(canceled!.id + 1);
    expect(killed).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^interrupted: the process running it ended/) });
    expect(killed!.stats.pulled).toBeGreaterThan(0);
    expect(Date.parse(killed!.finishedAt!)).toBeLessThanOrEqual(killedAt);

    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
    const [done, recorded] = await runs();
    expect(done).toMatchObject({ status: 'DONE' });
    expect(recorded).toMatchObject({ id: killed!.id, status: 'FAILED', finishedAt: killed!.finishedAt, stats: { pulled: killed!.stats.pulled } });
    const shop = new Database(join(dir, 'shop.db'), { readonly: true });
    expect(cursorOf(shop, 'customers')).toBe(TOTAL);
    expect(count(shop, 'customers')).toBe(TOTAL);
    shop.close();
  } finally {
    await hub.stop();
  }
}, 180_000);
