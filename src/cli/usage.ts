import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Wrong command line: exit code 2 with the message and a pointer to help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with errors turned into UsageError naming the bad option. */
export function parse<O extends Options>(args: readonly string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError('expected a comma-separated list of entity names');
  return items;
}

export function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: expected a whole number, got "${value}"`);
  return n;
}

export const HELP = `dovetail — edge sync agent

Usage:
  dovetail run      [--config FILE] [--instance NAME] [--console] [--console-port N]
                                                                 the agent: live sync, schedule, control API, web console
  dovetail console  [--config FILE]                               a new login link for the running agent's web console
  dovetail cancel   [--config FILE] [--instance NAME]            stop the running agent's current run
  dovetail pause    [--for 15m|1h|until-tomorrow] [--config FILE] [--instance NAME]
  dovetail resume   [--config FILE] [--instance NAME]
  dovetail sync     [--config FILE] [--instance NAME] [--only E,…|--skip E,…] [--direction push|pull|both] [--full] [--json]
  dovetail resync   [--config FILE] [--instance NAME] [--json]     full re-pull; unpushed local changes are kept
  dovetail status   [--config FILE] [--instance NAME] [--json]
  dovetail reset    ENTITY|all [--config FILE] [--instance NAME]  forget pull cursors (data is kept)
  dovetail capture  remove ENTITY|all [--config FILE]  take capture off before a POS upgrade changes a key
  dovetail runs     [ID] [--config FILE] [--instance NAME] [--json]
  dovetail outbox   failed|retry|discard [SEQ…] [--config FILE] [--instance NAME]
  dovetail conflicts list [--all] [--entity E] [--json]         open conflicts (--all: automatic ones too)
  dovetail conflicts show ID [--json]                            base / local / hub per field
  dovetail conflicts resolve ID --keep local|remote | --field NAME=local|remote|value:JSON …
  dovetail conflicts resolve --entity E --keep local|remote      every open conflict of an entity
  dovetail hub      [--db FILE | --mysql mysql://user:pass@host:port/db] [--port N] [--host ADDR] [--entities E,…]
  dovetail hub init --db FILE
  dovetail hub keys create --scope SCOPE --name NAME [--admin] [--db FILE | --mysql URL]
  dovetail hub keys list [--db FILE] [--json]
  dovetail hub keys revoke KEY_ID [--db FILE]
  dovetail demo     [--duration SECONDS] [--dir DIR]

Config: --config FILE, else $DOVETAIL_CONFIG, else ./dovetail.json.
Hub database: --mysql URL or $DOVETAIL_HUB_MYSQL_URL, else --db FILE, $DOVETAIL_HUB_DB, ./dovetail-hub.db.
Exit codes: 0 ok, 1 sync or runtime failure, 2 usage or config error.
Help on one command: dovetail COMMAND --help (e.g. dovetail hub keys create --help).`;
