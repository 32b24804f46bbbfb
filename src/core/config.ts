import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseDocument } from 'yaml';
import { entityName } from '../protocol/index.js';
import { describeConfigIssues } from './config-errors.js';
import { ConfigError } from './errors.js';
import type { ConflictPolicy } from './merge.js';
import { MIGRATION_ID, type Migration } from './migrations.js';
import { intervalToCron, isValidCron } from './scheduler.js';
import { IDENTIFIER } from './store/identifiers.js';

const identifier = z.string().regex(IDENTIFIER, 'expected a SQL identifier (letters, digits, _; max 64)');
const sqlType = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_ ,()']*$/, "expected a column definition such as \"TEXT NOT NULL\" or \"INTEGER DEFAULT 0\"");

const hubSchema = z.strictObject({
  url: z.string().url('expected a URL such as https://hub.example.com').optional(),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
});

const entitySchema = z.strictObject({
  name: entityName,
  table: identifier.optional(),
  key: z.union([identifier, z.array(identifier).min(1).max(8)]).default('id'),
  direction: z.enum(['push', 'pull', 'both']),
  /** A strategy name, or field-priority with the fields each side owns. */
  conflict: z
    .union([
      z.enum(['remote-wins', 'local-wins', 'newest-wins', 'manual']),
      z.strictObject({
        strategy: z.enum(['remote-wins', 'local-wins', 'newest-wins', 'field-priority', 'manual']),
        local: z.array(identifier).optional(),
        remote: z.array(identifier).optional(),
        fallback: z.enum(['remote-wins', 'local-wins', 'newest-wins', 'manual']).optional(),
      }),
    ])
    .default('remote-wins'),
  /** Column set to 1 when the hub deletes a row; without it the local row is deleted. */
  softDelete: identifier.optional(),
  /** Table definition used to create the table when it is missing (seed 000's ensureTablesExist). */
  create: z.strictObject({ columns: z.record(identifier, sqlType) }).optional(),
  /**
   * Columns the agent fills on pulled rows new to this shop; the value flows back as a local update.
   * `dateColumn` names the row's own date: only rows of the day being numbered get a number.
   */
  fill: z
    .record(
      identifier,
      z.union([
        z.literal('daily-sequence'),
        z.strictObject({ type: z.literal('daily-sequence'), dateColumn: identifier.optional() }),
      ]),
    )
    .optional(),
});

const databaseSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sqlite'), path: z.string().min(1) }),
  z.strictObject({
    type: z.literal('mysql'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65_535).default(3306),
    user: z.string().min(1).default('root'),
    password: z.string().default(''),
    database: z.string().regex(/^[A-Za-z0-9_$-]{1,64}$/, 'expected a database name'),
    connectionLimit: z.number().int().min(1).max(64).optional(),
  }),
]);

/** A replica schema change declared in config (seed 001), applied once and recorded. */
const userMigrationSchema = z.strictObject({
  id: z.string().regex(MIGRATION_ID, 'expected YYYY-MM-DD-NNN-short-name'),
  description: z.string().min(1),
  /** Statements separated by ";" at line ends. */
  sql: z.string().min(1),
});

const instanceSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected letters, digits, ., _ or -'),
  database: databaseSchema,
  hub: hubSchema.optional(),
  tablePrefix: identifier.optional(),
  entities: z.array(entitySchema).min(1),
  migrations: z.array(userMigrationSchema).optional(),
});

const syncSchema = z.strictObject({
  intervalMinutes: z.number().positive().max(24 * 60).default(5),
  /** Optional full-resync schedule, e.g. "0 *\/6 * * *" (seed 000). */
  cron: z
    .string()
    .refine((v) => isValidCron(v), 'expected a cron expression such as "0 */6 * * *"')
    .optional(),
  pushBatchSize: z.number().int().min(1).max(5000).default(1000),
  pullPageSize: z.number().int().min(1).max(10_000).default(2000),
  maxBackoffSeconds: z.number().int().min(1).max(86_400).default(300),
  debug: z.boolean().default(false),
});

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  hub: hubSchema.default({}),
  sync: syncSchema.default(syncSchema.parse({})),
  tablePrefix: identifier.default('sync_'),
  database: databaseSchema.optional(),
  entities: z.array(entitySchema).optional(),
  migrations: z.array(userMigrationSchema).optional(),
  instances: z.array(instanceSchema).optional(),
});

