import type { AgentApi } from './agent-api.js';
import { ApiError } from './api-error.js';
import { apiSchemas, isChannel } from './channels.js';

/**
 * Calls `channel` on `api` with `raw` arguments from an untrusted sender: the channel must be
 * one of the map's, the arguments are zod-parsed (the message names the path), and the result is
 * parsed too so nothing outside the contract leaves. Rejects with `ApiError`.
 */
export async function dispatch(api: AgentApi, channel: string, raw: unknown): Promise<unknown> {
  if (!isChannel(channel)) throw new ApiError('not_found', `no call named "${channel}"`);
  const schemas = apiSchemas[channel];
  const parsed = schemas.args.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(arguments)';
    throw new ApiError('bad_request', `${channel}: ${path}: ${issue?.message ?? 'invalid'}`);
  }
  const result = await (api[channel] as (this: AgentApi, args: unknown) => Promise<unknown>).call(api, parsed.data);
  return schemas.result.parse(result);
}
