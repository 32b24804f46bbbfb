import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SqliteHubStore } from '../../src/hub/sqlite-hub-store.js';
import { dovetail } from '../helpers/cli.js';
import { test } from '../helpers/fixtures.js';

test('hub keys create prints only the key on stdout; list shows it; revoke revokes it', async ({ dir }) => {
  const db = join(dir, 'hub.db');
  const init = await dovetail(['hub', 'init', '--db', db], { cwd: dir });
  expect(init.code).toBe(0);
  expect(init.stdout).toBe(`hub database ${db} created\n`);
  expect((await dovetail(['hub', 'init', '--db', db], { cwd: dir })).stdout).toMatch(/already exists; nothing changed/);
  const created = await dovetail(['hub', 'keys', 'create', '--scope', 'shop-1', '--name', 'centro-pos', '--db', db], { cwd: dir });
  expect(created.code).toBe(0);
  const lines = created.stdout.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  const key = lines[0]!;
  expect(key).toMatch(/^dvt_[0-9a-f]{12}_[A-Za-z0-9_-]{20,64}$/);
  expect(created.stdout).toBe(`${key}\n`);
  const keyId = key.split('_')[1]!;
  // What the key is for goes to stderr, so `KEY=$(dovetail hub keys create …)` captures the key alone.
  expect(created.stderr).toContain(keyId);
  expect(created.stderr).not.toContain(key);
  expect(created.stderr).toContain(`hub database: ${db}`);

  const admin = await dovetail(['hub', 'keys', 'create', '--scope', '*', '--name', 'backend', '--admin', '--db', db], { cwd: dir });
  expect(admin.code).toBe(0);

  const list = await dovetail(['hub', 'keys', 'list', '--db', db, '--json'], { cwd: dir });
  expect(list.code).toBe(0);
  const keys = JSON.parse(list.stdout) as { keyId: string; role: string; scope: string; name: string; revokedAt: string | null }[];
  expect(keys.map((k) => [k.role, k.scope, k.name, k.revokedAt])).toEqual([
    ['node', 'shop-1', 'centro-pos', null],
    ['admin', '*', 'backend', null],
  ]);
  expect(keys[0]!.keyId).toBe(keyId);
  expect(list.stdout).not.toContain(key);

  const table = await dovetail(['hub', 'keys', 'list', '--db', db], { cwd: dir });
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(new RegExp(`${keyId}\\s+node\\s+shop-1\\s+centro-pos`));

  const store = new SqliteHubStore(db);
  try {
    expect(await store.lookupKey(key)).toMatchObject({ status: 'ok', principal: { role: 'node', scope: 'shop-1', name: 'centro-pos' } });
    const revoked = await dovetail(['hub', 'keys', 'revoke', keyId, '--db', db], { cwd: dir });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(keyId);
    expect(await store.lookupKey(key)).toEqual({ status: 'revoked' });
    const again = await dovetail(['hub', 'keys', 'revoke', keyId, '--db', db], { cwd: dir });
    expect(again.code).toBe(1);
  } finally {
    await store.close();
  }
}, 120_000);

test('hub keys usage errors exit 2', async ({ dir }) => {
  const db = join(dir, 'hub.db');
  const noScope = await dovetail(['hub', 'keys', 'create', '--name', 'x', '--db', db], { cwd: dir });
  expect(noScope.code).toBe(2);
  expect(noScope.stderr).toMatch(/--scope/);
  const star = await dovetail(['hub', 'keys', 'create', '--scope', '*', '--name', 'x', '--db', db], { cwd: dir });
  expect(star.code).toBe(2);
  expect(star.stderr).toMatch(/--admin/);
  expect(star.stdout).toBe('');
  const action = await dovetail(['hub', 'keys', 'rotate', '--db', db], { cwd: dir });
  expect(action.code).toBe(2);
}, 120_000);

test('hub keys on a missing or misspelt --db refuse, naming the path, and create nothing', async ({ dir }) => {
  const typo = join(dir, 'hbu.db');
  for (const args of [
    ['create', '--scope', 'shop-1', '--name', 'pos'],
    ['list'],
    ['revoke', '0123456789ab'],
  ]) {
    const result = await dovetail(['hub', 'keys', ...args, '--db', typo], { cwd: dir });
    expect(result.code, args[0]).toBe(2);
    expect(result.stderr).toContain(`hub database ${typo} does not exist`);
    expect(result.stderr).toContain(`dovetail hub init --db ${typo}`);
    expect(result.stdout).toBe('');
    expect(existsSync(typo)).toBe(false);
  }
  const noDefault = await dovetail(['hub', 'keys', 'list'], { cwd: dir });
  expect(noDefault.code).toBe(2);
  expect(noDefault.stderr).toContain(join(dir, 'dovetail-hub.db'));
  expect(existsSync(join(dir, 'dovetail-hub.db'))).toBe(false);
}, 120_000);
