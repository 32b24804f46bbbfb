import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { dovetail, npmRun } from '../helpers/cli.js';
import { ENTITIES, startHub, test } from '../helpers/fixtures.js';
import { adminPut, cursorOf, openPos, outboxRows } from '../helpers/local-db.js';

interface JsonSummary {
  instance: string;
  status: string;
  stats: { pushed: number; pulled: number };
  errorCode: string | null;
}

test('sync --json, status --json, reset all and sync --only against a real hub', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({ hub: { url: hub.url, apiKey: await hub.nodeKey() }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }),
    );
    await adminPut(hub.url, await hub.adminKey(), 'customers', 'c1', { id: 'c1', first_name: 'Ana' });
    // A read-only command does not create the database; the first sync does.
    expect((await dovetail(['status'], { cwd: dir })).code).toBe(2);
    expect((await dovetail(['sync', '--direction', 'push'], { cwd: dir })).code).toBe(0);
    const pos = openPos(join(dir, 'shop.db'));
    try {
      pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();

      const sync = await dovetail(['sync', '--json'], { cwd: dir });
      expect(sync.code).toBe(0);
      const summaries = JSON.parse(sync.stdout) as JsonSummary[];
      expect(summaries).toHaveLength(1);
      expect(summaries[0]).toMatchObject({ instance: 'default', status: 'DONE', stats: { pushed: 1, pulled: 1 }, errorCode: null });
      expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ id: 'p1', name: 'Pizza', price: 10 });
      expect(pos.prepare("SELECT first_name FROM customers WHERE id = 'c1'").get()).toEqual({ first_name: 'Ana' });

      const status = await dovetail(['status', '--json'], { cwd: dir });
      expect(status.code).toBe(0);
      const [state] = JSON.parse(status.stdout) as {
        instance: string;
        outbox: { pending: number; failed: number };
        cursors: { entity: string; cursor: number }[];
        migrations: { id: string }[];
        lastRun: { status: string } | null;
      }[];
      expect(state).toMatchObject({ instance: 'default', outbox: { pending: 0, failed: 0 }, lastRun: { status: 'DONE' } });
      expect(state!.cursors.find((c) => c.entity === 'customers')?.cursor).toBe(1);
      expect(state!.migrations.length).toBeGreaterThan(0);

      const reset = await dovetail(['reset', 'all'], { cwd: dir });
      expect(reset.code).toBe(0);
      expect(cursorOf(pos, 'customers')).toBe(0);

      const only = await dovetail(['sync', '--only', 'nope'], { cwd: dir });
      expect(only.code).toBe(2);
      expect(only.stderr).toMatch(/"nope"/);
      const resetNope = await dovetail(['reset', 'nope'], { cwd: dir });
      expect(resetNope.code).toBe(2);
      expect(resetNope.stderr).toMatch(/"nope"/);
    } finally {
      pos.close();
    }
  } finally {
    await hub.stop();
  }
}, 180_000);

test('sync exits 1 with the error code in its JSON when the hub refuses the key; the outbox is kept', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({ hub: { url: hub.url, apiKey: 'dvt_000000000000_wrongwrongwrongwrongwrong' }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }),
    );
    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(1);
    const pos = openPos(join(dir, 'shop.db'));
    try {
      pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
      const sync = await dovetail(['sync', '--json'], { cwd: dir });
      expect(sync.code).toBe(1);
      expect((JSON.parse(sync.stdout) as JsonSummary[])[0]).toMatchObject({ status: 'FAILED', errorCode: 'auth' });
      expect(outboxRows(pos).map((r) => [r.row_key, r.status])).toEqual([['p1', 'pending']]);
    } finally {
      pos.close();
    }
  } finally {
    await hub.stop();
  }
}, 120_000);

