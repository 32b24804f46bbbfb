import { hostname } from 'node:os';

/** This process as `host:pid`: what the agent records as the owner of a run or a lock. */
export const OWNER = `${hostname()}:${process.pid}`;

/** Whether the process named `host:pid` still runs on this machine (another machine's: no). */
export function ownerAlive(owner: string): boolean {
  const at = owner.lastIndexOf(':');
  const pid = Number(owner.slice(at + 1));
  if (owner.slice(0, at) !== hostname() || !Number.isInteger(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
