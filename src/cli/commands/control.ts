import { callAgent } from '../control/control-client.js';
import { localTime } from '../format.js';
import { configPath } from '../load.js';
import { UsageError, parse } from '../usage.js';

const options = { config: { type: 'string' }, instance: { type: 'string' }, for: { type: 'string' } } as const;

/** `dovetail cancel|pause|resume`: commands for a running `dovetail run`. */
export async function controlCommand(action: 'cancel' | 'pause' | 'resume', args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.for !== undefined && action !== 'pause') throw new UsageError('--for only applies to pause');
  const body = { instance: values.instance, ...(action === 'pause' && values.for ? { for: values.for } : {}) };
  const answer = await callAgent<{ canceled?: number; pausedUntil?: string | null }>(configPath(values.config), 'POST', `/${action}`, body);
  if (answer === null) {
    console.error(`no running agent for this config (start one with: dovetail run)`);
    return 1;
  }
  if (action === 'cancel') console.log(answer.canceled ? 'cancel requested: the run stops after its current batch' : 'no run in progress');
  if (action === 'pause') console.log(answer.pausedUntil ? `paused until ${localTime(answer.pausedUntil)}` : 'paused until resumed');
  if (action === 'resume') console.log('resumed');
  return 0;
}
