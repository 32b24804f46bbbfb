/** `dovetail <command> --help`: each command's usage, flags and an example. */

interface CommandHelp {
  readonly usage: string;
  readonly about: string;
  readonly flags: readonly (readonly [string, string])[];
  readonly example: string;
}

const CONFIG: readonly [string, string] = ['--config FILE', 'the config file (else $DOVETAIL_CONFIG, else ./dovetail.json|.yaml|.yml)'];
const INSTANCE: readonly [string, string] = ['--instance NAME', 'only this instance of a multi-instance config'];
const JSON_OUT: readonly [string, string] = ['--json', 'machine-readable output (ISO times, raw numbers)'];
const HUB_DB: readonly [string, string] = ['--db FILE', 'the hub database (SQLite; else $DOVETAIL_HUB_DB, else ./dovetail-hub.db)'];
const HUB_MYSQL: readonly [string, string] = ['--mysql URL', 'a MySQL/MariaDB hub store, mysql://user:pass@host:port/db (else $DOVETAIL_HUB_MYSQL_URL)'];

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  run: {
    usage: 'dovetail run [--config FILE] [--instance NAME] [--console] [--console-port N]',
    about: 'The always-on agent: live sync, local writes pushed at once, polling fallback, control API for the other commands.',
    flags: [CONFIG, INSTANCE, ['--console', 'also serve the staff windows on 127.0.0.1 and print a login link'], ['--console-port N', 'the console port (default: any free port)']],
    example: 'dovetail run --config /etc/dovetail/dovetail.json --console',
  },
  console: {
    usage: 'dovetail console [--config FILE]',
    about: "Prints a new one-time login link for the running agent's web console.",
    flags: [CONFIG],
    example: 'dovetail console',
  },
  cancel: { usage: 'dovetail cancel [--config FILE] [--instance NAME]', about: "Stops the running agent's current run after its batch.", flags: [CONFIG, INSTANCE], example: 'dovetail cancel' },
  pause: {
    usage: 'dovetail pause [--for 15m|1h|until-tomorrow] [--config FILE] [--instance NAME]',
    about: 'Pauses the running agent (until resumed, or for a while: an absolute deadline).',
    flags: [['--for DURATION', '15m, 1h, until-tomorrow (default: until resumed)'], CONFIG, INSTANCE],
    example: 'dovetail pause --for 1h',
  },
  resume: { usage: 'dovetail resume [--config FILE] [--instance NAME]', about: 'Resumes a paused agent and syncs at once.', flags: [CONFIG, INSTANCE], example: 'dovetail resume' },
  sync: {
    usage: 'dovetail sync [--config FILE] [--instance NAME] [--only E,…|--skip E,…] [--direction push|pull|both] [--full] [--json] [--no-wait]',
    about: 'One sync run per instance: push the outbox, then pull each entity. Handed to a running agent when there is one.',
    flags: [
      CONFIG,
      INSTANCE,
      ['--only E,…', 'pull only these entities'],
      ['--skip E,…', 'pull all entities but these'],
      ['--direction D', 'push, pull or both (default both)'],
      ['--full', 'full resync: re-pull everything; unpushed local changes are kept'],
      JSON_OUT,
      ['--no-wait', 'exit 1 at once when another sync is using the database'],
    ],
    example: 'dovetail sync --only customers,orders',
  },
  resync: {
    usage: 'dovetail resync [--config FILE] [--instance NAME] [--json] [--no-wait]',
    about: 'Full re-pull of every entity; unpushed local changes are kept and pushed.',
    flags: [CONFIG, INSTANCE, JSON_OUT, ['--no-wait', 'exit 1 at once when another sync is using the database']],
    example: 'dovetail resync --instance centro',
  },
  status: {
    usage: 'dovetail status [--config FILE] [--instance NAME] [--json]',
    about: 'Outbox, conflicts, last sync, cursors, capture of each pushed table, and the running agent. Changes nothing.',
    flags: [CONFIG, INSTANCE, JSON_OUT],
    example: 'dovetail status',
  },
  reset: {
    usage: 'dovetail reset ENTITY|all [--config FILE] [--instance NAME]',
    about: 'Forgets pull cursors: the next sync pulls those entities in full. Local data and the outbox are kept.',
    flags: [CONFIG, INSTANCE],
    example: 'dovetail reset orders',
  },
  capture: {
    usage: 'dovetail capture remove ENTITY|all [--config FILE] [--instance NAME]',
    about:
      "Removes Dovetail's capture triggers from pushed tables, before a POS upgrade that renames or drops a key column. " +
      "The next sync or agent start reinstalls them and sends the tables' rows again.",
    flags: [CONFIG, INSTANCE],
    example: 'dovetail capture remove items',
  },
  runs: {
    usage: 'dovetail runs [ID] [--limit N] [--config FILE] [--instance NAME] [--json]',
    about: 'Run history, or one run with its per-module progress and log.',
    flags: [['--limit N', 'how many runs (default 20)'], CONFIG, INSTANCE, JSON_OUT],
    example: 'dovetail runs 12',
  },
  outbox: {
    usage: 'dovetail outbox failed|retry|discard [SEQ…] [--config FILE] [--instance NAME] [--json]',
    about: 'Changes the hub refused: list them, queue them again, or discard them.',
    flags: [CONFIG, INSTANCE, JSON_OUT],
    example: 'dovetail outbox retry 418',
  },
  conflicts: {
    usage: 'dovetail conflicts list|show|resolve …',
    about: 'Conflicts waiting for a person: list, show one field by field, resolve.',
    flags: [CONFIG, INSTANCE, JSON_OUT],
    example: 'dovetail conflicts list',
  },
  'conflicts list': {
    usage: 'dovetail conflicts list [--all] [--entity E] [--json]',
    about: 'Open conflicts (with --all, automatic ones too).',
    flags: [['--all', 'include conflicts settled automatically'], ['--entity E', 'only this entity'], CONFIG, INSTANCE, JSON_OUT],
    example: 'dovetail conflicts list --entity customers',
  },
  'conflicts show': {
    usage: 'dovetail conflicts show ID [--json]',
    about: 'One conflict: base, shop and hub value of every field.',
    flags: [CONFIG, INSTANCE, JSON_OUT],
    example: 'dovetail conflicts show 7',
  },
  'conflicts resolve': {
    usage: 'dovetail conflicts resolve ID --keep local|remote | --field NAME=local|remote|value:JSON …\n       dovetail conflicts resolve --entity E --keep local|remote',
    about: "Settles a conflict (or every open conflict of an entity); the result is pushed on the next sync.",
    flags: [['--keep SIDE', 'local (the shop) or remote (the hub) for every field'], ['--field NAME=CHOICE', 'per field: local, remote or value:JSON'], ['--entity E', 'every open conflict of E'], CONFIG, INSTANCE],
    example: 'dovetail conflicts resolve 7 --field phone=local --field email=remote',
  },
  hub: {
    usage: 'dovetail hub [--db FILE | --mysql URL] [--port N] [--host ADDR] [--entities E,…]',
    about: 'The reference hub (HTTP + socket.io). Creates its SQLite database on first start.',
    flags: [HUB_DB, HUB_MYSQL, ['--port N', 'port (default 8787, or $DOVETAIL_HUB_PORT)'], ['--host ADDR', 'address (default 127.0.0.1)'], ['--entities E,…', 'accept only these entities']],
    example: 'dovetail hub --db /var/lib/dovetail/hub.db --port 8787',
  },
  'hub init': {
    usage: 'dovetail hub init --db FILE',
    about: 'Creates an empty hub database (the folder must exist).',
    flags: [HUB_DB],
    example: 'dovetail hub init --db /var/lib/dovetail/hub.db',
  },
  'hub keys': {
    usage: 'dovetail hub keys create|list|revoke …',
    about: 'API keys of the hub: one per shop node or backend service. The database must exist.',
    flags: [HUB_DB, HUB_MYSQL],
    example: 'dovetail hub keys list --db /var/lib/dovetail/hub.db',
  },
  'hub keys create': {
    usage: 'dovetail hub keys create --scope SCOPE --name NAME [--admin] [--db FILE | --mysql URL]',
    about: 'Creates a key and prints it once on stdout (what it is for goes to stderr).',
    flags: [['--scope SCOPE', 'the shop or tenant (* with --admin: every scope)'], ['--name NAME', 'the node or service'], ['--admin', 'an admin key for backend services'], HUB_DB, HUB_MYSQL],
    example: 'dovetail hub keys create --db hub.db --scope pizzaria-centro --name centro-pos',
  },
  'hub keys list': { usage: 'dovetail hub keys list [--db FILE | --mysql URL] [--json]', about: 'Every key: id, role, scope, name, created, revoked.', flags: [HUB_DB, HUB_MYSQL, JSON_OUT], example: 'dovetail hub keys list --db hub.db' },
  'hub keys revoke': { usage: 'dovetail hub keys revoke KEY_ID [--db FILE | --mysql URL]', about: 'Revokes a key; its live connections are dropped.', flags: [HUB_DB, HUB_MYSQL], example: 'dovetail hub keys revoke 3f9a0c1b2d4e --db hub.db' },
  demo: {
    usage: 'dovetail demo [--duration SECONDS] [--dir DIR]',
    about: 'A hub, a live agent and two simulators on loopback; compares both sides at the end.',
    flags: [['--duration SECONDS', 'stop after this long (default: until Ctrl-C)'], ['--dir DIR', 'where the databases go (default: a new temp folder)']],
    example: 'dovetail demo --duration 20',
  },
};

/** The help of the deepest command named by `argv` when it asks for help (`--help` or `-h` anywhere); else null. */
export function helpFor(argv: readonly string[]): string | null {
  if (!argv.some((a) => a === '--help' || a === '-h')) return null;
  const words = argv.filter((a) => !a.startsWith('-'));
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const help = COMMAND_HELP[words.slice(0, n).join(' ')];
    if (help) return render(help);
  }
  return null;
}

function render(help: CommandHelp): string {
  const width = Math.max(...help.flags.map(([flag]) => flag.length));
  return [
    `Usage: ${help.usage}`,
    '',
    help.about,
    '',
    'Flags:',
    ...help.flags.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    '  -h, --help'.padEnd(width + 2) + '  this help',
    '',
    `Example: ${help.example}`,
  ].join('\n');
}
