import type { CaptureHealth } from '../../core/capture.js';
import type { AgentStatus } from '../../core/connection-state.js';
import { callAgent } from '../control/control-client.js';
import { controlFilePath, readControlFile } from '../control/control-file.js';
import { count, duration, localTime, localTimeAgo } from '../format.js';
import { configPath, withEngines } from '../load.js';
import type { InstanceStatus } from '../../core/sync-engine.js';
import { describeSchemaChange } from '../../core/schema-follow.js';
import { UsageError, integer, parse } from '../usage.js';

const common = { config: { type: 'string' }, instance: { type: 'string' }, json: { type: 'boolean' } } as const;

/** `dovetail status`: seed 001's getSyncStatus for each instance. */
export async function statusCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, common);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const path = configPath(values.config);
  const running = readControlFile(controlFilePath(path));
  const live = running ? await callAgent<AgentStatus[]>(path, 'GET', '/status').catch(() => null) : null;
  const statuses = await withEngines(values, async (engine) => ({
    ...(await engine.status()),
    capture: await engine.captureHealth(),
    agent: running ? { pid: running.pid, startedAt: running.startedAt ?? null, consoleUrl: running.console ? `http://127.0.0.1:${running.port}/` : null, status: live?.find((a) => a.instance === engine.config.name) ?? null } : null,
  }));
  if (values.json) console.log(JSON.stringify(statuses, null, 2));
  else statuses.forEach((s) => console.log(`${formatStatus(s)}\n${formatCapture(s.capture)}\n${formatAgent(s.agent)}`));
  return statuses.some((s) => s.capture.some((c) => c.state === 'missing' || c.state === 'incomplete')) ? 1 : 0;
}

/** One line per pushed table whose capture is not current; a table that goes uncaptured is an error. */
export function formatCapture(capture: readonly CaptureHealth[]): string {
  const bad = capture.filter((c) => c.state !== 'ok');
  if (bad.length === 0) return `  capture:     ok (${capture.length} pushed table${capture.length === 1 ? '' : 's'})`;
  return [
    '  capture:',
    ...bad.map((c) =>
      c.state === 'outdated'
        ? `    ${c.table.padEnd(20)} outdated: still capturing; the next \`dovetail sync\` or agent start updates it`
        : `    ${c.table.padEnd(20)} ERROR ${c.state}: ${c.missing.join(', ')} not installed — changes to this table are NOT being recorded; run \`dovetail sync\``,
    ),
  ].join('\n');
}

export function formatStatus(s: InstanceStatus): string {
  const age = s.outbox.oldestPendingAgeMs === null ? '' : ` (oldest ${duration(s.outbox.oldestPendingAgeMs)})`;
  const lines = [
    `instance ${s.instance}`,
    `  outbox:      ${count(s.outbox.pending)} pending${age}, ${count(s.outbox.failed)} failed`,
    `  conflicts:   ${s.openConflicts} open`,
    s.refused.count === 0
      ? '  refused:     none'
      : `  refused:     ${s.refused.count} pulled change${s.refused.count === 1 ? '' : 's'} not applied (see docs/troubleshooting.md)`,
    // The latest few, newest first: entity, row key and why.
    ...s.refused.last
      .slice(-3)
      .reverse()
      .map((r) => `    ${r.at}  ${r.entity} ${JSON.stringify(r.key)}: ${r.reason}`),
    ...s.stopped.map((x) => `  STOPPED:     ${x.reason}`),
    ...(s.schemaChanges.length === 0 ? [] : ['  schema changes followed (newest first):']),
    ...s.schemaChanges
      .slice(-3)
      .reverse()
      .map((c) => `    ${c.at}  ${describeSchemaChange(c)}`),
    `  last sync:   ${localTimeAgo(s.lastSuccessAt)}`,
    `  last run:    ${s.lastRun ? `#${s.lastRun.id} ${s.lastRun.status} (${s.lastRun.trigger}, ${s.lastRun.mode})${s.lastRun.error ? ` — ${s.lastRun.error}` : ''}` : 'none'}`,
    '  cursors:',
    ...s.cursors.map((c) => `    ${c.entity.padEnd(20)} ${count(c.cursor).padStart(10)}  ${c.lastSyncedAt ? localTimeAgo(c.lastSyncedAt) : ''}`),
    '  migrations:',
    ...s.migrations.map((m) => `    ${m.id}  ${m.executedAt}`),
  ];
  return lines.join('\n');
}

/** `dovetail reset ENTITY|all`: forget pull cursors; data and the outbox are kept. */
export async function resetCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { config: common.config, instance: common.instance });
  if (positionals.length !== 1) throw new UsageError('reset needs one ENTITY name or "all"');
  const target = positionals[0]!;
  await withEngines(values, async (engine) => {
    const names = await engine.reset(target);
    console.log(`[${engine.config.name}] cursor reset for ${names.join(', ')}: the next sync pulls them in full`);
  });
  return 0;
}

