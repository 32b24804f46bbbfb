import mysql from 'mysql2/promise';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { dovetail } from '../helpers/cli.js';
import { startHub, test } from '../helpers/fixtures.js';
import { MYSQL } from '../helpers/local-store.js';
import { seedRows } from '../helpers/seed.js';

test('the WPP replica profile: per-tenant MariaDB tables created and filled, one instance at a time, soft delete, reset', { timeout: 180_000 }, async ({ dir }) => {
  const hub = await startHub(dir, { rateLimit: false });
  const suffix = randomBytes(4).toString('hex');
  const databases = { exatron: `dovetail_wpp_exatron_${suffix}`, nunes: `dovetail_wpp_nunes_${suffix}` };
  const admin = await mysql.createConnection(MYSQL);
  try {
    for (const name of Object.values(databases)) await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    const profile = JSON.parse(readFileSync(new URL('../../examples/wpp.json', import.meta.url), 'utf8')) as {
      hub: { url: string };
      instances: { name: 'exatron' | 'nunes'; hub: { apiKey: string }; database: { database: string } }[];
    };
    profile.hub.url = hub.url;
    for (const instance of profile.instances) {
      instance.hub.apiKey = await hub.nodeKey(instance.name, `${instance.name}-local`);
      instance.database.database = databases[instance.name];
    }
    const configPath = join(dir, 'wpp.json');
    writeFileSync(configPath, JSON.stringify(profile));

    await seedRows(hub, 'contacts', 150, (i) => ({ id: i, instance: 'exatron', name: `Contato ${i}`, phone: `5511${i}`, customer_id: null }), {
      prefix: '',
      scope: 'exatron',
    });
    const chat = (i: number) => ({ id: i, instance: 'exatron', type: 'whatsapp', contact_id: i, started_at: '2026-02-03T10:00:00.000Z', is_finished: 0 });
    const message = (i: number) => ({ id: i, instance: 'exatron', chat_id: 1 + (i % 40), from_me: i % 2, body: `msg ${i}`, created_at: '2026-02-03 10:00:00' });
    await seedRows(hub, 'chats', 40, chat, { prefix: '', scope: 'exatron', source: 'seeder-chats' });
    await seedRows(hub, 'messages', 500, message, { prefix: '', scope: 'exatron', source: 'seeder-messages' });

    const run = await dovetail(['sync', '--config', configPath, '--instance', 'exatron'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/summary: 150 contacts, 0 contact_sectors, 40 chats, 500 messages/);

    const exatron = await mysql.createConnection({ ...MYSQL, database: databases.exatron, dateStrings: true });
    const count = async (table: string) => ((await exatron.query(`SELECT COUNT(*) AS n FROM ${table}`))[0] as { n: number }[])[0]!.n;
    expect(await count('wpp_contacts')).toBe(150);
    expect(await count('wpp_chats')).toBe(40);
    // The hub's ISO time fits the seed's DATETIME column (strict mode refuses ISO text as is).
    expect((await exatron.query('SELECT started_at FROM wpp_chats WHERE id = 1'))[0]).toEqual([{ started_at: '2026-02-03 10:00:00' }]);
    expect(await count('wpp_messages')).toBe(500);
    const [columns] = await exatron.query("SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'wpp_chats' AND COLUMN_NAME = 'bot_id'");
    expect(columns).toHaveLength(1);
    const [recorded] = await exatron.query("SELECT id FROM sync_migrations WHERE id = '2026-02-03-001-add-bot-id-column'");
    expect(recorded).toHaveLength(1);
    const [nunesTables] = await admin.query('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [databases.nunes]);
    expect(nunesTables).toHaveLength(0);

    // A message deleted upstream is kept as is_deleted = 1 (seed 000).
    const deleter = await hub.adminKey('exatron');
    const del = await fetch(`${hub.url}/v1/admin/scopes/exatron/entities/messages/rows/7`, { method: 'DELETE', headers: { 'x-api-key': deleter } });
    expect(del.status).toBe(200);
    expect((await dovetail(['sync', '--config', configPath, '--instance', 'exatron'], { cwd: dir })).code).toBe(0);
    expect((await exatron.query('SELECT is_deleted FROM wpp_messages WHERE id = 7'))[0]).toEqual([{ is_deleted: 1 }]);

    // seed 001's resetSyncState('messages'): the next sync pulls messages again, nothing else.
    expect((await dovetail(['reset', 'messages', '--config', configPath, '--instance', 'exatron'], { cwd: dir })).code).toBe(0);
    const again = await dovetail(['sync', '--config', configPath, '--instance', 'exatron'], { cwd: dir });
    expect(again.stdout).toMatch(/summary: 0 contacts, 0 contact_sectors, 0 chats, 500 messages/);
    expect(await count('wpp_messages')).toBe(500);
    await exatron.end();
  } finally {
    for (const name of Object.values(databases)) await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
    await hub.stop();
  }
});