test('resync re-pulls everything and keeps an unpushed local change: it ends up on the hub', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    writeFileSync(
      join(dir, 'dovetail.json'),
      JSON.stringify({ hub: { url: hub.url, apiKey: await hub.nodeKey() }, database: { type: 'sqlite', path: 'shop.db' }, entities: ENTITIES }),
    );
    const admin = await hub.adminKey();
    await adminPut(hub.url, admin, 'customers', 'c1', { id: 'c1', first_name: 'Ana', email: 'ana@example.com' });
    await adminPut(hub.url, admin, 'customers', 'c2', { id: 'c2', first_name: 'Bruno' });
    expect((await dovetail(['sync'], { cwd: dir })).code).toBe(0);
    const pos = openPos(join(dir, 'shop.db'));
    try {
      // Local edits not yet pushed, and a row lost locally that the re-pull restores.
      pos.prepare("UPDATE customers SET first_name = 'Ana Maria' WHERE id = 'c1'").run();
      pos.prepare("INSERT INTO products (id, name, price) VALUES ('p1', 'Pizza', 10)").run();
      pos.transaction(() => {
        // As if restored from an old backup: gone without the agent hearing of it (capture off).
        pos.prepare('INSERT INTO sync_capture_off (flag) VALUES (1)').run();
        pos.prepare("DELETE FROM customers WHERE id = 'c2'").run();
        pos.prepare("DELETE FROM sync_rows WHERE row_key = 'c2'").run();
        pos.prepare('DELETE FROM sync_capture_off').run();
      })();

      const resync = await dovetail(['resync', '--json'], { cwd: dir });
      expect(resync.code).toBe(0);
      expect((JSON.parse(resync.stdout) as JsonSummary[])[0]).toMatchObject({ status: 'DONE' });

      expect((await hub.store.adminGet('shop-1', 'customers', 'c1'))?.data).toMatchObject({ first_name: 'Ana Maria', email: 'ana@example.com' });
      expect((await hub.store.adminGet('shop-1', 'products', 'p1'))?.data).toEqual({ id: 'p1', name: 'Pizza', price: 10 });
      expect(pos.prepare('SELECT id, first_name FROM customers ORDER BY id').all()).toEqual([
        { id: 'c1', first_name: 'Ana Maria' },
        { id: 'c2', first_name: 'Bruno' },
      ]);
      expect(outboxRows(pos)).toEqual([]);
    } finally {
      pos.close();
    }
  } finally {
    await hub.stop();
  }
}, 120_000);

test('sync --instance NAME syncs only that instance of a two-instance config, also through the npm alias', async ({ dir }) => {
  const hub = await startHub(dir);
  try {
    // One hub, two shops (scopes), each with its own key and database file.
    const instance = (name: string, key: string) => ({ name, hub: { apiKey: key }, database: { type: 'sqlite', path: `${name}.db` }, entities: ENTITIES });
    const centro = await hub.nodeKey('centro', 'centro-pos');
    const norte = await hub.nodeKey('norte', 'norte-pos');
    const configPath = join(dir, 'dovetail.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        hub: { url: hub.url },
        instances: [instance('centro', centro), instance('norte', norte)],
      }),
    );
    const admin = await hub.adminKey();
    await adminPut(hub.url, admin, 'orders', 'o-centro', { id: 'o-centro', total: 1 }, 'centro');
    await adminPut(hub.url, admin, 'orders', 'o-norte', { id: 'o-norte', total: 2 }, 'norte');

    const norteOnly = await dovetail(['sync', '--instance', 'norte', '--json'], { cwd: dir });
    expect(norteOnly.code).toBe(0);
    const summaries = JSON.parse(norteOnly.stdout) as JsonSummary[];
    expect(summaries.map((s) => [s.instance, s.status, s.stats.pulled])).toEqual([['norte', 'DONE', 1]]);
    expect(existsSync(join(dir, 'centro.db'))).toBe(false);
    const norteDb = openPos(join(dir, 'norte.db'));
    try {
      expect(norteDb.prepare('SELECT id FROM orders').all()).toEqual([{ id: 'o-norte' }]);
    } finally {
      norteDb.close();
    }

    const unknown = await dovetail(['sync', '--instance', 'sul'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"sul".*centro, norte/);

    // The seeds' alias: npm run sync:local:instance -- NAME
    const alias = await npmRun('sync:local:instance', ['centro', '--config', configPath, '--json']);
    expect(alias.code).toBe(0);
    const centroDb = openPos(join(dir, 'centro.db'));
    try {
      expect(centroDb.prepare('SELECT id FROM orders').all()).toEqual([{ id: 'o-centro' }]);
      expect(centroDb.prepare('SELECT COUNT(*) AS n FROM sync_runs').get()).toEqual({ n: 1 });
    } finally {
      centroDb.close();
    }
  } finally {
    await hub.stop();
  }
}, 180_000);
