import { fileURLToPath } from 'node:url';
import { spawnTsx, type Child } from '../helpers/child.js';
import { waitFor } from '../helpers/fixtures.js';
import type { AgentProcArgs } from './agent-proc.js';

/** The agent failpoints a supervisor can arm (see src/core/failpoints.ts). */
export const AGENT_FAILPOINTS = ['push:after-send', 'apply:before-cursor'] as const;

export interface SuperviseOptions {
  readonly args: AgentProcArgs;
  /** How many times to SIGKILL the agent. */
  readonly kills: number;
  readonly random: () => number;
  /** Random kills land this long after `ready` (uniform in [min, max] ms). */
  readonly minMs?: number;
  readonly maxMs?: number;
  /** Rounds 0, n, 2n… (n = `failpointEvery`, default 2; 0 = never) arm a failpoint instead, alternating the names. */
  readonly failpointEvery?: number;
  /** Longest wait for an armed failpoint to fire before the supervisor kills anyway (ms). */
  readonly failpointWaitMs?: number;
  /** Called while the agent runs, before some kills (e.g. to drop its MySQL connections). */
  readonly meanwhile?: (round: number) => Promise<void>;
}

export interface SuperviseReport {
  kills: number;
  randomKills: number;
  /** Failpoint name → times it fired (the process killed itself there). */
  failpointKills: Record<string, number>;
  /** Failpoints armed that were not reached in time (then killed at random). */
  failpointMisses: number;
  /** Agent processes that ended by themselves (must stay 0). */
  unexpectedExits: number;
  stderr: string[];
}

const AGENT = fileURLToPath(new URL('./agent-proc.ts', import.meta.url));

/**
 * Starts the long-running agent again and again and SIGKILLs it `kills` times: at random moments
 * after it is ready, or (every few rounds) at a named failpoint armed through DOVETAIL_FAILPOINTS.
 * Bounded: each round waits at most 20 s for start-up and `failpointWaitMs` for a failpoint.
 */
export async function superviseAgent(opts: SuperviseOptions): Promise<SuperviseReport> {
  const report: SuperviseReport = { kills: 0, randomKills: 0, failpointKills: {}, failpointMisses: 0, unexpectedExits: 0, stderr: [] };
  const every = opts.failpointEvery ?? 2;
  for (let round = 0; round < opts.kills; round++) {
    const point = every > 0 && round % every === 0 ? AGENT_FAILPOINTS[Math.floor(round / every) % AGENT_FAILPOINTS.length]! : null;
    const hit = 1 + Math.floor(opts.random() * 3);
    const env = { ...process.env, DOVETAIL_FAILPOINTS: point ? `${point}@${hit}` : '' };
    const child: Child = spawnTsx(AGENT, [JSON.stringify(opts.args)], env);
    try {
      await waitFor(() => child.lines.includes('ready') || child.process.exitCode !== null || child.process.signalCode !== null, 20_000, 'the agent to start');
      if (opts.meanwhile) await opts.meanwhile(round);
      const wait = point
        ? (opts.failpointWaitMs ?? 8000)
        : (opts.minMs ?? 200) + opts.random() * ((opts.maxMs ?? 1500) - (opts.minMs ?? 200));
      const outcome = await Promise.race([child.exited, new Promise((resolve) => setTimeout(() => resolve('timer'), wait))]);
      if (outcome === 'timer') {
        child.process.kill('SIGKILL');
        report.randomKills++;
        if (point) report.failpointMisses++;
      } else if (outcome === 'SIGKILL' && point && /failpoint .* fired/.test(child.stderr())) {
        report.failpointKills[point] = (report.failpointKills[point] ?? 0) + 1;
      } else {
        report.unexpectedExits++;
        report.stderr.push(child.stderr().slice(-2000));
      }
      await child.exited;
      report.kills++;
    } finally {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    }
  }
  return report;
}
