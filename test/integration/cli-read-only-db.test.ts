import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { dovetail } from '../helpers/cli.js';
import { ENTITIES, startHub, test } from '../helpers/fixtures.js';

// Root writes through permission bits, so the file is made immutable (ext4 `chattr +i`): for
// every user, root included, it cannot be written.
test('a read-only shop database: sync names the file and the fix (exit 2); status still reads it', async ({ dir }) => {
  const hub = await startHub(dir);
  const db = join(dir, 'shop.db');
  try {
    writeFileSync(join(dir, 'dovetail.json'), JSON.stringify({ hub: { url: hub.url, apiKey: await hub.nodeKey() }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }));
    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
    execFileSync('chattr', ['+i', db]);
    try {
      const sync = await dovetail(['sync'], { cwd: dir });
      expect(sync.code).toBe(2);
      expect(sync.stderr).toContain(`cannot write ${db}: the file ${db} is read-only for this user; fix its owner or permissions`);
      const status = await dovetail(['status'], { cwd: dir });
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/last run: +#1 DONE/);
    } finally {
      execFileSync('chattr', ['-i', db]);
    }
  } finally {
    await hub.stop();
  }
}, 60_000);