export type EntityInput = z.infer<typeof entitySchema>;

export interface EntityConfig {
  readonly name: string;
  readonly table: string;
  readonly key: readonly string[];
  readonly direction: 'push' | 'pull' | 'both';
  readonly conflict: ConflictPolicy;
  readonly softDelete?: string;
  readonly create?: { readonly columns: Readonly<Record<string, string>> };
  readonly fill: Readonly<Record<string, FillRule>>;
}

/** How a pulled row's column is filled locally (seed 002's daily order number). */
export interface FillRule {
  readonly type: 'daily-sequence';
  /** The row's own date or timestamp column: only rows dated on the day being numbered get a number. */
  readonly dateColumn?: string;
}

export type DatabaseConfig =
  | { readonly type: 'sqlite'; readonly path: string }
  | {
      readonly type: 'mysql';
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string;
      readonly database: string;
      readonly connectionLimit?: number;
    };

export interface InstanceConfig {
  readonly name: string;
  readonly database: DatabaseConfig;
  /** Replica schema changes from config, run with the agent's own. */
  readonly migrations: readonly Migration[];
  readonly hub: { readonly url: string; readonly apiKey: string; readonly timeoutMs: number };
  readonly tablePrefix: string;
  /** In sync order: parents before children. */
  readonly entities: readonly EntityConfig[];
}

export interface Config {
  readonly sync: z.infer<typeof syncSchema>;
  readonly instances: readonly InstanceConfig[];
}

/** Environment variables the seeds used; they override the file. */
export interface ConfigEnv {
  readonly REMOTE_API_URL?: string;
  readonly REMOTE_API_KEY?: string;
  readonly SYNC_INTERVAL_MINUTES?: string;
  readonly SYNC_DEBUG?: string;
  readonly MYSQL_LOCAL_HOST?: string;
  readonly MYSQL_LOCAL_PORT?: string;
  readonly MYSQL_LOCAL_USER?: string;
  readonly MYSQL_LOCAL_PASSWORD?: string;
  readonly MYSQL_LOCAL_DATABASE?: string;
}

/** Reads, validates and resolves a config file; throws ConfigError naming the file and the bad field. */
export function loadConfig(path: string, env: ConfigEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  const raw = /\.ya?ml$/i.test(path) ? parseYamlText(text, path) : parseJsonText(text, path);
  try {
    return parseConfig(raw, { baseDir: dirname(resolve(path)), env });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`config ${path}: ${error.message}`);
    throw error;
  }
}

