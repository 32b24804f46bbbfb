import cron, { type ScheduledTask } from 'node-cron';

/** The cron expression for "every N minutes" (fractions allowed down to one second). */
export function intervalToCron(minutes: number): string {
  const seconds = Math.round(minutes * 60);
  if (seconds < 1) throw new Error(`sync interval ${minutes} min is below one second`);
  if (seconds < 60) return `*/${seconds} * * * * *`;
  if (seconds % 60 === 0 && seconds < 3600) return `0 */${seconds / 60} * * * *`;
  if (seconds % 3600 === 0 && seconds <= 86_400) return `0 0 */${seconds / 3600} * * *`;
  throw new Error(`sync interval ${minutes} min: use whole minutes below an hour or whole hours (or set sync.cron)`);
}

export function isValidCron(expression: string): boolean {
  return cron.validate(expression);
}

/** node-cron tasks that never overlap themselves; `stop` removes them all. */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];

  every(expression: string, name: string, fn: () => Promise<unknown>): void {
    const task = cron.schedule(
      expression,
      async () => {
        await fn();
      },
      { name, noOverlap: true },
    );
    this.tasks.push(task);
  }

  async stop(): Promise<void> {
    for (const task of this.tasks.splice(0)) await task.destroy();
  }
}
