import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../helpers/child.js';
import { dovetail } from '../helpers/cli.js';
import { startHub, test, waitFor } from '../helpers/fixtures.js';
import { seedRows } from '../helpers/seed.js';

const CUSTOMERS = [{ name: 'customers', direction: 'both', create: { columns: { id: 'TEXT NOT NULL', first_name: 'TEXT' } } }];
const writeConfig = (dir: string, url: string, apiKey: string) =>
  writeFileSync(join(dir, 'dovetail.json'), JSON.stringify({ hub: { url, apiKey, timeoutMs: 1000 }, database: { type: 'sqlite', path: 'shop.db' }, entities: CUSTOMERS }));

test('what an operator reads: counts with separators, percent of a first load, one cause per failure, no JSON on stderr', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    await seedRows(hub, 'customers', 3000, (i) => ({ id: `c${i}`, first_name: `Customer ${i}` }), { prefix: 'c' });
    writeConfig(dir, hub.url, await hub.nodeKey());
    const first = await dovetail(['sync'], { cwd: dir, env: { LC_ALL: 'en_US.UTF-8', LANG: 'en_US.UTF-8' } });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/✓ pull:customers +\[█{20}\] 3,000\/3,000 100%/);
    expect(first.stdout).toMatch(/DONE in [\d.]+ (ms|s) \(run #1\): pushed 0, pulled 3,000, conflicts 0, rejected 0/);
    expect(first.stderr).toBe('');
  } finally {
    await hub.stop();
  }
  // The hub is gone: the cause is printed once, and nothing but people's text reaches stderr.
  const down = await dovetail(['sync'], { cwd: dir });
  expect(down.code).toBe(1);
  const cause = /network: [^\n]*/.exec(down.stdout)?.[0];
  expect(cause).toBeDefined();
  expect(down.stdout.split(cause!).length - 1).toBe(1);
  expect(down.stdout).toMatch(/- pull:customers +0 rows {2}\(same\)/);
  expect(down.stderr).not.toMatch(/^\{/m);
}, 120_000);

test('status tells whether an agent runs (pid, since, connection, live, console) and pause speaks local time; run logs each finished run', async ({ dir }) => {
  const hub = await startHub(dir);
  writeConfig(dir, hub.url, await hub.nodeKey());
  expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
  expect((await dovetail(['status'], { cwd: dir })).stdout).toMatch(/agent: +not running/);
  const agent = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dovetail.js'), 'run', '--console'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  agent.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  agent.stderr.resume();
  const exited = new Promise((resolve) => agent.on('close', resolve));
  try {
    await waitFor(() => out.includes('agent running'), 30_000, 'the agent to start');
    await waitFor(() => /"msg":"run #\d+ DONE \(startup\): 0 pushed, 0 pulled, 0 conflicts in \d+ ms"/.test(out), 10_000, 'the start-up run to be logged');
    await waitFor(async () => (await dovetail(['status'], { cwd: dir })).stdout.includes('connection:  online'), 20_000, 'online in status');
    const status = await dovetail(['status'], { cwd: dir });
    expect(status.stdout).toMatch(new RegExp(`agent: +running, pid ${agent.pid}, since \\d\\d:\\d\\d \\(`));
    expect(status.stdout).toMatch(/live: +connected/);
    expect(status.stdout).toMatch(/console: +http:\/\/127\.0\.0\.1:\d+\/ \(`dovetail console` prints a login link\)/);

    const paused = await dovetail(['pause', '--for', '15m'], { cwd: dir });
    const until = new Date(Date.now() + 15 * 60_000);
    const clock = `${String(until.getHours()).padStart(2, '0')}:${String(until.getMinutes()).padStart(2, '0')}`;
    expect(paused.stdout.trim()).toMatch(new RegExp(`^paused until (tomorrow )?(${clock}|\\d\\d:\\d\\d)$`));
    expect((await dovetail(['status'], { cwd: dir })).stdout).toMatch(/connection: +paused until (tomorrow )?\d\d:\d\d/);
  } finally {
    agent.kill('SIGTERM');
    await exited;
    await hub.stop();
  }
}, 180_000);