/** Validates an already-parsed config object; relative database paths resolve against `baseDir`. */
export function parseConfig(raw: unknown, opts: { baseDir: string; env?: ConfigEnv }): Config {
  const env = opts.env ?? {};
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeConfigIssues(parsed.error.issues, raw, fileSchema));
  const file = parsed.data;

  const sync = { ...file.sync };
  if (env.SYNC_INTERVAL_MINUTES !== undefined && env.SYNC_INTERVAL_MINUTES !== '') {
    const minutes = Number(env.SYNC_INTERVAL_MINUTES);
    if (!Number.isFinite(minutes) || minutes <= 0) {
      throw new ConfigError(`SYNC_INTERVAL_MINUTES: expected a positive number, got "${env.SYNC_INTERVAL_MINUTES}"`);
    }
    sync.intervalMinutes = minutes;
  }
  try {
    intervalToCron(sync.intervalMinutes);
  } catch (error) {
    throw new ConfigError(`sync.intervalMinutes: ${(error as Error).message}`);
  }
  if (env.SYNC_DEBUG) sync.debug = ['1', 'true', 'yes'].includes(env.SYNC_DEBUG.toLowerCase());

  if (file.instances && (file.database || file.entities)) {
    throw new ConfigError('use either "instances" or top-level "database" + "entities", not both');
  }
  const inputs = file.instances ?? [];
  if (!file.instances) {
    if (!file.database) throw new ConfigError('database: required (or list "instances")');
    if (!file.entities?.length) throw new ConfigError('entities: required (or list "instances")');
    inputs.push({ name: 'default', database: file.database, entities: file.entities, migrations: file.migrations });
  }
  if (inputs.length === 0) throw new ConfigError('instances: expected at least one instance');

  const names = new Set<string>();
  const instances = inputs.map((input, index): InstanceConfig => {
    const at = file.instances ? `instances[${index}]` : '';
    const field = (f: string) => (at ? `${at}.${f}` : f);
    if (names.has(input.name)) throw new ConfigError(`${field('name')}: duplicate instance name "${input.name}"`);
    names.add(input.name);
    const url = input.hub?.url ?? (env.REMOTE_API_URL || file.hub.url);
    const apiKey = input.hub?.apiKey ?? (env.REMOTE_API_KEY || file.hub.apiKey);
    if (!url) throw new ConfigError(`${field('hub.url')}: required (set hub.url or REMOTE_API_URL)`);
    if (!apiKey) throw new ConfigError(`${field('hub.apiKey')}: required (set hub.apiKey or REMOTE_API_KEY)`);
    const keyFromEnv = input.hub?.apiKey === undefined && Boolean(env.REMOTE_API_KEY);
    checkApiKey(apiKey, keyFromEnv ? 'REMOTE_API_KEY' : field('hub.apiKey'));
    checkHubUrl(url, field('hub.url'));
    const tablePrefix = input.tablePrefix ?? file.tablePrefix;
    const entities = resolveEntities(input.entities, field('entities'));
    checkTables(entities, tablePrefix, field('entities'));
    return {
      name: input.name,
      database: resolveDatabase(input.database, env, opts.baseDir, field('database')),
      migrations: (input.migrations ?? []).map(toMigration),
      hub: { url: url.replace(/\/+$/, ''), apiKey, timeoutMs: input.hub?.timeoutMs ?? file.hub.timeoutMs ?? 30_000 },
      tablePrefix,
      entities,
    };
  });
  return Object.freeze({ sync: Object.freeze(sync), instances: Object.freeze(instances) });
}

function resolveEntities(inputs: readonly EntityInput[], at: string): EntityConfig[] {
  const seen = new Set<string>();
  return inputs.map((e, i) => {
    if (seen.has(e.name)) throw new ConfigError(`${at}[${i}].name: duplicate entity "${e.name}"`);
    seen.add(e.name);
    const key = typeof e.key === 'string' ? [e.key] : e.key;
    if (e.create) {
      for (const k of key) {
        if (!(k in e.create.columns)) throw new ConfigError(`${at}[${i}].create.columns: missing key column "${k}"`);
      }
    }
    const conflict: ConflictPolicy =
      typeof e.conflict === 'string'
        ? { strategy: e.conflict }
        : { strategy: e.conflict.strategy, localFields: e.conflict.local, remoteFields: e.conflict.remote, fallback: e.conflict.fallback };
    if (conflict.strategy === 'field-priority' && !conflict.localFields?.length && !conflict.remoteFields?.length) {
      throw new ConfigError(`${at}[${i}].conflict: field-priority needs "local" and/or "remote" field lists`);
    }
    const overlap = conflict.localFields?.filter((f) => conflict.remoteFields?.includes(f)) ?? [];
    if (overlap.length > 0) throw new ConfigError(`${at}[${i}].conflict: ${overlap.join(', ')} cannot be owned by both sides`);
    if (e.fill && e.direction === 'push') {
      throw new ConfigError(`${at}[${i}].fill: only pulled entities (direction pull or both) can fill columns`);
    }
    for (const [column, rule] of Object.entries(e.fill ?? {})) {
      const dateColumn = typeof rule === 'string' ? undefined : rule.dateColumn;
      if (dateColumn && e.create && !(dateColumn in e.create.columns)) {
        throw new ConfigError(`${at}[${i}].fill.${column}.dateColumn: "${dateColumn}" is not one of create.columns`);
      }
    }
    return {
      name: e.name,
      table: e.table ?? e.name,
      key,
      direction: e.direction,
      conflict,
      softDelete: e.softDelete,
      create: e.create,
      fill: Object.fromEntries(
        Object.entries(e.fill ?? {}).map(([column, rule]) => [column, typeof rule === 'string' ? { type: rule } : rule] as const),
      ),
    };
  });
}

/**
 * Shop tables only: syncing the agent's own bookkeeping (`sync_outbox`, …) or the database's
 * internal tables (`sqlite_sequence`) would capture the agent's writes into its own outbox.
 */
