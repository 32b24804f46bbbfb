import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/core/config.js';
import { ConfigError } from '../../../src/core/errors.js';
import { test } from '../../helpers/fixtures.js';

const entities = [
  { name: 'products', direction: 'push', create: { columns: { id: 'TEXT NOT NULL', name: 'TEXT' } } },
  { name: 'orders', direction: 'pull' },
];
const base = () => ({
  hub: { url: 'https://hub.example.com', apiKey: 'dvt_00000000000f_keykeykeykeykeykeykeykey' },
  database: { type: 'sqlite', path: 'shop.db' },
  entities: structuredClone(entities),
});

/** The ConfigError message `fn` throws. */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  test('resolves a minimal file: one "default" instance, defaults filled, paths made absolute', () => {
    const config = parseConfig(base(), { baseDir: '/srv/shop' });
    expect(config.instances).toHaveLength(1);
    const [instance] = config.instances;
    expect(instance).toMatchObject({
      name: 'default',
      database: { type: 'sqlite', path: '/srv/shop/shop.db' },
      hub: { url: 'https://hub.example.com', apiKey: 'dvt_00000000000f_keykeykeykeykeykeykeykey', timeoutMs: 30_000 },
      tablePrefix: 'sync_',
    });
    expect(instance!.entities.map((e) => [e.name, e.table, e.key, e.direction])).toEqual([
      ['products', 'products', ['id'], 'push'],
      ['orders', 'orders', ['id'], 'pull'],
    ]);
    expect(config.sync).toMatchObject({ intervalMinutes: 5, pushBatchSize: 1000, pullPageSize: 2000, debug: false });
    expect(Object.isFrozen(config)).toBe(true);
  });

  const spoilers: [string, (c: Record<string, unknown> & ReturnType<typeof base>) => void][] = [
    ['entities[1].direction', (c) => void ((c.entities[1] as Record<string, unknown>).direction = 'sideways')],
    ['entities[0].name', (c) => void ((c.entities[0] as Record<string, unknown>).name = 'Bad Name')],
    ['entities[0].create.columns.name', (c) => void (c.entities[0]!.create!.columns.name = 'TEXT; DROP TABLE x')],
    ['entities[1].key', (c) => void ((c.entities[1] as Record<string, unknown>).key = 'id"; --')],
    ['hub.timeoutMs', (c) => void ((c.hub as Record<string, unknown>).timeoutMs = 'soon')],
    ['database.type', (c) => void ((c.database as Record<string, unknown>).type = 'oracle')],
    ['sync.pullPageSize', (c) => void (c.sync = { pullPageSize: 0 })],
  ];
  test.for(spoilers)('names the bad field %s', ([field, spoil]) => {
    const config: Record<string, unknown> & ReturnType<typeof base> = base();
    spoil(config);
    expect(configError(() => parseConfig(config, { baseDir: '/' }))).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}:`));
  });

  test('names an unknown key and where it is', () => {
    const config = base();
    (config.entities[0] as Record<string, unknown>).tabel = 'products';
    expect(configError(() => parseConfig(config, { baseDir: '/' }))).toMatch(/^entities\[0\].*"tabel"/);
  });

  test('names missing and inconsistent parts', () => {
    const { database: _d, ...noDatabase } = base();
    expect(configError(() => parseConfig(noDatabase, { baseDir: '/' }))).toMatch(/^database: required/);
    const { hub: _h, ...noHub } = base();
    expect(configError(() => parseConfig(noHub, { baseDir: '/' }))).toMatch(/^hub\.url: required/);
    const dup = base();
    dup.entities.push({ name: 'products', direction: 'push', create: { columns: { id: 'TEXT', name: 'TEXT' } } });
    expect(configError(() => parseConfig(dup, { baseDir: '/' }))).toMatch(/^entities\[2\]\.name: duplicate entity "products"/);
    const keyless = base();
    keyless.entities[0]!.create!.columns = { name: 'TEXT' } as never;
    expect(configError(() => parseConfig(keyless, { baseDir: '/' }))).toMatch(/^entities\[0\]\.create\.columns: missing key column "id"/);
    const fillPush = base();
    (fillPush.entities[0] as Record<string, unknown>).fill = { n: 'daily-sequence' };
    expect(configError(() => parseConfig(fillPush, { baseDir: '/' }))).toMatch(/^entities\[0\]\.fill:/);
  });

  test.for([
    ['http://hub.example.com', false],
    ['http://10.0.0.5:8787', false],
    ['http://127.0.0.1.example.com', false],
    ['http://127.attacker.example', false],
    ['ftp://hub.example.com', false],
    ['http://127.0.0.1:8787', true],
    ['http://localhost:8787', true],
    ['http://[::1]:8787', true],
    ['https://hub.example.com', true],
  ] as const)('hub url %s allowed: %s (plain http only to loopback)', ([url, allowed]) => {
    const config = { ...base(), hub: { url, apiKey: 'dvt_0000000000b3_kkkkkkkkkkkkkkkkkkkkkkkk' } };
    if (allowed) expect(parseConfig(config, { baseDir: '/' }).instances[0]!.hub.url).toBe(url);
    else expect(configError(() => parseConfig(config, { baseDir: '/' }))).toMatch(/^hub\.url: .*(https|not a URL)/);
  });

  test('env overrides: REMOTE_API_URL, REMOTE_API_KEY, SYNC_INTERVAL_MINUTES, SYNC_DEBUG', () => {
    const config = parseConfig(base(), {
      baseDir: '/',
      env: { REMOTE_API_URL: 'https://other.example.com/', REMOTE_API_KEY: 'dvt_00000000000e_fromtheenvironmentvariable', SYNC_INTERVAL_MINUTES: '15', SYNC_DEBUG: 'true' },
    });
    expect(config.instances[0]!.hub).toMatchObject({ url: 'https://other.example.com', apiKey: 'dvt_00000000000e_fromtheenvironmentvariable' });
    expect(config.sync).toMatchObject({ intervalMinutes: 15, debug: true });
    // Without a hub section at all, the env supplies it.
    const { hub: _h, ...noHub } = base();
    expect(parseConfig(noHub, { baseDir: '/', env: { REMOTE_API_URL: 'https://e.example.com', REMOTE_API_KEY: 'dvt_0000000000b3_kkkkkkkkkkkkkkkkkkkkkkkk' } }).instances[0]!.hub.url).toBe(
      'https://e.example.com',
    );
    expect(parseConfig({ ...base(), sync: { debug: true } }, { baseDir: '/', env: { SYNC_DEBUG: '0' } }).sync.debug).toBe(false);
    // Empty variables do not override.
    expect(parseConfig(base(), { baseDir: '/', env: { REMOTE_API_URL: '', SYNC_INTERVAL_MINUTES: '' } }).instances[0]!.hub.url).toBe(
      'https://hub.example.com',
    );
  });

  test('env values are validated like the file: bad interval, plain-http URL', () => {
    expect(configError(() => parseConfig(base(), { baseDir: '/', env: { SYNC_INTERVAL_MINUTES: 'often' } }))).toMatch(/^SYNC_INTERVAL_MINUTES:/);
    expect(configError(() => parseConfig(base(), { baseDir: '/', env: { SYNC_INTERVAL_MINUTES: '-1' } }))).toMatch(/^SYNC_INTERVAL_MINUTES:/);
    expect(configError(() => parseConfig(base(), { baseDir: '/', env: { REMOTE_API_URL: 'http://hub.example.com' } }))).toMatch(
      /^hub\.url: .*https/,
    );
  });

  test('SYNC_INTERVAL_MINUTES obeys the same limit as sync.intervalMinutes in the file (at most 1440)', () => {
    expect(configError(() => parseConfig({ ...base(), sync: { intervalMinutes: 100_000 } }, { baseDir: '/' }))).toMatch(/^sync\.intervalMinutes:/);
    expect(configError(() => parseConfig(base(), { baseDir: '/', env: { SYNC_INTERVAL_MINUTES: '100000' } }))).toMatch(
      /SYNC_INTERVAL_MINUTES|intervalMinutes/,
    );
  });

  test('several instances: each resolved on its own; a duplicate name is refused naming it', () => {
    const instance = (name: string, path: string) => ({ name, database: { type: 'sqlite', path }, entities: structuredClone(entities) });
    const config = parseConfig(
      {
        hub: { url: 'https://hub.example.com', apiKey: 'dvt_0000000000b1_sharedsharedsharedshared' },
        instances: [instance('centro', 'centro.db'), { ...instance('norte', '/data/norte.db'), hub: { apiKey: 'dvt_0000000000b2_nortenortenortenortenorte' }, tablePrefix: 'dt_' }],
      },
      { baseDir: '/srv' },
    );
    expect(config.instances.map((i) => [i.name, (i.database as { path: string }).path, i.hub.apiKey, i.tablePrefix])).toEqual([
      ['centro', '/srv/centro.db', 'dvt_0000000000b1_sharedsharedsharedshared', 'sync_'],
      ['norte', '/data/norte.db', 'dvt_0000000000b2_nortenortenortenortenorte', 'dt_'],
    ]);
    const dup = { hub: { url: 'https://hub.example.com', apiKey: 'dvt_0000000000b3_kkkkkkkkkkkkkkkkkkkkkkkk' }, instances: [instance('centro', 'a.db'), instance('centro', 'b.db')] };
    expect(configError(() => parseConfig(dup, { baseDir: '/' }))).toMatch(/^instances\[1\]\.name: duplicate instance name "centro"/);
    const bad = { hub: { url: 'https://hub.example.com', apiKey: 'dvt_0000000000b3_kkkkkkkkkkkkkkkkkkkkkkkk' }, instances: [instance('centro', 'a.db'), { ...instance('b', 'b.db'), entities: [{ name: 'x', direction: 'up' }] }] };
    expect(configError(() => parseConfig(bad, { baseDir: '/' }))).toMatch(/^instances\[1\]\.entities\[0\]\.direction:/);
    const both = { ...base(), instances: [instance('centro', 'a.db')] };
    expect(configError(() => parseConfig(both, { baseDir: '/' }))).toMatch(/either "instances"/);
  });
});

describe('loadConfig', () => {
  test('reads a file and resolves paths against its folder', ({ dir }) => {
    const path = join(dir, 'dovetail.json');
    writeFileSync(path, JSON.stringify(base()));
    expect((loadConfig(path, {}).instances[0]!.database as { path: string }).path).toBe(join(dir, 'shop.db'));
  });

  test('invalid JSON: the message names the file', ({ dir }) => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "hub": { "url": "https://x" }, }');
    expect(configError(() => loadConfig(path, {}))).toMatch(new RegExp(`config ${path.replace(/[.\\/]/g, '\\$&')} is not valid JSON`));
  });

  test('a missing file and a bad field: the message names the file, and the field', ({ dir }) => {
    const missing = join(dir, 'nope.json');
    expect(configError(() => loadConfig(missing, {}))).toContain(missing);
    const path = join(dir, 'dovetail.json');
    const config = base();
    (config.entities[1] as Record<string, unknown>).direction = 'sideways';
    writeFileSync(path, JSON.stringify(config));
    const message = configError(() => loadConfig(path, {}));
    expect(message).toContain(path);
    expect(message).toContain('entities[1].direction');
  });

  test('env overrides apply to a loaded file', ({ dir }) => {
    const path = join(dir, 'dovetail.json');
    writeFileSync(path, JSON.stringify(base()));
    const config = loadConfig(path, { REMOTE_API_KEY: 'dvt_0000000000a0_fromenvfromenvfromenvfromenv', SYNC_INTERVAL_MINUTES: '2' });
    expect(config.instances[0]!.hub.apiKey).toBe('dvt_0000000000a0_fromenvfromenvfromenvfromenv');
    expect(config.sync.intervalMinutes).toBe(2);
  });
});

describe('messages an operator can act on', () => {
  const KEY = 'dvt_0123456789ab_secretsecretsecretsecret';
  const valid = () => ({ ...base(), hub: { url: 'https://hub.example.com', apiKey: KEY } });

  test('a JSON syntax error gives line and column', ({ dir }) => {
    const path = join(dir, 'dovetail.json');
    writeFileSync(path, '{\n  "hub": {\n    "url": "https://hub.example.com",\n  },\n}');
    expect(configError(() => loadConfig(path))).toBe(`config ${path} is not valid JSON: line 4, column 3: expected a "name" in double quotes (a trailing comma?)`);
  });

  test('YAML configs are read, and their errors give line and column', ({ dir }) => {
    const good = join(dir, 'dovetail.yaml');
    writeFileSync(good, `hub:\n  url: https://hub.example.com\n  apiKey: ${KEY}\ndatabase:\n  type: sqlite\n  path: shop.db\nentities:\n  - name: products\n    direction: push\n`);
    expect(loadConfig(good).instances[0]).toMatchObject({ database: { path: join(dir, 'shop.db') }, hub: { apiKey: KEY } });
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'hub:\n  url: x\n   apiKey: y\n');
    expect(configError(() => loadConfig(bad))).toMatch(/^config .*bad\.yml is not valid YAML: line 2, column 8: /);
  });

  test("the agent's own tables and SQLite's internal ones cannot be synced", () => {
    const withTable = (table: string, tablePrefix?: string) =>
      configError(() => parseConfig({ ...valid(), tablePrefix, entities: [{ name: 'x', table, direction: 'push' }] }, { baseDir: '/' }));
    expect(withTable('sync_outbox')).toBe(
      'entities[0].table: "sync_outbox" starts with "sync_", the prefix of the agent\'s own tables; rename the table or set tablePrefix',
    );
    expect(withTable('SQLITE_SEQUENCE')).toBe('entities[0].table: "SQLITE_SEQUENCE" is an SQLite internal table');
    expect(withTable('dvt_rows', 'dvt_')).toContain('starts with "dvt_"');
    expect(parseConfig({ ...valid(), tablePrefix: 'dvt_', entities: [{ name: 'x', table: 'sync_log', direction: 'push' }] }, { baseDir: '/' }).instances[0]!.entities[0]!.table).toBe('sync_log');
  });

  test('wrong values say what is expected; unknown keys suggest the nearest known key', () => {
    const config: Record<string, unknown> = { ...valid(), database: { type: 'postgres', path: 'x' }, sync: { intervalMinute: 3 } };
    const message = configError(() => parseConfig(config, { baseDir: '/' }));
    expect(message).toContain('database.type: must be "sqlite" or "mysql", got "postgres"');
    expect(message).toContain('sync: unknown key "intervalMinute" (did you mean "intervalMinutes"?)');
    expect(configError(() => parseConfig({ ...valid(), databse: {} }, { baseDir: '/' }))).toContain('unknown key "databse" (did you mean "database"?)');
    expect(configError(() => parseConfig({ ...valid(), hub: { ...valid().hub, timeoutMs: 'soon' } }, { baseDir: '/' }))).toBe(
      'hub.timeoutMs: expected a number, got "soon"',
    );
  });

  test('the example placeholder key and malformed keys are refused without printing the key', () => {
    const placeholder = { ...base(), hub: { url: 'https://hub.example.com', apiKey: 'set REMOTE_API_KEY or paste the key from `dovetail hub keys create`' } };
    expect(configError(() => parseConfig(placeholder, { baseDir: '/' }))).toBe(
      "hub.apiKey looks like the example's placeholder: paste the key from `dovetail hub keys create`, or set REMOTE_API_KEY",
    );
    const secret = 'dvt_zz_notquitearealkeybutsecret';
    const message = configError(() => parseConfig({ ...base(), hub: { url: 'https://hub.example.com', apiKey: secret } }, { baseDir: '/' }));
    expect(message).toMatch(/^hub\.apiKey: expected a key like dvt_<12 hex digits>_<secret>/);
    expect(message).not.toContain('notquite');
    const fromEnv = configError(() => parseConfig({ ...base(), hub: { url: 'https://hub.example.com' } }, { baseDir: '/', env: { REMOTE_API_KEY: 'oops' } }));
    expect(fromEnv).toMatch(/^REMOTE_API_KEY: expected a key like/);
  });
});
