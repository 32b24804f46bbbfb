import { z } from 'zod';
import type { AgentApi, AgentEvents, ArgsOf, Channel, EventName, ResultOf } from './agent-api.js';
import * as A from './args.js';
import * as D from './dto.js';

type ChannelSchemas = { readonly [C in Channel]: { readonly args: z.ZodType<unknown, ArgsOf<C>>; readonly result: z.ZodType<ResultOf<C>> } };

const count = z.object({ count: z.number() });
const loginItem = D.startAtLogin;

/**
 * The one channel map: a zod schema for the argument and the result of every AgentApi call.
 * Its type is derived from the interface, so a call missing here, an extra one, or a schema that
 * disagrees with the interface fails the typecheck.
 */
export const apiSchemas = {
  status: { args: A.none, result: D.statusSnapshot },
  syncNow: { args: A.syncNowArgs, result: z.object({ started: z.array(z.string()) }) },
  cancel: { args: A.anyInstance, result: z.object({ canceled: z.number() }) },
  pause: { args: A.pauseArgs, result: z.object({ pausedUntil: z.string().nullable() }) },
  resume: { args: A.anyInstance, result: z.object({ resumed: z.number() }) },
  outbox: { args: A.oneInstance, result: D.outboxView },
  retryOutbox: { args: A.outboxEntriesArgs, result: count },
  discardOutbox: { args: A.outboxEntriesArgs, result: count },
  runs: { args: A.runsArgs, result: z.array(D.runRecord) },
  run: { args: A.byIdArgs, result: D.runDetail.nullable() },
  conflicts: { args: A.oneInstance, result: z.array(D.conflictSummary) },
  conflict: { args: A.byIdArgs, result: D.conflictDetail.nullable() },
  resolveConflict: { args: A.resolveArgs, result: z.object({ status: z.enum(['resolved', 'already-resolved']) }) },
  resolveEntity: { args: A.resolveEntityArgs, result: z.object({ resolved: z.number() }) },
  getStartAtLogin: { args: A.none, result: loginItem },
  setStartAtLogin: { args: A.startAtLoginArgs, result: loginItem },
  exportDiagnostics: { args: A.none, result: D.diagnostics },
} as const satisfies ChannelSchemas;

/** Every channel name, derived from the map (and so from the interface). */
export const channels = Object.keys(apiSchemas) as Channel[];

export function isChannel(name: string): name is Channel {
  return Object.hasOwn(apiSchemas, name);
}

export const eventSchemas = {
  status: D.statusSnapshot,
  runFinished: z.object({ instance: z.string(), run: D.runRecord }),
} as const satisfies { readonly [E in EventName]: z.ZodType<AgentEvents[E]> };

export type { AgentApi };