/** `dovetail runs [ID]`: run history, or one run with its logs. */
export async function runsCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...common, limit: { type: 'string' } });
  const id = positionals[0] === undefined ? undefined : integer(positionals[0], 'ID', 0);
  let missing = false;
  await withEngines(values, async (engine) => {
    if (id === undefined) {
      const runs = await engine.runs.list(integer(values.limit, 'limit', 20));
      if (values.json) return console.log(JSON.stringify(runs, null, 2));
      console.log(`instance ${engine.config.name}`);
      for (const r of runs) {
        const { pushed, pulled, conflicts, errors } = r.stats;
        console.log(
          `  #${String(r.id).padEnd(5)} ${r.status.padEnd(9)} ${r.trigger.padEnd(8)} ${r.mode.padEnd(11)} ${r.startedAt ?? ''}  ↑${pushed} ↓${pulled} conflicts ${conflicts} errors ${errors}`,
        );
      }
      return;
    }
    const found = await engine.runs.get(id);
    if (!found) {
      missing = true;
      return console.error(`[${engine.config.name}] no run #${id}`);
    }
    if (values.json) return console.log(JSON.stringify(found, null, 2));
    const { run, logs } = found;
    console.log(`run #${run.id} ${run.status} trigger=${run.trigger} mode=${run.mode} ${run.startedAt ?? ''} → ${run.finishedAt ?? ''}`);
    if (run.error) console.log(`  error: ${run.error}`);
    for (const [module, p] of Object.entries(run.progress)) {
      console.log(`  ${module.padEnd(24)} ${p.status.padEnd(8)} processed ${p.processed} errors ${p.errors}`);
    }
    for (const log of logs) console.log(`  ${log.at} ${log.level.toUpperCase().padEnd(5)} ${log.module}: ${log.message}`);
  });
  return missing ? 1 : 0;
}

/** `dovetail outbox failed|retry|discard [SEQ…]`: parked changes the hub refused. */
export async function outboxCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, common);
  const [action, ...rest] = positionals;
  const seqs = rest.length > 0 ? rest.map((s) => integer(s, 'SEQ', 0)) : undefined;
  await withEngines(values, async (engine) => {
    if (action === 'failed') {
      const failed = await engine.outbox.failed();
      if (values.json) return console.log(JSON.stringify(failed, null, 2));
      for (const f of failed) console.log(`#${f.seq} ${f.entity} ${f.rowKey} ${f.op} attempts=${f.attempts} — ${f.lastError ?? ''}`);
      if (failed.length === 0) console.log(`[${engine.config.name}] no failed changes`);
    } else if (action === 'retry') {
      console.log(`[${engine.config.name}] ${await engine.outbox.retryFailed(seqs)} change(s) queued again`);
    } else if (action === 'discard') {
      console.log(`[${engine.config.name}] ${await engine.outbox.discardFailed(seqs)} change(s) discarded`);
    } else {
      throw new UsageError('outbox needs one of: failed, retry, discard');
    }
  });
  return 0;
}

interface RunningAgent {
  readonly pid: number;
  readonly startedAt: string | null;
  readonly consoleUrl: string | null;
  readonly status: AgentStatus | null;
}

/** Whether an agent runs for this config, and what it says of its connection. */
export function formatAgent(agent: RunningAgent | null): string {
  if (!agent) return '  agent:       not running (start it with `dovetail run`)';
  const lines = [`  agent:       running, pid ${agent.pid}${agent.startedAt ? `, since ${localTimeAgo(agent.startedAt)}` : ''}`];
  const s = agent.status;
  if (s) {
    const state =
      s.state === 'offline' && s.nextRetryAt
        ? `offline — next retry ${localTimeAgo(s.nextRetryAt)}`
        : s.state === 'paused'
          ? `paused ${s.pausedUntil ? `until ${localTime(s.pausedUntil)}` : 'until resumed'}`
          : s.state;
    lines.push(`  connection:  ${state}${s.lastError && s.state !== 'online' ? ` (${s.lastError})` : ''}`);
    lines.push(`  live:        ${s.liveConnected ? 'connected' : 'not connected'}`);
    lines.push(`  last ok:     ${localTimeAgo(s.lastSuccessAt)}`);
    lines.push(`  last try:    ${localTimeAgo(s.lastAttemptAt)}`);
  }
  if (agent.consoleUrl) lines.push(`  console:     ${agent.consoleUrl} (\`dovetail console\` prints a login link)`);
  return lines.join('\n');
}