function checkTables(entities: readonly EntityConfig[], tablePrefix: string, at: string): void {
  entities.forEach((e, i) => {
    const table = e.table.toLowerCase();
    if (table.startsWith(tablePrefix.toLowerCase())) {
      throw new ConfigError(`${at}[${i}].table: "${e.table}" starts with "${tablePrefix}", the prefix of the agent's own tables; rename the table or set tablePrefix`);
    }
    if (table.startsWith('sqlite_')) throw new ConfigError(`${at}[${i}].table: "${e.table}" is an SQLite internal table`);
  });
}

/** MYSQL_LOCAL_* (seeds 000/001) override a MySQL database's connection settings. */
function resolveDatabase(input: z.infer<typeof databaseSchema>, env: ConfigEnv, baseDir: string, field: string): DatabaseConfig {
  if (input.type === 'sqlite') return { type: 'sqlite', path: resolve(baseDir, input.path) };
  const port = env.MYSQL_LOCAL_PORT ? Number(env.MYSQL_LOCAL_PORT) : input.port;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new ConfigError(`MYSQL_LOCAL_PORT: expected a port number, got "${env.MYSQL_LOCAL_PORT}" (for ${field})`);
  }
  return {
    type: 'mysql',
    host: env.MYSQL_LOCAL_HOST || input.host,
    port,
    user: env.MYSQL_LOCAL_USER || input.user,
    password: env.MYSQL_LOCAL_PASSWORD ?? input.password,
    database: env.MYSQL_LOCAL_DATABASE || input.database,
    connectionLimit: input.connectionLimit,
  };
}

function toMigration(m: z.infer<typeof userMigrationSchema>): Migration {
  return { id: m.id, description: m.description, up: (_tx, ddl) => ddl(m.sql) };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function checkHubUrl(url: string, field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${field}: "${url}" is not a URL`);
  }
  if (parsed.protocol === 'https:') return;
  const loopback = LOOPBACK.has(parsed.hostname) || (isIPv4(parsed.hostname) && parsed.hostname.startsWith('127.'));
  if (parsed.protocol === 'http:' && loopback) return;
  throw new ConfigError(`${field}: "${url}" must use https:// (plain http is only allowed to a loopback address)`);
}

/** A node key as `dovetail hub keys create` prints it. */
const KEY_SHAPE = /^dvt_[0-9a-f]{12}_[A-Za-z0-9_-]{20,64}$/;

function checkApiKey(key: string, field: string): void {
  if (KEY_SHAPE.test(key)) return;
  if (/\s|paste|REMOTE_API_KEY|hub keys create|<|…/.test(key)) {
    throw new ConfigError(`${field} looks like the example's placeholder: paste the key from \`dovetail hub keys create\`, or set REMOTE_API_KEY`);
  }
  // Never print a key: only its length and how it starts.
  throw new ConfigError(
    `${field}: expected a key like dvt_<12 hex digits>_<secret> as printed by \`dovetail hub keys create\` ` +
      `(this one has ${key.length} characters and starts with "${key.slice(0, 4)}")`,
  );
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

function parseJsonText(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // JSON.parse does not say where; a tolerant parser finds the first error's position.
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: true });
    const first = errors[0];
    const where = first ? `${lineColumn(text, first.offset)}: ${describeJsonError(printParseErrorCode(first.error))}` : (error as Error).message;
    throw new ConfigError(`config ${path} is not valid JSON: ${where}`);
  }
}

function describeJsonError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    ValueExpected: 'a value is missing',
    PropertyNameExpected: 'expected a "name" in double quotes (a trailing comma?)',
    ColonExpected: 'expected ":"',
    CommaExpected: 'expected "," between items',
    CloseBraceExpected: 'expected "}"',
    CloseBracketExpected: 'expected "]"',
    EndOfFileExpected: 'unexpected text after the end',
    InvalidCommentToken: 'comments are not allowed in JSON',
    UnexpectedEndOfString: 'a string is not closed',
    UnexpectedEndOfComment: 'a comment is not closed',
    InvalidEscapeCharacter: 'invalid escape in a string',
    InvalidCharacter: 'invalid character in a string',
  };
  return words[code] ?? code;
}

function parseYamlText(text: string, path: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    throw new ConfigError(`config ${path} is not valid YAML: ${at ? `line ${at.line}, column ${at.col}: ` : ''}${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return doc.toJS() as unknown;
}
