/**
 * Turns the figures the fault suite recorded (test/faults/tier.ts `record`) into the results
 * table of docs/reliability.md, between its `<!-- results:start -->` and `<!-- results:end -->` marks.
 *
 *   tsx test/faults/report.ts --reset   # before a run: forget older figures
 *   tsx test/faults/report.ts           # after it: rewrite the table
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RESULTS_PATH } from './tier.js';

const DOC = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));

type Row = Record<string, unknown> & { scenario: string; tier: string; at: string };

const ms = (v: unknown) => (typeof v === 'number' ? `${(v / 1000).toFixed(1)} s` : '—');

function describe(r: Row): [string, string] {
  /** A recorded figure as text: numbers and strings as they are, anything else as JSON. */
  const v = (key: string, from: Record<string, unknown> = r): string => {
    const x = from[key];
    return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : JSON.stringify(x);
  };
  const k = (r.kills ?? {}) as Record<string, unknown>;
  const integrity = (r.integrity ?? {}) as Record<string, unknown>;
  const verdict = () =>
    `changes ${v('changes')}, ok ${v('ok')}, lost ${v('lost')}, duplicated ${v('duplicated')}, unexpected ${v('unexpected')}, row diffs ${v('rowDiffs')}, outbox left ${v('outboxLeft')}, integrity ${v('local', integrity)}/${v('hub', integrity)}`;
  switch (r.scenario.split('/')[0]) {
    case 'agent-kills':
      return [
        verdict(),
        `agent kills ${v('kills', k)} (random ${v('randomKills', k)}, failpoints ${v('failpointKills', k)}, armed but not reached ${v('failpointMisses', k)}); MariaDB connections killed ${v('connectionsKilled')}; hub customers missing locally ${v('missingCustomers')} of ${v('adminWrites')}; ${ms(r.elapsedMs)}`,
      ];
    case 'hub-kills':
      return [verdict(), `hub kills ${v('hubKills')} (at the after-apply failpoint ${v('failpointKills')}); live channel back in at most ${ms(r.liveBackMsMax)} (${(r.liveBackMs as unknown[]).length} timed returns)`];
    case 'drop-response':
      return [verdict(), `responses dropped ${v('dropped')}, runs ${v('runs')} (${v('failedRuns')} failed and retried); ${ms(r.elapsedMs)}`];
    case 'blackhole':
      return [
        `API requests aborted ${v('apiRequestsAborted')}, each after ${v('abortMsMin')}–${v('abortMsMax')} ms (timeout ${v('requestTimeoutMs')} ms)`,
        `state offline after ${ms(r.offlineAfterMs)}; ${v('failedRuns')} failed runs, none hung; syncing again ${ms(r.recoveryMs)} after the path healed (cap ${ms(r.capMs)}), live channel back after ${ms(r.liveBackMs)}`,
      ];
    case 'hub-down':
      return [
        `down ${ms(r.downMs)}, cap ${ms(r.capMs)}; failed runs ${v('failedRuns')}`,
        `gaps between failed runs ${(r.retryGapsMs as number[]).map((g) => (g / 1000).toFixed(1)).join(', ')} s; recovery ${ms(r.recoveryMs)}`,
      ];
    case 'flap':
      return [verdict(), `proxy connections ${v('connections')}; ${ms(r.elapsedMs)}`];
    case 'retry-after':
      return [r.scenario.endsWith('short') ? 'Retry-After 1 / -5 / HTTP date +2 s' : 'Retry-After 999999999 / 2100-01-01', JSON.stringify({ ...r, scenario: undefined, tier: undefined, at: undefined })];
    case 'mariadb-restart': {
      const rounds = (r.rounds ?? []) as { how: string; downMs: number; caughtUpMs: number | null; lockHolderAfter: number | null }[];
      const state = (r.agentFinalState ?? {}) as Record<string, unknown>;
      const recovery = rounds.map((x) => (x.caughtUpMs === null ? `not within ${ms(r.recoveryWaitMs)}` : ms(x.caughtUpMs))).join(', ');
      return [
        verdict(),
        `server restarts ${v('restarts')} (${rounds.map((x) => x.how).join(', ')}), down ${rounds.map((x) => (x.downMs / 1000).toFixed(1)).join(', ')} s; ` +
          `changes committed before each stop pushed by the agent after the server answered again: ${recovery} (first DONE run within ${ms(r.maxFirstDoneMs)}); ` +
          `outbox emptied by the agent ${r.drainedMs === null ? 'never (a final sync did it)' : `${ms(r.drainedMs)} after the POS stopped`}; ` +
          `POS writes failed while down ${v('posFailedWrites')}, commits of unknown outcome ${v('commitsUnknown')} (${v('commitsUnknownCommitted')} had committed); ` +
          `agent alive ${v('agentAlive')}, state ${v('state', state)}, clean stop exit ${v('agentExit')}; ` +
          `one-agent lock held by connection ${v('lockHolderBefore')} before, after the restarts ${rounds.map((x) => String(x.lockHolderAfter)).join(', ')} (null: not re-taken); ${ms(r.elapsedMs)}`,
      ];
    }
    case 'clock': {
      if (r.scenario.endsWith('newest-wins')) {
        const side = (x: unknown) => x as { resolution: string; skewedGapMs: number; realGapMs: number; loser: string };
        const [ahead, behind] = [side(r.ahead), side(r.behind)];
        return [
          `newest-wins, shop 1 h ahead / behind the hub: ${ahead.resolution} / ${behind.resolution}`,
          `local_at − remote_at ${ahead.skewedGapMs} / ${behind.skewedGapMs} ms, real order ${ahead.realGapMs} / ${behind.realGapMs} ms; losers kept: ${ahead.loser} / ${behind.loser}`,
        ];
      }
      if (r.scenario.endsWith('outbox-backoff')) {
        return [
          `503 Retry-After ${v('retryAfterS')} s, then the agent's clock back 1 h`,
          `due in ${ms(r.dueInMs)}, after the jump in ${ms(r.dueInAfterJumpMs)}; with the hub back, delivered by ${v('automaticRuns')} automatic run (the next sale's) ${v('deliveredMs')} ms after that sale`,
        ];
      }
      const pause = (x: unknown) => x as { resumeMs: number; shownAheadMs: number; oldestPendingAgeMs: number; stalled: boolean };
      const [back, forward] = [pause(r.back), pause(r.forward)];
      return [
        '2 s pause, wall clock −1 h / +2 h',
        `resumed after ${back.resumeMs} / ${forward.resumeMs} ms; pausedUntil shown ${ms(back.shownAheadMs)} / ${ms(forward.shownAheadMs)} ahead; oldest pending age ${ms(back.oldestPendingAgeMs)} / ${ms(forward.oldestPendingAgeMs)} (stalled ${back.stalled} / ${forward.stalled})`,
      ];
    }
    case 'two-agents':
      return [`second agent exit ${v('exit')} after ${ms(r.refusedAfterMs)}`, v('message')];
    case 'disk-full':
      return r.scenario.endsWith('verdict')
        ? [verdict(), 'after space returned and a final sync']
        : [`POS writes failed for lack of space ${v('failedWrites')}, committed ${v('committed')}`, `status while full: ${v('statusWhileFull')}; caught up ${ms(r.resumedMs)} after space returned`];
    default:
      return [JSON.stringify(r), ''];
  }
}

