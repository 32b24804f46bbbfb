import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { agentTables } from '../../src/core/agent-tables.js';
import { acquireEngineLock } from '../../src/core/engine-lock.js';
import { REPO_ROOT } from '../helpers/child.js';
import { dovetail } from '../helpers/cli.js';
import { ENTITIES, instanceConfig, openEngine, startHub, test, waitFor } from '../helpers/fixtures.js';
import { openPos } from '../helpers/local-db.js';

function start(args: string[], cwd: string) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dovetail.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d));
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, out, exited };
}

test('one sync engine per database: a second sync waits (or --no-wait exits 1); every sync variant is handed to a running agent; a second agent refuses', async ({ dir }) => {
  const hub = await startHub(dir);
  const apiKey = await hub.nodeKey();
  writeFileSync(join(dir, 'dovetail.json'), JSON.stringify({ hub: { url: hub.url, apiKey }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }));
  try {
    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
    const pos = openPos(join(dir, 'shop.db'));
    pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();

    // Another one-shot sync holds the database (this process, as `dovetail sync` would).
    const engine = await openEngine(instanceConfig({ dbPath: join(dir, 'shop.db'), url: hub.url, apiKey, entities: ENTITIES }));
    const held = await acquireEngineLock(engine.db, agentTables('sync_'), 'dovetail sync', { wait: false });
    const refused = await dovetail(['sync', '--no-wait'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`the database is in use by dovetail sync (pid ${process.pid}`);
    const waiting = start(['sync', '--json'], dir);
    await waitFor(() => waiting.out.stderr.includes('[default] waiting: the database is in use by dovetail sync'), 20_000, 'the second sync to wait');
    await held.release();
    expect(await waiting.exited).toBe(0);
    expect((JSON.parse(waiting.out.stdout) as { stats: { pushed: number } }[])[0]!.stats.pushed).toBe(1);
    await engine.close();

    // A running agent: `sync --only … --direction …` goes to it instead of opening the database.
    const agent = start(['run'], dir);
    try {
      await waitFor(() => agent.out.stdout.includes('agent running'), 30_000, 'the agent to start');
      const handed = await dovetail(['sync', '--direction', 'pull', '--only', 'customers', '--json'], { cwd: dir });
      expect(handed.code).toBe(0);
      const [summary] = JSON.parse(handed.stdout) as { instance: string; modules: Record<string, unknown> }[];
      expect(Object.keys(summary!.modules)).toEqual(['pull:customers']);
      const human = await dovetail(['sync', '--direction', 'push'], { cwd: dir });
      expect(human.stdout).toMatch(/\(by the running agent\)/);

      // A second agent on the same database (another config file naming it) refuses.
      mkdirSync(join(dir, 'other'));
      writeFileSync(
        join(dir, 'other', 'dovetail.json'),
        JSON.stringify({ hub: { url: hub.url, apiKey }, database: { type: 'sqlite', path: join(dir, 'shop.db') }, entities: ENTITIES }),
      );
      const second = await dovetail(['run'], { cwd: join(dir, 'other') });
      expect(second.code).not.toBe(0);
      expect(second.stderr).toMatch(/the database is in use by dovetail run \(pid \d+/);
    } finally {
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
    }
    pos.close();
  } finally {
    await hub.stop();
  }
}, 180_000);
