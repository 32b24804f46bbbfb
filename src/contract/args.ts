import { z } from 'zod';
import { instanceName, resolution, side } from './dto.js';

/** Argument schemas of the AgentApi calls (strict: an unknown field is refused). */

export const none = z.strictObject({});
/** Omitted instance = every instance of the config. */
export const anyInstance = z.strictObject({ instance: instanceName.optional() });
export const oneInstance = z.strictObject({ instance: instanceName });
export const syncNowArgs = anyInstance.extend({ full: z.boolean().optional() });
export const pauseFor = z.enum(['15m', '1h', 'until-tomorrow']);
export type PauseFor = z.infer<typeof pauseFor>;
export const pauseArgs = anyInstance.extend({ for: pauseFor });
const seq = z.number().int().positive();
export const outboxEntriesArgs = oneInstance.extend({ seqs: z.array(seq).min(1).max(1000) });
export const runsArgs = oneInstance.extend({ limit: z.number().int().min(1).max(200).optional() });
const id = z.number().int().positive();
export const byIdArgs = oneInstance.extend({ id });
export const resolveArgs = oneInstance.extend({ id, resolution });
export const resolveEntityArgs = oneInstance.extend({ entity: z.string().min(1).max(200), keep: side });
export const startAtLoginArgs = z.strictObject({ enabled: z.boolean() });
