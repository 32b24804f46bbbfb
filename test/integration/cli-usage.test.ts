import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { dovetail } from '../helpers/cli.js';
import { ENTITIES, test } from '../helpers/fixtures.js';

const config = (entities: unknown[]) => ({
  hub: { url: 'http://127.0.0.1:9', apiKey: 'dvt_00000000000b_unusedunusedunusedunused' },
  database: { type: 'sqlite', path: 'shop.db' },
  entities,
});

test('no command, an unknown command and a bad flag exit 2 with a message saying what was wrong', async ({ dir }) => {
  const none = await dovetail([], { cwd: dir });
  expect(none.code).toBe(2);
  expect(none.stdout + none.stderr).toMatch(/Usage:/);

  const unknown = await dovetail(['synk'], { cwd: dir });
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/unknown command "synk"/);

  writeFileSync(join(dir, 'dovetail.json'), JSON.stringify(config(ENTITIES)));
  const flag = await dovetail(['sync', '--bogus'], { cwd: dir });
  expect(flag.code).toBe(2);
  expect(flag.stderr).toMatch(/--bogus/);

  const direction = await dovetail(['sync', '--direction', 'sideways'], { cwd: dir });
  expect(direction.code).toBe(2);
  expect(direction.stderr).toMatch(/--direction/);

  const help = await dovetail(['--help'], { cwd: dir });
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/Exit codes/);
  for (const args of [['status', '--help'], ['hub', 'keys', 'create', '-h']]) {
    const one = await dovetail(args, { cwd: dir });
    expect(one.code, args.join(' ')).toBe(0);
    expect(one.stdout).toMatch(/^Usage: dovetail /);
    expect(one.stdout).toMatch(/\nExample: dovetail /);
  }
}, 120_000);

test('a bad or missing config exits 2 naming the field or the file', async ({ dir }) => {
  const missing = await dovetail(['status'], { cwd: dir });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/dovetail\.json not found/);

  const entities = structuredClone(ENTITIES) as Record<string, unknown>[];
  entities[1]!.direction = 'sideways';
  writeFileSync(join(dir, 'dovetail.json'), JSON.stringify(config(entities)));
  const bad = await dovetail(['status'], { cwd: dir });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('entities[1].direction');
  expect(bad.stderr).toContain('dovetail.json');

  writeFileSync(join(dir, 'other.json'), '{ "hub": ');
  const json = await dovetail(['sync', '--config', 'other.json'], { cwd: dir });
  expect(json.code).toBe(2);
  expect(json.stderr).toMatch(/other\.json is not valid JSON/);

  writeFileSync(join(dir, 'plain.json'), JSON.stringify({ ...config(ENTITIES), hub: { url: 'http://hub.example.com', apiKey: 'dvt_0000000000b3_kkkkkkkkkkkkkkkkkkkkkkkk' } }));
  const plain = await dovetail(['status', '--config', 'plain.json'], { cwd: dir });
  expect(plain.code).toBe(2);
  expect(plain.stderr).toMatch(/hub\.url.*https/);

  // The environment can supply what the file lacks, and is validated too.
  writeFileSync(join(dir, 'nohub.json'), JSON.stringify({ database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }));
  const env = await dovetail(['status', '--config', 'nohub.json', '--json'], {
    cwd: dir,
    env: { REMOTE_API_URL: 'http://127.0.0.1:9', REMOTE_API_KEY: 'dvt_00000000000e_fromtheenvironmentvariable' },
  });
  // The config is accepted: what stops it is the shop database no sync has created yet.
  expect(env.code).toBe(2);
  expect(env.stderr).toMatch(/shop\.db does not exist/);
  const badEnv = await dovetail(['status', '--config', 'nohub.json'], { cwd: dir, env: { REMOTE_API_URL: 'http://10.1.2.3', REMOTE_API_KEY: 'dvt_0000000000b3_kkkkkkkkkkkkkkkkkkkkkkkk' } });
  expect(badEnv.code).toBe(2);
  expect(badEnv.stderr).toMatch(/hub\.url/);
}, 120_000);

test('a database or hub path whose folder does not exist: the path and the fix, exit 2, nothing created', async ({ dir }) => {
  writeFileSync(join(dir, 'dovetail.json'), JSON.stringify({ ...config(ENTITIES), database: { type: 'sqlite', path: 'nope/shop.db' } }));
  const sync = await dovetail(['sync'], { cwd: dir });
  expect(sync.code).toBe(2);
  expect(sync.stderr).toContain(`database.path: folder ${join(dir, 'nope')} does not exist (for ${join(dir, 'nope', 'shop.db')}): create it (mkdir -p ${join(dir, 'nope')})`);
  const hub = await dovetail(['hub', '--db', join(dir, 'nope', 'hub.db'), '--port', '0'], { cwd: dir });
  expect(hub.code).toBe(2);
  expect(hub.stderr).toContain(`--db: folder ${join(dir, 'nope')} does not exist`);
  expect(existsSync(join(dir, 'nope'))).toBe(false);
}, 60_000);
