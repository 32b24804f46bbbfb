/**
 * Test-only wall-clock shift (never imported by src/): `Date.now()` and `new Date()` (no
 * arguments) read the real clock plus an offset, while the monotonic clocks (`setTimeout`,
 * `performance.now()`, `process.hrtime`) are left alone. That is what a wall-clock jump does to a
 * process, without touching the machine's clock. SQLite's `strftime('now')` (the capture
 * triggers' `created_at`) and MariaDB's `UTC_TIMESTAMP()` keep the real clock.
 *
 * In a child process, loaded after tsx:
 *
 *   DOVETAIL_TEST_CLOCK_OFFSET_MS=-3600000 DOVETAIL_TEST_CLOCK_FILE=/tmp/x/clock \
 *     node --import tsx --import ./test/faults/clock-shift.ts test/faults/agent-proc.ts …
 *
 * starts 1 h behind; on SIGUSR2 the process reads a new offset (ms) from DOVETAIL_TEST_CLOCK_FILE
 * and prints `clock-offset <ms>` on stdout once it applies. In the test process itself:
 * `installClockShift()`, `setClockOffset(ms)`, `uninstallClockShift()`.
 */
import { readFileSync } from 'node:fs';

const RealDate = Date;
const realNow = () => RealDate.now();
let offsetMs = 0;

const shiftedNow = () => realNow() + offsetMs;

/** `Date` with a shifted "now"; dates built from arguments, parsing and `instanceof` behave as usual. */
const ShiftedDate: DateConstructor = new Proxy(RealDate, {
  construct(target, args: unknown[], newTarget: () => unknown): object {
    return Reflect.construct(target, args.length === 0 ? [shiftedNow()] : args, newTarget === ShiftedDate ? target : newTarget) as Date;
  },
  // `Date()` called as a function returns the current time as text.
  apply(): string {
    return new RealDate(shiftedNow()).toString();
  },
  get(target, property, receiver): unknown {
    return property === 'now' ? shiftedNow : (Reflect.get(target, property, receiver) as unknown);
  },
});

/** Replaces the global `Date` by the shifted one (offset unchanged). */
export function installClockShift(): void {
  globalThis.Date = ShiftedDate;
}

/** Puts the real `Date` back and the offset to 0. */
export function uninstallClockShift(): void {
  offsetMs = 0;
  globalThis.Date = RealDate;
}

/** Jumps the (installed) wall clock to real time + `ms`. */
export function setClockOffset(ms: number): void {
  offsetMs = ms;
}

export function clockOffset(): number {
  return offsetMs;
}

const fromEnv = process.env.DOVETAIL_TEST_CLOCK_OFFSET_MS;
const file = process.env.DOVETAIL_TEST_CLOCK_FILE;
if (fromEnv !== undefined || file !== undefined) {
  setClockOffset(Number(fromEnv ?? 0));
  installClockShift();
  if (file) {
    process.on('SIGUSR2', () => {
      setClockOffset(Number(readFileSync(file, 'utf8').trim()));
      process.stdout.write(`clock-offset ${offsetMs}\n`);
    });
  }
}