function main(): void {
  if (process.argv.includes('--reset')) {
    rmSync(RESULTS_PATH, { force: true });
    return;
  }
  if (!existsSync(RESULTS_PATH)) throw new Error(`no figures at ${RESULTS_PATH}: run the suite first`);
  const rows = readFileSync(RESULTS_PATH, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  const latest = new Map<string, Row>();
  for (const r of rows) latest.set(r.scenario, r);
  const table = [
    `Last run: ${rows.at(-1)?.at ?? '—'} (${rows[0]?.tier ?? '—'} tier, ${latest.size} scenarios).`,
    '',
    '| scenario | verdict | figures |',
    '|---|---|---|',
    ...[...latest.values()].map((r) => {
      const [a, b] = describe(r);
      return `| ${r.scenario} | ${a.replace(/\|/g, '\\|')} | ${b.replace(/\|/g, '\\|')} |`;
    }),
  ].join('\n');
  const doc = readFileSync(DOC, 'utf8');
  const start = '<!-- results:start -->';
  const end = '<!-- results:end -->';
  const before = doc.indexOf(start);
  const after = doc.indexOf(end);
  if (before < 0 || after < before) throw new Error(`${DOC} lacks the ${start} … ${end} marks`);
  writeFileSync(DOC, `${doc.slice(0, before + start.length)}\n${table}\n${doc.slice(after)}`);
  process.stdout.write(`docs/reliability.md: ${latest.size} scenarios from ${RESULTS_PATH}\n`);
}

main();
