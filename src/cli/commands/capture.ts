import { withEngines } from '../load.js';
import { UsageError, parse } from '../usage.js';

/**
 * `dovetail capture remove ENTITY|all`: takes the capture triggers off pushed tables before a POS
 * upgrade that renames or drops a key column (MySQL/MariaDB would otherwise fail the POS's writes).
 * The next sync or start of the agent reinstalls them and sends the tables' rows again.
 */
export async function captureCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string' }, instance: { type: 'string' } });
  if (positionals[0] !== 'remove' || positionals.length !== 2) throw new UsageError('capture needs "remove ENTITY" or "remove all"');
  await withEngines(values, async (engine) => {
    const removed = await engine.removeCapture(positionals[1]!);
    console.log(
      removed.length > 0
        ? `[${engine.config.name}] capture removed from ${removed.join(', ')}: the next sync or agent start installs it again and sends those tables' rows`
        : `[${engine.config.name}] no capture triggers to remove`,
    );
  });
  return 0;
}
