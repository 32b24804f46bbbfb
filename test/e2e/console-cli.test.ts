import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { dovetail } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/child.js';
import { startHub, test, waitFor } from '../helpers/fixtures.js';

/**
 * `dovetail run --console` as a user starts it: the login link on stderr, the control file shared
 * with `dovetail console` (a new link each time), and one server for both; SIGTERM ends it cleanly.
 */
describe('dovetail run --console', { timeout: 60_000 }, () => {
  test('prints a one-time link; `dovetail console` prints a new one; the CLI control API still works', async ({ dir }) => {
    const hub = await startHub(dir);
    const config = join(dir, 'dovetail.json');
    writeFileSync(
      config,
      JSON.stringify({
        hub: { url: hub.url, apiKey: await hub.nodeKey() },
        database: { type: 'sqlite', path: join(dir, 'shop.db') },
        entities: [{ name: 'products', direction: 'push', create: { columns: { id: 'TEXT NOT NULL', name: 'TEXT' } } }],
      }),
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = { ...process.env, DOVETAIL_RUNTIME_DIR: dir };
    delete env.DOVETAIL_CONFIG;
    const agent = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dovetail.js'), 'run', '--config', config, '--console'], { cwd: dir, env });
    let stderr = '';
    agent.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    agent.stdout.resume();
    const exited = new Promise<number | null>((resolve) => agent.on('close', resolve));
    try {
      const first = await waitFor(() => /Dovetail console: (http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+)/.exec(stderr)?.[1], 20_000, 'the console link');
      const login = await fetch(first, { redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
      expect((await fetch(first, { redirect: 'manual' })).status).toBe(401);

      const again = await dovetail(['console', '--config', config], { cwd: dir, env: { DOVETAIL_RUNTIME_DIR: dir } });
      expect(again.code).toBe(0);
      const second = again.stdout.trim();
      expect(second).toMatch(new RegExp(`^${first.split('/login')[0]}/login\\?token=`));
      expect(second).not.toBe(first);
      expect((await fetch(second, { redirect: 'manual' })).status).toBe(303);

      const paused = await dovetail(['pause', '--for', '15m', '--config', config], { cwd: dir, env: { DOVETAIL_RUNTIME_DIR: dir } });
      expect(paused.stdout).toMatch(/^paused until /);
    } finally {
      agent.kill('SIGTERM');
      expect(await exited).toBe(0);
      await hub.stop();
    }
    const none = await dovetail(['console', '--config', config], { cwd: dir, env: { DOVETAIL_RUNTIME_DIR: dir } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no running agent');
  });
});
