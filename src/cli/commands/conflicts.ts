import type { FieldChoice } from '../../core/conflict-resolver.js';
import type { FieldDiff } from '../../core/merge.js';
import { withEngines } from '../load.js';
import { UsageError, integer, parse } from '../usage.js';

const options = {
  config: { type: 'string' },
  instance: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  entity: { type: 'string' },
  keep: { type: 'string' },
  field: { type: 'string', multiple: true },
} as const;

const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v));

/** `dovetail conflicts list|show|resolve`. */
export async function conflictsCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, options);
  const [action, idText, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const keep = values.keep;
  if (keep !== undefined && keep !== 'local' && keep !== 'remote') throw new UsageError(`--keep: expected local or remote, got "${keep}"`);
  let code = 0;
  await withEngines(values, async (engine) => {
    const prefix = `[${engine.config.name}]`;
    if (action === 'list') {
      const list = await engine.conflicts.list({ status: values.all ? undefined : 'open', entity: values.entity, limit: 500 });
      if (values.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return console.log(`${prefix} no ${values.all ? '' : 'open '}conflicts`);
      for (const c of list) {
        const fields = c.fields.filter((f) => f.conflicting).map((f) => f.field);
        console.log(
          `#${String(c.id).padEnd(5)} ${c.status.padEnd(8)} ${c.entity}/${c.rowKey}  ${c.strategy}  ${fields.length ? `fields: ${fields.join(', ')}` : c.localData === null || c.remoteData === null ? 'delete vs edit' : 'merged'}  ${c.createdAt}`,
        );
      }
      return;
    }
    if (action === 'show') {
      const id = integer(idText, 'ID', 0);
      const view = await engine.viewConflict(id);
      if (!view) {
        code = 1;
        return console.error(`${prefix} no conflict #${id}`);
      }
      if (values.json) return console.log(JSON.stringify(view, null, 2));
      const c = view.conflict;
      console.log(`conflict #${c.id} on ${c.entity}/${c.rowKey} — ${c.status}${c.resolution ? ` (${c.resolution})` : ''}, strategy ${c.strategy}`);
      console.log(`  base version ${c.baseVersion ?? '—'}, hub version ${c.remoteVersion ?? '—'}; local change ${c.localAt ?? '—'}, hub change ${c.remoteAt ?? '—'}`);
      if (view.local === null) console.log('  local: row deleted');
      if (c.remoteData === null) console.log('  hub: row deleted');
      printFields(view.fields);
      return;
    }
    if (action === 'resolve') {
      if (idText === undefined) {
        if (!values.entity || !keep) throw new UsageError('resolve needs an ID, or --entity NAME --keep local|remote for all of an entity');
        const n = await engine.resolveAllConflicts(values.entity, keep);
        return console.log(`${prefix} ${n} conflict(s) of ${values.entity} resolved keeping ${keep}; they are pushed on the next sync`);
      }
      const id = integer(idText, 'ID', 0);
      const fields = parseFieldChoices(values.field ?? []);
      if (!keep && Object.keys(fields).length === 0) throw new UsageError('resolve needs --keep local|remote or --field NAME=local|remote|value:JSON');
      const outcome = await engine.resolveConflict(id, { keep, fields });
      if (outcome.status === 'already-resolved') return console.log(`${prefix} conflict #${id} was already resolved (${outcome.resolution ?? ''})`);
      console.log(`${prefix} conflict #${id} resolved${outcome.queued ? '; the result is pushed on the next sync' : '; the hub already holds this row'}`);
      return;
    }
    throw new UsageError('conflicts needs one of: list, show ID, resolve ID');
  });
  return code;
}

function printFields(fields: readonly FieldDiff[]): void {
  const width = Math.max(5, ...fields.map((f) => f.field.length));
  console.log(`  ${'field'.padEnd(width)}  ${'base'.padEnd(18)} ${'local'.padEnd(18)} ${'hub'.padEnd(18)}`);
  for (const f of fields) {
    const mark = f.conflicting ? '✗' : f.localChanged || f.remoteChanged ? '~' : ' ';
    console.log(`${mark} ${f.field.padEnd(width)}  ${show(f.base).padEnd(18)} ${show(f.local).padEnd(18)} ${show(f.remote).padEnd(18)}`);
  }
  console.log('  ✗ changed on both sides (needs a choice)   ~ changed on one side (merges by itself)');
}

/** `--field NAME=local|remote|value:JSON` → choices. */
export function parseFieldChoices(specs: readonly string[]): Record<string, FieldChoice> {
  const out: Record<string, FieldChoice> = {};
  for (const spec of specs) {
    const at = spec.indexOf('=');
    if (at <= 0) throw new UsageError(`--field ${spec}: expected NAME=local, NAME=remote or NAME=value:JSON`);
    const name = spec.slice(0, at);
    const choice = spec.slice(at + 1);
    if (choice === 'local' || choice === 'remote') out[name] = choice;
    else if (choice.startsWith('value:')) {
      try {
        out[name] = { value: JSON.parse(choice.slice(6)) as unknown };
      } catch {
        throw new UsageError(`--field ${spec}: the value after "value:" must be JSON (e.g. value:"text" or value:12)`);
      }
    } else throw new UsageError(`--field ${spec}: expected local, remote or value:JSON after =`);
  }
  return out;
}
